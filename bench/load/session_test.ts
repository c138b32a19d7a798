import assert from "node:assert/strict";
import { startServer } from "../../src/server.ts";
import { testConfig } from "../../tests/server_fixture.ts";
import { startPeerServer } from "../peer/peer_server.ts";
import { LoadSession, sustained } from "./session.ts";
import type { ServerProcess } from "./servers.ts";

// In-process servers stand in for server processes: RSS and CPU are then
// this process's, which these tests do not check.
async function inProcess(kind: "overlap" | "peer"): Promise<ServerProcess> {
  if (kind === "overlap") {
    const server = await startServer(testConfig({ OVERLAP_LOG_LEVEL: "error" }));
    return {
      kind,
      pid: Deno.pid,
      url: server.url,
      wsUrl: server.url.replace("http", "ws") + "/graphql",
      stop: async () => void await server.close(),
    };
  }
  const peer = await startPeerServer(testConfig(), { transport: "deno" });
  return { kind, pid: Deno.pid, url: peer.url, wsUrl: peer.wsUrl, stop: () => peer.close() };
}

Deno.test("Overlap and the peer deliver exactly the same deltas to the same clients", async () => {
  const scenario = { clients: 40, cohorts: 8, touch: 3 };
  const received: number[] = [];
  for (const kind of ["overlap", "peer"] as const) {
    const server = await inProcess(kind);
    const session = await LoadSession.open({
      servers: [server],
      scenario,
      workers: 2,
      progress: () => {},
    });
    try {
      assert.equal(session.memory.rssKiB.length, 5);
      const step = await session.step(20, 1);
      assert.equal(step.deltas, 20);
      // 20 deltas × 3 cohorts × 5 clients per cohort.
      assert.equal(step.framesExpected, 300);
      assert.equal(step.framesReceived, 300, `${kind}: frames`);
      assert.equal(step.lost, 0);
      assert.equal(step.wrongClients, 0, `${kind}: every client got exactly its deltas`);
      assert.equal(step.otherFrames, 0);
      assert(step.p50 > 0 && step.p50 <= step.p99 && step.p99 <= step.max + 0.1);
      assert(sustained(step, 1e9));
      received.push(step.framesReceived);
      // A second step counts only its own deltas.
      const again = await session.step(10, 1);
      assert.equal(again.framesExpected, 150);
      assert.equal(again.wrongClients, 0, `${kind}: second step`);
    } finally {
      await session.close();
      await server.stop();
    }
  }
  assert.equal(received[0], received[1]);
});

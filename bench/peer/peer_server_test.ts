import assert from "node:assert/strict";
import { waitFor } from "../../tests/db_fixture.ts";
import { postJson, testConfig } from "../../tests/server_fixture.ts";
import { client, subscribe } from "../../tests/ws_fixture.ts";
import { readTransport, startPeerServer } from "./peer_server.ts";

const FLOW = "~peer/flow";
const query = (task: string) =>
  `subscription @deltas { workflows(ids: ["${FLOW}"]) { taskProxies(ids: ["${FLOW}//1/${task}"]) { status } } }`;

for (const transport of ["ws", "deno"] as const) {
  Deno.test(`peer (${transport}): snapshot first, then a next only for overlapping events`, async () => {
    const peer = await startPeerServer(testConfig(), { transport });
    const a = client(peer.wsUrl);
    const b = client(peer.wsUrl);
    try {
      const post = (body: unknown) => postJson(`${peer.url}/api/deltas`, body);
      const first = await post({
        workflows: [{ id: FLOW, taskProxies: [{ id: `${FLOW}//1/a`, status: "waiting" }] }],
      });
      assert.equal(first.status, 200);
      // The answer comes at commit; the store has the event once the feed
      // applied it. Subscribing earlier would snapshot without it.
      await waitFor("the first delta in the peer's store", async () => {
        const res = await fetch(`${peer.url}/status`);
        return (await res.json()).seq >= (first.body.seq as number);
      });
      const streamA = subscribe(a, query("a"));
      const streamB = subscribe(b, query("b"));
      await waitFor(
        "both snapshots",
        () => streamA.items.length === 1 && streamB.items.length === 1,
      );
      assert.deepEqual(streamA.items[0].data, {
        workflows: [{ taskProxies: [{ status: "waiting" }] }],
      });
      assert.deepEqual(streamB.items[0].data, { workflows: [{ taskProxies: [] }] });
      assert.equal(peer.subscribers(), 2);
      // Touches a only, then b only: b's frame arriving proves a's second
      // event was dropped for a rather than still in flight.
      await post({
        workflows: [{ id: FLOW, taskProxies: [{ id: `${FLOW}//1/a`, status: "s1" }] }],
      });
      await post({
        workflows: [{ id: FLOW, taskProxies: [{ id: `${FLOW}//1/b`, status: "s2" }] }],
      });
      await waitFor(
        "one delta each",
        () => streamA.items.length === 2 && streamB.items.length === 2,
      );
      assert.deepEqual(streamA.items[1].data, { workflows: [{ taskProxies: [{ status: "s1" }] }] });
      assert.deepEqual(streamB.items[1].data, { workflows: [{ taskProxies: [{ status: "s2" }] }] });
      await post({
        workflows: [{ id: FLOW, taskProxies: [{ id: `${FLOW}//1/b`, status: "s3" }] }],
      });
      await waitFor("b's second delta", () => streamB.items.length === 3);
      assert.equal(streamA.items.length, 2);
      // An invalid document gets graphql-ws's error message, not a stream.
      const bad = subscribe(a, "subscription { nope }");
      await waitFor("the error", () => bad.errors !== undefined);
    } finally {
      await a.dispose();
      await b.dispose();
      await peer.close();
    }
  });
}

Deno.test("PEER_TRANSPORT is ws or deno", () => {
  assert.equal(readTransport(undefined), "ws");
  assert.equal(readTransport("deno"), "deno");
  assert.throws(() => readTransport("uws"), { name: "TypeError", message: /"ws" or "deno"/ });
});

/**
 * Issue 12, part 5: fast-check with fixed seeds against a running server
 * (a child process, so a crash shows as a dead process, not a failed
 * assertion in the same one). Ingest and heartbeat bodies, WebSocket
 * protocol messages, GraphQL documents over HTTP and the socket. Every case
 * must get the answer its generator predicts (a 4xx with an `error` message,
 * an exact close code, or a result); the server must stay up, log no error
 * (a 500 is logged as one), and a control client subscribed throughout must
 * receive every control delta once, in order.
 *
 * Runs on embedded PGlite, or on a fresh database of the PostgreSQL server
 * of `TEST_DATABASE_URL` when set (as in CI). Prints the number of cases.
 */
import { assertEquals } from "./assert.ts";
import { dbCases } from "./db_fixture.ts";
import { type CaseCounts, ControlClient, fuzzContext } from "./fuzz_context.ts";
import { fuzzGraphql } from "./fuzz_graphql.ts";
import { fuzzIngest, INGEST_ENV } from "./fuzz_ingest.ts";
import { fuzzWebSocket } from "./fuzz_ws.ts";
import { startServerProcess } from "./server_process.ts";

Deno.test("fuzz: every edge of a running server, fixed seeds", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "overlap_fuzz_" });
  const postgres = dbCases().find((c) => c.name === "postgres");
  const database = postgres ? await postgres.open() : undefined;
  // The server opens its own connections; the fixture's only creates and drops the database.
  const started = performance.now();
  const server = await startServerProcess({
    ...INGEST_ENV,
    OVERLAP_DATA_DIR: dataDir,
    ...(database ? { DATABASE_URL: database.url! } : {}),
  });
  const control = new ControlClient(server);
  const counts: CaseCounts = new Map();
  try {
    await control.ready();
    await control.tick();
    const ctx = fuzzContext(server, control, counts);
    await t.step("ingest and heartbeat bodies", () => fuzzIngest(ctx));
    await t.step("websocket protocol messages", () => fuzzWebSocket(ctx));
    await t.step("graphql documents", () => fuzzGraphql(ctx));
    await control.tick();
    await control.verify();
    const health = await fetch(`${server.url}/healthz`);
    assertEquals([health.status, await health.json()], [200, { status: "ok" }]);
    // A 500 or a failed hook would have been logged as an error.
    assertEquals(server.lines.filter((line) => line.level === "error"), []);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    console.log(
      `fuzz: ${total} cases in ${((performance.now() - started) / 1000).toFixed(0)} s on ${
        database ? "PostgreSQL" : "PGlite"
      }, ${control.sent} control deltas received in order\n` +
        [...counts].map(([label, n]) => `  ${String(n).padStart(5)}  ${label}`).join("\n"),
    );
  } finally {
    await control.close();
    await server.stop();
    await database?.drop();
    await Deno.remove(dataDir, { recursive: true });
  }
});

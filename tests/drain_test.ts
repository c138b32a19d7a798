/**
 * The graceful drain, in-process: an ingest request in flight when the
 * drain starts finishes (committed, answered, delivered); new ingest and
 * WebSocket upgrades get 503 with Retry-After; sockets get 1012 after every
 * committed event; `close()` resolves within its bound even when a request
 * never finishes (the bound is an injected timer, fired by the test).
 */
import { createApp } from "../src/app.ts";
import type { DrainClock } from "../src/drain/run_drain.ts";
import { assert, assertEquals } from "./assert.ts";
import { serverCases, type TestServer, waitFor } from "./server_fixture.ts";
import { client, subscribe } from "./ws_fixture.ts";

const WATCH = "subscription @deltas { workflows { id statusMsg } }";
const encoder = new TextEncoder();

/** A POST to /api/deltas whose body arrives in two parts, the second when the test says. */
function slowPost(test: TestServer, first: string) {
  const body = new TransformStream<Uint8Array, Uint8Array>();
  const writer = body.writable.getWriter();
  const response = fetch(`${test.server.url}/api/deltas`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: body.readable,
  });
  const started = writer.write(encoder.encode(first));
  return {
    started,
    response,
    async finish(rest: string) {
      await writer.write(encoder.encode(rest));
      await writer.close();
    },
    abort: () => writer.abort(new Error("the test gave up")).catch(() => {}),
  };
}

/** A drain clock whose timers of `ms` fire when the test says so. */
function manualDrainClock() {
  const timers = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  const clock: DrainClock = {
    setTimeout: (fn, ms) => (timers.set(++next, { fn, ms }), next),
    clearTimeout: (handle) => void timers.delete(handle as number),
    now: () => 0,
  };
  return {
    clock,
    fire(ms: number) {
      for (const [handle, timer] of [...timers]) {
        if (timer.ms !== ms) continue;
        timers.delete(handle);
        timer.fn();
      }
    },
  };
}

for (const serverCase of serverCases()) {
  Deno.test(`drain (${serverCase.name}): in-flight ingest finishes and is delivered before 1012`, async () => {
    const test = await serverCase.start();
    const closes: number[] = [];
    const ws = client(test.wsUrl, {}, (code) => closes.push(code));
    const { gate } = test.server.services;
    let slow: ReturnType<typeof slowPost> | undefined;
    try {
      const stream = subscribe(ws, WATCH);
      await waitFor("the snapshot", () => stream.items.length === 1);
      slow = slowPost(test, '{"workflows":[{"id":"~user/flow",');
      await slow.started;
      await waitFor("the POST to be in flight", () => gate.inFlight === 1);

      const closing = test.server.close();
      // From the first moment of the drain: no new ingest, no new sockets.
      const refused = await test.post("/api/deltas", { workflows: [{ id: "~user/late" }] });
      assertEquals(refused, {
        status: 503,
        body: {
          error: "the server is draining (restarting or stopping): retry in 2 s, " +
            "here after the restart or on another instance",
        },
      });
      const app = createApp(test.server.services);
      const upgrade = await app.request("/graphql", { headers: { upgrade: "websocket" } });
      assertEquals([upgrade.status, upgrade.headers.get("retry-after")], [503, "2"]);
      await upgrade.body?.cancel();
      const health = await fetch(`${test.server.url}/healthz`);
      assertEquals([health.status, await health.json()], [503, { status: "draining" }]);
      assertEquals(closes, [], "sockets stay open while ingest is in flight");

      await slow.finish('"statusMsg":"in flight"}]}');
      const answered = await slow.response;
      assertEquals(answered.status, 200);
      const { seq } = await answered.json();
      assert(typeof seq === "number", "the in-flight delta was committed");

      const report = await closing;
      assertEquals(
        [report.completed, report.timedOut, report.failed, report.cutShort],
        [true, false, [], []],
      );
      await waitFor("the close", () => closes.length === 1);
      assertEquals(closes, [1012]);
      // The in-flight delta reached the subscriber before the close.
      assertEquals(stream.items.at(-1), {
        data: { workflows: [{ id: "~user/flow", statusMsg: "in flight" }] },
        extensions: { seq, pruned: [] },
      });
      const late = await (async () => await test.server.services.db.query("select 1"))()
        .then(() => "open", () => "closed");
      assertEquals(late, "closed", "the database is closed at the end of the drain");
    } finally {
      await ws.dispose();
      await slow?.abort();
      await test.stop();
    }
  });
}

const pglite = serverCases().find((c) => c.name === "pglite")!;

Deno.test("drain (pglite): the bound cuts a request that never finishes short, sockets still get 1012", async () => {
  const time = manualDrainClock();
  const test = await pglite.start({ OVERLAP_DRAIN_TIMEOUT_MS: "2500" }, { drainClock: time.clock });
  const closes: number[] = [];
  const ws = client(test.wsUrl, {}, (code) => closes.push(code));
  const slow = slowPost(test, '{"workflows":[');
  try {
    const stream = subscribe(ws, WATCH);
    await waitFor("the snapshot", () => stream.items.length === 1);
    await slow.started;
    await waitFor("the POST to be in flight", () => test.server.services.gate.inFlight === 1);
    const closing = test.server.close();
    await Promise.resolve();
    time.fire(2500); // the bound passes
    const report = await closing;
    assertEquals(report.completed, false);
    assertEquals(report.timedOut, true);
    assertEquals(report.cutShort.slice(0, 2), [
      "in-flight ingest finished (1 ingest request(s) in flight)",
      "event feed caught up",
    ]);
    await waitFor("the close", () => closes.length === 1);
    assertEquals(closes, [1012]);
    assertEquals(await test.server.close(), report, "close() is idempotent");
  } finally {
    await ws.dispose();
    // The stuck client gives up; the rest of the drain then runs to its end.
    await slow.abort();
    await slow.response.then((res) => res.body?.cancel(), () => {});
    await test.server.closed;
    await test.stop();
  }
});

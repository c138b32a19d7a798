/**
 * Issue 12, part 4: PostgreSQL stopped for 30 s and started again under a
 * running server, on a throwaway cluster this test starts.
 *
 * While it is down, ingest answers 503 at once with a clear message and
 * `Retry-After`, queries and new subscriptions are served from the store,
 * sockets stay open and the heartbeat monitor marks nothing. After it is
 * back, every committed delta reaches every subscriber exactly once and in
 * order (checked against the event log with the engine), nothing is
 * half-written, the monitor resumes, and the outage is two log lines.
 *
 * The 30 s are real time (the wording); the heartbeat monitor runs
 * on an injected clock and is ticked by hand.
 */
import { intersectJson, parseSubscription } from "../wasm/mod.ts";
import type { OverlapEvent } from "../src/db/event_delta.ts";
import { readEvents } from "../src/db/event_log.ts";
import { openPostgres } from "../src/db/postgres.ts";
import { type HeartbeatExtension, startHeartbeats } from "../src/heartbeat/extension.ts";
import { createLogger } from "../src/log.ts";
import { startServer } from "../src/server.ts";
import { assert, assertEquals } from "./assert.ts";
import { clusterTest, startCluster } from "./pg_cluster.ts";
import { postJson, testConfig, waitFor } from "./server_fixture.ts";
import { client, type Stream, subscribe } from "./ws_fixture.ts";

const OUTAGE_MS = 30_000;
const WF = "~ops/flow";
const TASKS = ["~ops/flow//1/a", "~ops/flow//1/b"];
const JOB_ALIVE = "~ops/flow//1/a/01";
const JOB_SILENT = "~ops/flow//1/b/01";
const INTERVAL_S = 10;
const BUFFER_S = 5;
const SPAN = (INTERVAL_S + BUFFER_S) * 1000;
/** Timers that never fire: the test ticks the monitor. */
const NO_TIMERS = { setTimeout: () => 0, clearTimeout: () => {} };

const VIEWS = {
  /** Delta mode, the workflow and both tasks. */
  tree: `subscription @deltas { workflows { id statusMsg taskProxies { id name } } }`,
  /** Standard mode: the full result on every overlapping event. */
  standard: `subscription { workflows { statusMsg } }`,
  /** Delta mode, one task only. */
  oneTask: `subscription @deltas { workflows { taskProxies(ids: ["${TASKS[1]}"]) { name } } }`,
};

/** One write of the test's writer: what it sent and what came back. */
interface Write {
  readonly marker: string;
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly retryAfter: string | null;
  readonly ms: number;
}

/** A delta that writes `marker` into three rows at once. */
const markerDelta = (marker: string) => ({
  workflows: [{
    id: WF,
    statusMsg: marker,
    taskProxies: TASKS.map((id) => ({ id, name: marker })),
  }],
});

async function post(url: string, body: unknown): Promise<Omit<Write, "marker">> {
  const started = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: await res.json(),
    retryAfter: res.headers.get("retry-after"),
    ms: performance.now() - started,
  };
}

/** What a delta-mode subscriber must have received after `afterSeq`, from the log. */
function expectedDeltas(events: readonly OverlapEvent[], query: string, afterSeq: number) {
  using set = parseSubscription(query);
  return events.filter((event) => event.seq > afterSeq).flatMap((event) => {
    const json = intersectJson(JSON.stringify(event.delta), set);
    return json === undefined ? [] : [{ seq: event.seq, data: JSON.parse(json) }];
  });
}

const received = (stream: Stream) =>
  stream.items.slice(1).map((item) => ({ seq: item.extensions?.seq, data: item.data }));

Deno.test(clusterTest(
  "outage (postgres): 30 s without the database: 503s, no loss, no duplicates, in order",
  async () => {
    const cluster = await startCluster();
    const lines: string[] = [];
    const log = createLogger("overlap", "info", (line) => lines.push(line));
    let now = Date.now();
    let heartbeats: HeartbeatExtension | undefined;
    const server = await startServer(
      testConfig({ DATABASE_URL: cluster.url, OVERLAP_POLL_MS: "250" }),
      {
        log,
        async extend(db, log, { availability }) {
          heartbeats = await startHeartbeats(
            { heartbeatIntervalS: INTERVAL_S, heartbeatBufferS: BUFFER_S },
            db,
            log,
            { now: () => now, scheduler: NO_TIMERS, availability },
          );
          return [heartbeats];
        },
        services: () => ({ heartbeats: (body, principal) => heartbeats!.route(body, principal) }),
      },
    );
    const monitor = heartbeats!.monitor;
    const wsUrl = server.url.replace("http", "ws") + "/graphql";
    const closes: number[] = [];
    const clients = [client(wsUrl, {}, (code) => closes.push(code))];
    clients.push(client(wsUrl, {}, (code) => closes.push(code)));
    const writes: Write[] = [];
    let writing = true;
    let writer: Promise<void> | undefined;
    try {
      const iso = (ms: number) => new Date(ms).toISOString();
      const setup = await postJson(server.url + "/api/deltas", {
        workflows: [{
          id: WF,
          taskProxies: TASKS.map((id) => ({ id, status: "running" })),
          jobs: [JOB_ALIVE, JOB_SILENT].map((id) => ({
            id,
            status: "running",
            lastHeartbeatTime: iso(now),
          })),
        }],
      });
      assertEquals(setup.status, 200);
      await server.feed.catchUp();
      await waitFor("both jobs tracked", () => monitor.stats().jobs === 2);

      const streams = {
        tree: subscribe(clients[0], VIEWS.tree),
        standard: subscribe(clients[0], VIEWS.standard),
        oneTask: subscribe(clients[1], VIEWS.oneTask),
      };
      await waitFor(
        "the first payloads",
        () => Object.values(streams).every((s) => s.items.length),
      );

      // Committed before the stop.
      for (let i = 0; i < 20; i++) {
        const write = await post(server.url + "/api/deltas", markerDelta(`before ${i}`));
        assertEquals(write.status, 200);
        writes.push({ marker: `before ${i}`, ...write });
      }

      // A scheduler that keeps writing every 100 ms, whatever the answers.
      let n = 0;
      writer = (async () => {
        while (writing) {
          const marker = `during ${n++}`;
          writes.push({ marker, ...await post(server.url + "/api/deltas", markerDelta(marker)) });
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      await waitFor("a write in flight", () => writes.length > 22);

      const stoppedAt = performance.now();
      await cluster.stop();
      await waitFor("the server to notice", () => !server.services.availability.available);

      // During the outage: store-served queries, a new subscriber, heartbeats refused.
      const status = await (await fetch(server.url + "/status")).json();
      assertEquals(status.database.available, false);
      assertEquals(status.database.outages, 1);
      const query = await (await fetch(
        server.url + `/graphql?query=${encodeURIComponent("{ workflows { id statusMsg } }")}`,
      )).json();
      assertEquals(query.data.workflows[0].id, WF);
      const late = client(wsUrl, {}, (code) => closes.push(code));
      clients.push(late);
      const lateStream = subscribe(late, VIEWS.tree);
      await waitFor("a snapshot while the database is down", () => lateStream.items.length === 1);
      assertEquals(lateStream.items[0].extensions?.seq, server.services.store.seq);
      const beat = await post(server.url + "/api/heartbeats", {
        heartbeats: [{ id: JOB_ALIVE, time: iso(now) }],
      });
      assertEquals(beat.status, 503);
      assertEquals(beat.retryAfter, "2");
      // The monitor's clock passes two spans: nothing is checked, let alone marked.
      now += 2 * SPAN;
      assertEquals(await monitor.tick(), []);

      const remaining = OUTAGE_MS - (performance.now() - stoppedAt);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, remaining)));
      assertEquals(server.services.connections.size, 3);
      await cluster.start();
      const restartedAt = performance.now();
      await waitFor("a write accepted again", () => writes.at(-1)!.status === 200, 30_000);
      const recoveredMs = performance.now() - restartedAt;
      const backAt = now;
      await waitFor("the monitor told", () => server.services.availability.available);

      // The monitor resumes: due items get a full span from the return.
      const outcomes = await monitor.tick();
      assertEquals(outcomes.map((o) => o.result), ["refreshed", "refreshed"]);
      now += 5_000;
      const alive = await post(server.url + "/api/heartbeats", {
        heartbeats: [{ id: JOB_ALIVE, time: iso(now) }],
      });
      assertEquals([alive.status, alive.body.updated], [200, 1]);
      await server.feed.catchUp();
      now = backAt + SPAN + 1;
      assertEquals(await monitor.tick(), [{ kind: "job", id: JOB_SILENT, result: "marked" }]);

      // More deltas after the return, then stop writing.
      const after = writes.length;
      await waitFor("20 writes after the return", () => writes.length >= after + 20, 30_000);
      writing = false;
      await writer;
      await server.feed.catchUp();

      // --- The answers ---------------------------------------------------
      const refused = writes.filter((w) => w.status === 503);
      const accepted = writes.filter((w) => w.status === 200);
      assertEquals(refused.length + accepted.length, writes.length, "only 200s and 503s");
      assert(refused.length >= 50, `only ${refused.length} writes during 30 s were refused`);
      for (const write of refused) {
        assert(
          /^database unavailable: .+; retry later$/.test(write.body.error as string),
          `503 body: ${JSON.stringify(write.body)}`,
        );
        assertEquals(write.retryAfter, "2");
      }
      const slowest = Math.max(...refused.map((w) => w.ms));
      assert(slowest < 5_000, `a 503 took ${slowest.toFixed(0)} ms`);

      // --- The database: every event whole, every accepted write once ----
      const db = await openPostgres(cluster.url, createLogger("check", "error"), {
        maxConnections: 1,
      });
      let events: OverlapEvent[];
      try {
        events = await readEvents(db, 0, 100_000);
      } finally {
        await db.close();
      }
      const markersInLog = new Map<string, number>();
      for (const event of events) {
        const workflow = event.delta.workflows.find((w) => w.id === WF);
        const marker = workflow?.statusMsg;
        if (typeof marker !== "string") continue;
        // Nothing half-written: the three rows of a write are in one event.
        assertEquals(
          workflow!.taskProxies?.map((t) => [t.id, t.name]),
          TASKS.map((id) => [id, marker]),
        );
        markersInLog.set(marker, (markersInLog.get(marker) ?? 0) + 1);
      }
      for (const write of accepted) {
        assertEquals(markersInLog.get(write.marker), 1, `accepted write ${write.marker}`);
        assertEquals(
          write.body.seq,
          events.find((e) => e.delta.workflows[0]?.statusMsg === write.marker)?.seq,
        );
      }
      // A 503 for a write in flight as the database stopped may still have
      // committed (the commit's answer was lost with the connection); no other.
      const refusedButWritten = refused.filter((w) => markersInLog.has(w.marker));
      assert(refusedButWritten.length <= 1, `${refusedButWritten.length} refused writes committed`);

      // --- Every subscriber: exactly the log's overlaps, once, in order ---
      const lastSeq = events.at(-1)!.seq;
      for (
        const [name, stream, query, least] of [
          ["tree", streams.tree, VIEWS.tree, 40],
          ["oneTask", streams.oneTask, VIEWS.oneTask, 40],
          ["late", lateStream, VIEWS.tree, 20],
        ] as const
      ) {
        const from = stream.items[0].extensions!.seq!;
        const expected = expectedDeltas(events, query, from);
        assert(expected.length >= least, `${name}: only ${expected.length} events expected`);
        await waitFor(`${name} complete`, () => stream.items.length - 1 >= expected.length, 30_000);
        assertEquals(received(stream), expected, `${name} received exactly the log's overlaps`);
      }
      const standardSeqs = expectedDeltas(events, VIEWS.standard, streams.standard.seqs[0])
        .map((e) => e.seq);
      await waitFor("standard complete", () => streams.standard.items.length > standardSeqs.length);
      assertEquals(streams.standard.seqs.slice(1), standardSeqs);

      // Nobody was disconnected; the same server ran throughout.
      assertEquals(closes, []);
      assertEquals(server.services.connections.size, 3);
      assertEquals(server.feed.lastSeq, lastSeq);
      const finalStatus = await (await fetch(server.url + "/status")).json();
      assertEquals(finalStatus.database.available, true);
      assertEquals(finalStatus.database.outages, 1);
      assert(finalStatus.database.downMs >= OUTAGE_MS - 1000, JSON.stringify(finalStatus.database));

      // The outage is one line down and one line back, not a line per request.
      const down = lines.filter((l) => l.includes("database unavailable;"));
      const up = lines.filter((l) => l.includes("database available again"));
      assertEquals([down.length, up.length], [1, 1], lines.join("\n"));
      assertEquals(lines.filter((l) => l.includes(" ERROR ")), []);
      const duringOutage = lines.slice(lines.indexOf(down[0]), lines.indexOf(up[0]) + 1);
      assert(duringOutage.length <= 8, `lines during the outage:\n${duringOutage.join("\n")}`);

      console.log(
        `outage: ${writes.length} writes (${accepted.length} accepted, ${refused.length} refused ` +
          `with 503; slowest 503 ${slowest.toFixed(1)} ms, median ${
            median(refused.map((w) => w.ms)).toFixed(1)
          } ms); writes accepted again ${recoveredMs.toFixed(0)} ms after the restart; ` +
          `${events.length} events, ${received(streams.tree).length} frames to the tree view; ` +
          `${refusedButWritten.length} refused write(s) committed; the outage in the log:\n` +
          duringOutage.join("\n"),
      );
    } finally {
      writing = false;
      await writer;
      await Promise.all(clients.map((c) => c.dispose()));
      await server.close();
      await cluster.destroy();
    }
  },
));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

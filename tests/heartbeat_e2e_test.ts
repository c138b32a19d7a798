/**
 * End to end: heartbeats over `POST /api/heartbeats`, the monitor wired
 * into a real server through the event feed, and subscribers over
 * graphql-ws. The monitor's clock is injected and its timer never fires:
 * the test ticks it. Runs on PGlite, and on PostgreSQL when
 * `TEST_DATABASE_URL` is set.
 */
import { assert, assertEquals } from "./assert.ts";
import { type HeartbeatExtension, startHeartbeats } from "../src/heartbeat/extension.ts";
import type { StartOptions } from "../src/server.ts";
import { serverCases, type TestServer, waitFor } from "./server_fixture.ts";
import { client, type Stream, subscribe } from "./ws_fixture.ts";

const WF = "~user/flow";
const JOB = "~user/flow//1/foo/01";
const INTERVAL_S = 10;
const BUFFER_S = 5;
const SPAN = (INTERVAL_S + BUFFER_S) * 1000;
/** Timers that never fire: the test calls `tick()`. */
const NO_TIMERS = { setTimeout: () => 0, clearTimeout: () => {} };

const iso = (ms: number) => new Date(ms).toISOString();

/** Watches status and its reason: never heartbeats. */
const STATUS_VIEW = `subscription @deltas { workflows(ids: ["${WF}"]) {
  status statusMsg jobs { id status statusMsg } } }`;
/** Watches heartbeats only. */
const HEARTBEAT_VIEW = `subscription @deltas { workflows(ids: ["${WF}"]) {
  lastHeartbeatTime jobs { id lastHeartbeatTime } } }`;

/** A server with the monitor wired as `deno task start` wires it, on an injected clock. */
async function startWithMonitor(
  start: (env: Record<string, string>, options: StartOptions) => Promise<TestServer>,
  now: () => number,
  env: Record<string, string> = {},
): Promise<{ test: TestServer; heartbeats: HeartbeatExtension }> {
  let heartbeats: HeartbeatExtension | undefined;
  const test = await start(env, {
    async extend(db, log) {
      heartbeats = await startHeartbeats(
        { heartbeatIntervalS: INTERVAL_S, heartbeatBufferS: BUFFER_S },
        db,
        log,
        {
          now,
          scheduler: NO_TIMERS,
        },
      );
      return [heartbeats];
    },
    services: () => ({
      heartbeats: (body, principal) => heartbeats!.route(body, principal),
    }),
  });
  return { test, heartbeats: heartbeats! };
}

/** The data of what `stream` received after its first `skip` payloads. */
const dataAfter = (stream: Stream, skip: number) =>
  stream.items.slice(skip).map((item) => item.data);

for (const serverCase of serverCases()) {
  Deno.test(`heartbeats (${serverCase.name}): a silent job and workflow are marked, subscribers see it, a late heartbeat revives`, async () => {
    // Statuses without a heartbeat time are stamped with the database's
    // clock, so the injected clock starts at the real one and moves by hand.
    const t0 = Date.now();
    let now = t0;
    const { test, heartbeats } = await startWithMonitor(serverCase.start, () => now);
    const ws = client(test.wsUrl);
    try {
      const setup = await test.post("/api/deltas", {
        workflows: [{
          id: WF,
          status: "running",
          lastHeartbeatTime: iso(t0),
          taskProxies: [{ id: "~user/flow//1/foo", status: "running" }],
          jobs: [{ id: JOB, status: "running", lastHeartbeatTime: iso(t0) }],
        }],
      });
      assertEquals(setup.status, 200);
      await test.server.feed.catchUp();
      assertEquals(heartbeats.monitor.stats().jobs, 1);
      assertEquals(heartbeats.monitor.stats().workflows, 1);
      const statusView = subscribe(ws, STATUS_VIEW);
      const heartbeatView = subscribe(ws, HEARTBEAT_VIEW);
      await waitFor(
        "the snapshots",
        () => statusView.items.length === 1 && heartbeatView.items.length === 1,
      );

      // A heartbeat batch reaches only the view that selects lastHeartbeatTime.
      const beat = await test.post("/api/heartbeats", {
        heartbeats: [{ id: JOB, time: iso(t0 + 5000) }],
      });
      assertEquals(beat, { status: 200, body: { received: 1, updated: 1, unknown: 0, stale: 0 } });
      await waitFor("the heartbeat", () => heartbeatView.items.length === 2);
      assertEquals(dataAfter(heartbeatView, 1), [
        { workflows: [{ id: WF, jobs: [{ id: JOB, lastHeartbeatTime: iso(t0 + 5000) }] }] },
      ]);
      // A marker the status view selects: it is the next thing that view gets.
      const marker = await test.post("/api/deltas", { workflows: [{ id: WF, statusMsg: "busy" }] });
      await waitFor("the marker", () => statusView.items.length === 2);
      assertEquals(statusView.items[1].extensions?.seq, marker.body.seq);
      assertEquals(heartbeatView.items.length, 2);
      await test.server.feed.catchUp();
      assertEquals(heartbeats.monitor.deadlineOf("job", JOB), t0 + 5000 + SPAN);

      // Not before interval + buffer.
      now = t0 + SPAN;
      assertEquals(await heartbeats.monitor.tick(), []);
      // The workflow fell silent first; then the job.
      now = t0 + SPAN + 1;
      assertEquals(await heartbeats.monitor.tick(), [{
        kind: "workflow",
        id: WF,
        result: "marked",
      }]);
      await waitFor("the workflow's mark", () => statusView.items.length === 3);
      assertEquals(dataAfter(statusView, 2), [
        { workflows: [{ id: WF, status: "stalled", statusMsg: "heartbeat lost" }] },
      ]);
      now = t0 + 5000 + SPAN + 1;
      assertEquals(await heartbeats.monitor.tick(), [{ kind: "job", id: JOB, result: "marked" }]);
      await waitFor("the job's mark", () => statusView.items.length === 4);
      assertEquals(dataAfter(statusView, 3), [
        {
          workflows: [{
            id: WF,
            jobs: [{ id: JOB, status: "failed", statusMsg: "heartbeat lost" }],
          }],
        },
      ]);
      // The marks change no heartbeat: the heartbeat view got nothing.
      assertEquals(heartbeatView.items.length, 2);

      // A heartbeat after the mark brings the job back to running.
      const late = await test.post("/api/heartbeats", {
        heartbeats: [{ id: JOB, time: iso(now) }],
      });
      assertEquals(late.body, { received: 1, updated: 1, unknown: 0, stale: 0 });
      await waitFor("the revival", () => statusView.items.length === 5);
      await heartbeats.monitor.idle();
      assertEquals(dataAfter(statusView, 4), [
        { workflows: [{ id: WF, jobs: [{ id: JOB, status: "running", statusMsg: null }] }] },
      ]);
      assertEquals(heartbeats.monitor.stats().revived, 1);
      await test.server.feed.catchUp();
      assertEquals(heartbeats.monitor.deadlineOf("job", JOB), now + SPAN);
      const figures = await (await fetch(`${test.server.url}/status`)).json();
      assertEquals(figures.heartbeats, {
        jobs: 1,
        workflows: 0,
        checked: 2,
        marked: 2,
        revived: 1,
        errors: 0,
      });
      const metrics = await (await fetch(`${test.server.url}/metrics`)).text();
      for (
        const line of [
          "overlap_heartbeat_checked_total 2",
          "overlap_heartbeat_marked_total 2",
          "overlap_heartbeat_revived_total 1",
          'overlap_heartbeat_watched{kind="job"} 1',
        ]
      ) assert(metrics.split("\n").includes(line), `/metrics lacks ${line}`);

      // Completion stops tracking.
      await test.post("/api/deltas", {
        workflows: [{ id: WF, jobs: [{ id: JOB, status: "succeeded" }] }],
      });
      await test.server.feed.catchUp();
      assertEquals(heartbeats.monitor.stats().jobs, 0);
    } finally {
      await ws.dispose();
      await test.stop();
    }
  });

  Deno.test(`heartbeats (${serverCase.name}): POST /api/heartbeats validates, and honours write scopes`, async () => {
    const tokens = JSON.stringify([
      { name: "sched", token: "scheduler-token-0123", scopes: ["write:~user/*"] },
      { name: "viewer", token: "viewer-token-012345", scopes: ["read"] },
    ]);
    const { test } = await startWithMonitor(serverCase.start, Date.now, { OVERLAP_TOKENS: tokens });
    try {
      const setup = await test.post("/api/deltas", {
        workflows: [
          { id: WF, jobs: [{ id: JOB, status: "running" }] },
        ],
      }, "scheduler-token-0123");
      assertEquals(setup.status, 200);
      const ok = await test.post(
        "/api/heartbeats",
        { heartbeats: [{ id: JOB }, { id: WF }] },
        "scheduler-token-0123",
      );
      assertEquals(ok, { status: 200, body: { received: 2, updated: 2, unknown: 0, stale: 0 } });
      const bad = await test.post(
        "/api/heartbeats",
        { heartbeats: [{ id: "~user/flow//1/foo" }] },
        "scheduler-token-0123",
      );
      assertEquals(bad.status, 400);
      assert(
        String(bad.body.error).startsWith("heartbeats[0].id: expected a job id"),
        String(bad.body.error),
      );
      const other = await test.post("/api/heartbeats", {
        heartbeats: [{ id: JOB }, { id: "~bob/flow" }],
      }, "scheduler-token-0123");
      assertEquals(other, {
        status: 403,
        body: {
          error:
            "token sched may not write workflow ~bob/flow (heartbeat for ~bob/flow); the batch was not written",
        },
      });
      const viewer = await test.post(
        "/api/heartbeats",
        { heartbeats: [{ id: JOB }] },
        "viewer-token-012345",
      );
      assertEquals(viewer.status, 403);
      const anonymous = await test.post("/api/heartbeats", { heartbeats: [{ id: JOB }] });
      assertEquals(anonymous.status, 401);
    } finally {
      await test.stop();
    }
  });
}

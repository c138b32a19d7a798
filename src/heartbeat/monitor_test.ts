import { dbCases } from "../../tests/db_fixture.ts";
import { assert, assertEquals } from "../../tests/assert.ts";
import type { Queryable, Row } from "../db/database.ts";
import { EventBus } from "../events/bus.ts";
import { readEvents } from "../db/event_log.ts";
import { emitTracking, type TrackingEvents } from "../events/tracking.ts";
import { createLogger } from "../log.ts";
import { HeartbeatMonitor, type HeartbeatMonitorOptions, type Scheduler } from "./monitor.ts";

const T0 = Date.parse("2024-05-01T12:00:00.000Z");
const INTERVAL_S = 60;
const BUFFER_S = 30;
const SPAN = (INTERVAL_S + BUFFER_S) * 1000;
const WF = "~u/flow";
const JOB = "~u/flow//1/foo/01";
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * What the realtime pipeline's event consumer does for the monitor: reads
 * new events of the log (`readEvents`) and emits their tracking events, so
 * these tests go through the real triggers and event assembly.
 */
class LogFeed {
  #seq = 0;
  constructor(readonly db: Queryable, readonly bus: EventBus<TrackingEvents>) {}
  async pump(): Promise<void> {
    for (const event of await readEvents(this.db, this.#seq, 1000)) {
      emitTracking(this.bus, event);
      this.#seq = event.seq;
    }
  }
}

/** A database wrapper that counts queries and can run a hook before each. */
function spy(db: Queryable, before?: (sql: string) => Promise<void>) {
  const calls: string[] = [];
  const wrapped: Queryable = {
    async query<T extends Row = Row>(sql: string, params?: readonly unknown[]) {
      calls.push(sql.trim().split(/\s+/)[0]);
      if (before) await before(sql);
      return await db.query<T>(sql, params);
    },
  };
  return { db: wrapped, calls };
}

interface Rig {
  monitor: HeartbeatMonitor;
  bus: EventBus<TrackingEvents>;
  feed: LogFeed;
  clock: { now: number };
  lines: string[];
}

function rig(db: Queryable, options: Partial<HeartbeatMonitorOptions> = {}): Rig {
  const clock = { now: T0 };
  const lines: string[] = [];
  const bus = new EventBus<TrackingEvents>();
  const monitor = new HeartbeatMonitor({
    db,
    intervalS: INTERVAL_S,
    bufferS: BUFFER_S,
    now: () => clock.now,
    log: createLogger("heartbeat", "debug", (line) => lines.push(line)),
    ...options,
  });
  monitor.attach(bus);
  return { monitor, bus, feed: new LogFeed(db, bus), clock, lines };
}

async function addWorkflow(db: Queryable, id = WF, heartbeat: number | null = T0) {
  await db.query(
    "insert into workflows (id, status, last_heartbeat_time) values ($1, 'running', $2::timestamptz)",
    [id, heartbeat === null ? null : iso(heartbeat)],
  );
}

async function addJob(
  db: Queryable,
  id = JOB,
  status = "running",
  heartbeat: number | null = T0,
  submitted: number | null = null,
) {
  await db.query(
    `insert into jobs (id, workflow_id, task_id, submit_num, status, last_heartbeat_time, submitted_time)
     values ($1, $2, $3, 1, $4, $5::timestamptz, $6::timestamptz)`,
    [
      id,
      id.split("//")[0],
      id.slice(0, id.lastIndexOf("/")),
      status,
      heartbeat === null ? null : iso(heartbeat),
      submitted === null ? null : iso(submitted),
    ],
  );
}

async function heartbeat(db: Queryable, table: "jobs" | "workflows", id: string, at: number) {
  await db.query(`update ${table} set last_heartbeat_time = $2::timestamptz where id = $1`, [
    id,
    iso(at),
  ]);
}

async function statusOf(db: Queryable, table: "jobs" | "workflows", id: string) {
  const rows = await db.query<{ status: string; status_msg?: string }>(
    `select * from ${table} where id = $1`,
    [id],
  );
  return rows[0];
}

for (const dbCase of dbCases()) {
  const test = (name: string, fn: (db: Queryable) => Promise<void>) =>
    Deno.test(`${name} (${dbCase.name})`, async () => {
      const { db, drop } = await dbCase.open();
      try {
        await fn(db);
      } finally {
        await drop();
      }
    });

  test("a silent job is marked failed just after interval + buffer, not before", async (db) => {
    await addWorkflow(db);
    await addJob(db);
    const { monitor, feed, clock, lines } = rig(db);
    await feed.pump();
    assertEquals(monitor.size, 2);
    // The workflow keeps heartbeating; the job does not.
    await heartbeat(db, "workflows", WF, T0 + SPAN - 10_000);
    await feed.pump();
    clock.now = T0 + SPAN;
    assertEquals(await monitor.tick(), []);
    assertEquals((await statusOf(db, "jobs", JOB)).status, "running");
    clock.now = T0 + SPAN + 1;
    assertEquals(await monitor.tick(), [{ kind: "job", id: JOB, result: "marked" }]);
    const marked = await statusOf(db, "jobs", JOB);
    assertEquals([marked.status, marked.status_msg], ["failed", "heartbeat lost"]);
    assert(lines.some((l) => l.includes("job marked failed: heartbeat lost") && l.includes(JOB)));
    assert(lines.some((l) => l.includes('reason="heartbeat lost"')));
    await feed.pump(); // the mark comes back as an event: nothing left to untrack
    assertEquals(monitor.size, 1);
    assertEquals(monitor.deadlineOf("workflow", WF), T0 + SPAN - 10_000 + SPAN);
  });

  test("a database outage is not silence: nothing is checked while paused, a full span after resume", async (db) => {
    await addWorkflow(db);
    await addJob(db);
    await addJob(db, "~u/flow//1/bar/01");
    const { monitor, feed, clock, lines } = rig(db);
    await feed.pump();
    // The database goes away just before the items are due; heartbeats are refused meanwhile.
    monitor.pause();
    clock.now = T0 + SPAN + 120_000;
    assertEquals(await monitor.tick(), []);
    assertEquals(monitor.stats().checked, 0);
    // It comes back: every item is due, none is marked.
    const back = clock.now;
    monitor.resume();
    const refreshed = await monitor.tick();
    assertEquals(refreshed.map((o) => o.result), ["refreshed", "refreshed", "refreshed"]);
    assertEquals(monitor.deadlineOf("job", JOB), back + SPAN);
    assertEquals(monitor.deadlineOf("workflow", WF), back + SPAN);
    // One job and the workflow heartbeat again; the other job stays silent.
    await heartbeat(db, "jobs", JOB, back + 5_000);
    await heartbeat(db, "workflows", WF, back + 5_000);
    await feed.pump();
    clock.now = back + SPAN;
    assertEquals(await monitor.tick(), []);
    clock.now = back + SPAN + 1;
    assertEquals(await monitor.tick(), [{
      kind: "job",
      id: "~u/flow//1/bar/01",
      result: "marked",
    }]);
    assertEquals((await statusOf(db, "jobs", JOB)).status, "running");
    assertEquals((await statusOf(db, "workflows", WF)).status, "running");
    // The mark names the real last heartbeat, not the database's return.
    const mark = lines.find((l) => l.includes("job marked failed"))!;
    assert(mark.includes(`lastHeartbeat=${iso(T0)}`), mark);
  });

  test("a silent workflow is marked stalled with statusMsg 'heartbeat lost'", async (db) => {
    await addWorkflow(db);
    const { monitor, feed, clock, lines } = rig(db);
    await feed.pump();
    clock.now = T0 + SPAN + 1;
    assertEquals(await monitor.tick(), [{ kind: "workflow", id: WF, result: "marked" }]);
    const row = await statusOf(db, "workflows", WF);
    assertEquals([row.status, row.status_msg], ["stalled", "heartbeat lost"]);
    assert(lines.some((l) => l.includes("workflow marked stalled: heartbeat lost")));
  });

  test("heartbeats through the event feed move the deadline", async (db) => {
    await addWorkflow(db);
    await addJob(db);
    const { monitor, feed, clock } = rig(db);
    await feed.pump();
    for (let t = T0 + 60_000; t <= T0 + 600_000; t += 60_000) {
      await heartbeat(db, "jobs", JOB, t);
      await heartbeat(db, "workflows", WF, t);
      await feed.pump();
      clock.now = t + 30_000;
      assertEquals(await monitor.tick(), []);
    }
    assertEquals(monitor.deadlineOf("job", JOB), T0 + 600_000 + SPAN);
    assertEquals((await statusOf(db, "jobs", JOB)).status, "running");
  });

  test("a newer heartbeat in the database that the feed has not delivered yet prevents the mark", async (db) => {
    await addWorkflow(db);
    await addJob(db);
    const { monitor, feed, clock } = rig(db);
    await feed.pump();
    await heartbeat(db, "jobs", JOB, T0 + 80_000); // not pumped
    clock.now = T0 + SPAN + 1;
    const outcomes = await monitor.tick();
    assertEquals(outcomes.find((o) => o.kind === "job"), {
      kind: "job",
      id: JOB,
      result: "refreshed",
    });
    assertEquals((await statusOf(db, "jobs", JOB)).status, "running");
    assertEquals(monitor.deadlineOf("job", JOB), T0 + 80_000 + SPAN);
  });

  test("a heartbeat landing between the re-read and the update wins", async (db) => {
    await addWorkflow(db);
    await addJob(db);
    let armed = true;
    const { db: racy } = spy(db, async (sql) => {
      if (armed && sql.trimStart().startsWith("update jobs set status")) {
        armed = false;
        await heartbeat(db, "jobs", JOB, T0 + 95_000);
      }
    });
    const { monitor, feed, clock } = rig(racy);
    await feed.pump();
    clock.now = T0 + SPAN + 1;
    const outcomes = await monitor.tick();
    assertEquals(outcomes.find((o) => o.kind === "job"), {
      kind: "job",
      id: JOB,
      result: "refreshed",
    });
    assertEquals((await statusOf(db, "jobs", JOB)).status, "running");
  });

  test("a heartbeat after the mark brings the job back to running and logs it", async (db) => {
    await addWorkflow(db);
    await addJob(db);
    const { monitor, feed, clock, lines } = rig(db);
    await feed.pump();
    await heartbeat(db, "workflows", WF, T0 + 90_000);
    await feed.pump();
    clock.now = T0 + SPAN + 1;
    assertEquals(await monitor.tick(), [{ kind: "job", id: JOB, result: "marked" }]);
    await feed.pump();
    assertEquals(monitor.deadlineOf("job", JOB), undefined);
    // The job was only slow: its heartbeat arrives after the mark.
    clock.now = T0 + 100_000;
    await heartbeat(db, "jobs", JOB, T0 + 99_000);
    await feed.pump();
    await monitor.idle();
    const revived = await statusOf(db, "jobs", JOB);
    assertEquals([revived.status, revived.status_msg], ["running", null]);
    assert(lines.some((l) => l.includes("heartbeat after the mark: job back to running")));
    assertEquals(monitor.deadlineOf("job", JOB), T0 + 99_000 + SPAN);
    await feed.pump(); // the revival's own event (status running) keeps it tracked
    assert(monitor.deadlineOf("job", JOB) !== undefined);
  });

  test("a heartbeat after the mark brings a workflow back to running with no status message", async (db) => {
    await addWorkflow(db);
    const { monitor, feed, clock } = rig(db);
    await feed.pump();
    clock.now = T0 + SPAN + 1;
    await monitor.tick();
    await feed.pump();
    await heartbeat(db, "workflows", WF, T0 + SPAN + 5);
    await feed.pump();
    await monitor.idle();
    const row = await statusOf(db, "workflows", WF);
    assertEquals([row.status, row.status_msg], ["running", null]);
  });

  for (
    const [how, set] of [
      ["no status message", "status = 'failed'"],
      ["finishedTime set", "status = 'failed', finished_time = now()"],
    ]
  ) {
    test(`a failure the scheduler reported (${how}) is not undone by a stray heartbeat`, async (db) => {
      await addWorkflow(db);
      await addJob(db);
      const { monitor, feed } = rig(db);
      await feed.pump();
      // Not Overlap's mark, which says "heartbeat lost" and leaves finishedTime unset.
      await db.query(`update jobs set ${set} where id = $1`, [JOB]);
      await feed.pump();
      await heartbeat(db, "jobs", JOB, T0 + 5_000);
      await feed.pump();
      await monitor.idle();
      assertEquals((await statusOf(db, "jobs", JOB)).status, "failed");
    });
  }

  test("completion stops tracking, and stray heartbeats of finished items cost no query", async (db) => {
    await addWorkflow(db);
    await addJob(db);
    const spied = spy(db);
    const { monitor, feed, clock } = rig(spied.db);
    await feed.pump();
    assertEquals(monitor.size, 2);
    await db.query("update jobs set status = 'succeeded' where id = $1", [JOB]);
    await db.query("update workflows set status = 'stopped' where id = $1", [WF]);
    await feed.pump();
    assertEquals(monitor.size, 0);
    await heartbeat(db, "jobs", JOB, T0 + 1000);
    const before = spied.calls.length;
    await feed.pump();
    await monitor.idle();
    clock.now = T0 + 10 * SPAN;
    assertEquals(await monitor.tick(), []);
    assertEquals(spied.calls.slice(before), ["with"]); // only the feed's own read (readEvents)
  });

  test("pruning stops tracking", async (db) => {
    await addWorkflow(db);
    await addJob(db);
    const { monitor, feed } = rig(db);
    await feed.pump();
    await db.query("delete from workflows where id = $1", [WF]); // cascades to the job
    await feed.pump();
    assertEquals(monitor.size, 0);
  });

  test("two monitors on one database mark once", async (db) => {
    await addWorkflow(db);
    await addJob(db);
    const a = rig(db);
    const b = rig(db);
    await a.feed.pump();
    await b.feed.pump();
    a.clock.now = b.clock.now = T0 + SPAN + 1;
    const [ra, rb] = await Promise.all([a.monitor.tick(), b.monitor.tick()]);
    const results = [...ra, ...rb].map((o) => `${o.kind} ${o.result}`).sort();
    assertEquals(results, ["job finished", "job marked", "workflow finished", "workflow marked"]);
    const changes = await db.query<{ n: number }>(
      `select count(*)::int as n from overlap_event_log
        where data ? 'status' and data->>'status' in ('failed', 'stalled')`,
    );
    assertEquals(changes, [{ n: 2 }]);
  });

  test("restart: in-flight items are loaded and those that expired while down are marked on the first tick", async (db) => {
    const old = T0 - 10 * 60_000;
    await addWorkflow(db, WF, old); // silent while Overlap was down
    await addWorkflow(db, "~u/live", T0 - 5_000);
    await addJob(db, "~u/live//1/a/01", "running", old);
    await addJob(db, "~u/live//1/b/01", "running", T0 - 5_000);
    await addJob(db, "~u/live//1/c/01", "submitted", null, old); // queued, never heartbeated
    await addJob(db, "~u/live//1/d/01", "submitted", null, null); // no time at all
    await addJob(db, "~u/live//1/e/01", "succeeded", old);
    const { monitor, clock } = rig(db);
    assertEquals(await monitor.loadInFlight(), 6);
    const outcomes = await monitor.tick();
    assertEquals(outcomes.map((o) => `${o.kind} ${o.id} ${o.result}`).sort(), [
      "job ~u/live//1/a/01 marked",
      "job ~u/live//1/c/01 marked",
      `workflow ${WF} marked`,
    ]);
    assertEquals(monitor.deadlineOf("job", "~u/live//1/b/01"), T0 - 5_000 + SPAN);
    assertEquals(monitor.deadlineOf("job", "~u/live//1/d/01"), T0 + SPAN);
    clock.now = T0 + SPAN + 1;
    assertEquals((await monitor.tick()).map((o) => o.id).sort(), [
      "~u/live",
      "~u/live//1/b/01",
      "~u/live//1/d/01",
    ]);
  });

  test("a database error during a check is logged and the item checked again later", async (db) => {
    await addWorkflow(db);
    let fail = true;
    const { db: flaky } = spy(db, (sql) => {
      if (fail && sql.includes("last_heartbeat_time::text")) {
        fail = false;
        return Promise.reject(new Error("connection reset"));
      }
      return Promise.resolve();
    });
    const { monitor, feed, clock, lines } = rig(flaky, { retryMs: 2_000 });
    await feed.pump();
    clock.now = T0 + SPAN + 1;
    assertEquals(await monitor.tick(), [{ kind: "workflow", id: WF, result: "error" }]);
    assert(lines.some((l) => l.includes("heartbeat check failed; will retry")));
    assertEquals(monitor.deadlineOf("workflow", WF), T0 + SPAN + 1 + 2_000);
    clock.now = T0 + SPAN + 2_002;
    assertEquals(await monitor.tick(), [{ kind: "workflow", id: WF, result: "marked" }]);
  });
}

Deno.test("start() ticks on the injected scheduler, one tick at a time, until stop()", async () => {
  const timers: { fn: () => void; ms: number }[] = [];
  const scheduler: Scheduler = {
    setTimeout(fn, ms) {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimeout() {},
  };
  let now = 0;
  const reads: string[] = [];
  const db: Queryable = {
    query<T extends Row = Row>(sql: string) {
      reads.push(sql.trim().split(/\s+/)[0]);
      return Promise.resolve([] as T[]);
    },
  };
  const monitor = new HeartbeatMonitor({
    db,
    intervalS: 1,
    bufferS: 1,
    now: () => now,
    scheduler,
    tickMs: 500,
  });
  monitor.update({ kind: "job", id: "~u/f//1/a/01", lastHeartbeat: 0, status: "running" });
  monitor.start();
  monitor.start();
  assertEquals(timers.map((t) => t.ms), [500]);
  now = 2_001;
  timers[0].fn();
  await monitor.stop();
  assertEquals(reads, ["select"]);
  assertEquals(monitor.size, 0);
  assertEquals(timers.length, 1); // stopped: the next tick was not scheduled
});

import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { dbCases, reset } from "../../tests/db_fixture.ts";
import { SEED_DELTA } from "../../tests/seed.ts";
import type { Database } from "./database.ts";
import type { OverlapEvent } from "./event_delta.ts";
import {
  latestSeq,
  loadSnapshot,
  pruneEventLog,
  READ_EVENTS_SQL,
  readEvents,
  retentionFloor,
} from "./event_log.ts";
import { applyDelta } from "../ingest/apply_delta.ts";
import { validateDelta } from "../ingest/validate_delta.ts";

const W = "~user/flow";
const T = `${W}//1/foo`;
const J = `${T}/01`;

function ingest(db: Database, body: unknown) {
  return applyDelta(db, validateDelta(body));
}

async function eventsSince(db: Database, seq: number): Promise<OverlapEvent[]> {
  return await readEvents(db, seq, 1000);
}

/** An event without its seq and time, for comparing two runs. */
function shape(event: OverlapEvent) {
  return { delta: event.delta, pruned: event.pruned, workflowIds: event.workflowIds };
}

for (const dbCase of dbCases()) {
  Deno.test(`event log (${dbCase.name})`, async (t) => {
    const { db, drop } = await dbCase.open();
    try {
      await t.step("the seed delta into an empty database", async () => {
        await reset(db);
        const before = await latestSeq(db);
        const { seq } = await ingest(db, JSON.parse(SEED_DELTA));
        const events = await eventsSince(db, before);
        assertEquals(events.length, 1);
        const [event] = events;
        assertEquals(event.seq, seq);
        assert(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(event.at));
        const job = { id: J, submitNum: 1, status: "running" };
        const task = { id: T, name: "foo", cyclePoint: "1", status: "running", jobs: [job] };
        assertEquals(shape(event), {
          delta: {
            workflows: [{
              id: W,
              name: "flow",
              owner: "user",
              taskProxies: [task],
              jobs: [job],
              nodesEdges: { nodes: [task] },
            }],
          },
          pruned: [],
          workflowIds: [W],
        });
      });

      await t.step("updates record only the changed columns; no-op updates nothing", async () => {
        const before = await latestSeq(db);
        await ingest(db, {
          workflows: [{ id: W, taskProxies: [{ id: T, status: "running", isHeld: true }] }],
        });
        await db.query("update task_proxies set status = status, is_held = true");
        await db.query("update workflows set status = 'held', host = null where id = $1", [W]);
        const events = await eventsSince(db, before);
        assertEquals(events.map(shape), [
          {
            delta: {
              workflows: [{
                id: W,
                taskProxies: [{ id: T, isHeld: true }],
              }],
            },
            pruned: [],
            workflowIds: [W],
          },
          { delta: { workflows: [{ id: W, status: "held" }] }, pruned: [], workflowIds: [W] },
        ]);
      });

      await t.step("plain SQL writes produce the same events as ingest", async () => {
        const body = {
          workflows: [{
            id: "~u/sql",
            status: "running",
            lastHeartbeatTime: "2024-01-02T03:04:05.678Z",
            familyProxies: [{ id: "~u/sql//1/FAM", firstParent: "~u/sql//1/root" }],
            taskProxies: [{
              id: "~u/sql//1/a",
              status: "waiting",
              firstParent: "~u/sql//1/FAM",
              jobs: [{ id: "~u/sql//1/a/01", startedTime: "2024-01-02T04:00:00+01:00" }],
            }],
            edges: [{ id: "~u/sql//$edge|1/a|1/b", source: "~u/sql//1/a", target: "~u/sql//1/b" }],
          }],
        };
        const s0 = await latestSeq(db);
        await ingest(db, body);
        await ingest(db, {
          workflows: [{ id: "~u/sql", taskProxies: [{ id: "~u/sql//1/a", status: "running" }] }],
        });
        await ingest(db, { pruned: { workflows: ["~u/sql"] } });
        const viaIngest = (await eventsSince(db, s0)).map(shape);

        const s1 = await latestSeq(db);
        await db.transaction(async (tx) => {
          await tx.query(`insert into workflows (id, name, owner, status, last_heartbeat_time)
            values ('~u/sql', 'sql', 'u', 'running', '2024-01-02 03:04:05.678+00')`);
          await tx.query(
            `insert into family_proxies (id, workflow_id, name, cycle_point, first_parent)
            values ('~u/sql//1/FAM', '~u/sql', 'FAM', '1', '~u/sql//1/root')`,
          );
          await tx.query(
            `insert into task_proxies (id, workflow_id, name, cycle_point, status, first_parent)
            values ('~u/sql//1/a', '~u/sql', 'a', '1', 'waiting', '~u/sql//1/FAM')`,
          );
          await tx.query(`insert into jobs (id, workflow_id, task_id, submit_num, started_time)
            values ('~u/sql//1/a/01', '~u/sql', '~u/sql//1/a', 1, '2024-01-02T03:00:00Z')`);
          await tx.query(`insert into edges (id, workflow_id, source, target)
            values ('~u/sql//$edge|1/a|1/b', '~u/sql', '~u/sql//1/a', '~u/sql//1/b')`);
        });
        await db.query("update task_proxies set status = 'running' where id = '~u/sql//1/a'");
        await db.query("delete from workflows where id = '~u/sql'");
        const viaSql = (await eventsSince(db, s1)).map(shape);
        assertEquals(viaSql, viaIngest);
        // The cascade names every element that went with the workflow.
        assertEquals(
          viaSql[2].pruned.map((p) => p.kind).sort(),
          ["edges", "familyProxies", "jobs", "taskProxies", "workflows"],
        );
      });

      await t.step("an id changed by SQL is the old element pruned and a new one", async () => {
        const before = await latestSeq(db);
        await db.query("insert into workflows (id) values ('~u/move')");
        await db.query(
          "insert into task_proxies (id, workflow_id, name, status) values ('~u/move//1/a', '~u/move', 'a', 'x')",
        );
        await db.query("update task_proxies set id = '~u/move//1/b' where id = '~u/move//1/a'");
        const [, , moved] = await eventsSince(db, before);
        const node = { id: "~u/move//1/b", name: "a", status: "x" };
        assertEquals(shape(moved), {
          delta: {
            workflows: [{ id: "~u/move", taskProxies: [node], nodesEdges: { nodes: [node] } }],
          },
          pruned: [{ kind: "taskProxies", id: "~u/move//1/a", workflowId: "~u/move" }],
          workflowIds: ["~u/move"],
        });
      });

      await t.step(
        "one statement, many rows: a move is gone then new, no-ops left out, body order",
        async () => {
          const rowsOf = (seq: number) =>
            db.query<{ op: string; id: string; workflow_id: string; data: unknown }>(
              "select op, id, workflow_id, data from overlap_event_log where seq = $1 order by ord",
              [seq],
            );
          await db.query("insert into workflows (id) values ('~u/m1'), ('~u/m2')");
          await db.query(
            `insert into task_proxies (id, workflow_id, name, status) values
            ('~u/m1//1/a', '~u/m1', 'a', 'x'), ('~u/m1//1/b', '~u/m1', 'b', 'x'),
            ('~u/m1//1/c', '~u/m1', 'c', 'x')`,
          );
          const before = await latestSeq(db);
          // a: status changes; b: moves to another workflow (same id); c: no-op.
          await db.query(
            `update task_proxies set
            status = case when id = '~u/m1//1/a' then 'y' else status end,
            workflow_id = case when id = '~u/m1//1/b' then '~u/m2' else workflow_id end`,
          );
          const [moved] = await eventsSince(db, before);
          assertEquals(await rowsOf(moved.seq), [
            { op: "u", id: "~u/m1//1/a", workflow_id: "~u/m1", data: { status: "y" } },
            { op: "d", id: "~u/m1//1/b", workflow_id: "~u/m1", data: null },
            { op: "i", id: "~u/m1//1/b", workflow_id: "~u/m2", data: { name: "b", status: "x" } },
          ]);
          // An upsert of one new and one existing row: rows in the body's order.
          const { seq } = await ingest(db, {
            workflows: [{
              id: "~u/m1",
              taskProxies: [{ id: "~u/m1//1/new", status: "n" }, { id: "~u/m1//1/a", status: "z" }],
            }],
          });
          assertEquals((await rowsOf(seq!)).map((row) => [row.op, row.id]), [
            ["i", "~u/m1//1/new"],
            ["u", "~u/m1//1/a"],
          ]);
          // A statement that changes nothing takes no seq.
          const last = await latestSeq(db);
          await db.query("update task_proxies set status = status");
          assertEquals(await latestSeq(db), last);
        },
      );

      await t.step("a rolled-back transaction leaves a gap, not an event", async () => {
        const before = await latestSeq(db);
        await assertRejects(
          () =>
            db.transaction(async (tx) => {
              await tx.query("insert into workflows (id) values ('~u/rollback')");
              throw new Error("changed my mind");
            }),
          Error,
          "changed my mind",
        );
        const { seq } = await ingest(db, { workflows: [{ id: "~u/after" }] });
        const events = await eventsSince(db, before);
        assertEquals(events.map((e) => e.seq), [seq]);
        assert(seq! > before + 1, "the rolled-back seq is skipped");
      });

      await t.step("readEvents pages by whole events", async () => {
        await reset(db);
        const seqs: number[] = [];
        for (let i = 0; i < 5; i++) {
          const { seq } = await ingest(db, {
            workflows: [{ id: W, status: `s${i}`, taskProxies: [{ id: `${W}//1/t${i}` }] }],
          });
          seqs.push(seq!);
        }
        const first = await readEvents(db, 0, 2);
        assertEquals(first.map((e) => e.seq), seqs.slice(0, 2));
        const rest = await readEvents(db, first[1].seq, 10);
        assertEquals(rest.map((e) => e.seq), seqs.slice(2));
        assert(rest.every((e) => e.delta.workflows[0].taskProxies?.length === 1));
        await assertRejects(
          () => readEvents(db, -1, 1),
          RangeError,
          "afterSeq must be an integer ≥ 0",
        );
      });

      await t.step("readEvents walks the log's index, not the whole log", async () => {
        await reset(db);
        // 5,000 events of 10 rows, written without statistics being gathered
        // (PGlite never gathers them; PostgreSQL's autovacuum has not yet).
        await db.query(
          `insert into overlap_event_log (seq, at, tbl, op, id, workflow_id, task_id, data)
            select g / 10 + 1, now(), 'task_proxies', 'u', 'x' || g, '~w', null, '{}'::jsonb
            from generate_series(0, 49999) g`,
        );
        const plan = (await db.query<Record<string, string>>(
          `explain ${READ_EVENTS_SQL.replaceAll("$1", "4999").replaceAll("$2", "100")}`,
        )).map((row) => Object.values(row)[0]).join("\n");
        assert(!/Seq Scan on overlap_event_log/.test(plan), `a scan of the whole log:\n${plan}`);
        const events = await readEvents(db, 4999, 100);
        assertEquals(events.map((e) => e.seq), [5000]);
        assertEquals(events[0].delta.workflows[0].taskProxies?.length, 10);
        await reset(db);
      });

      await t.step("retention: whole old events go, the floor rises", async () => {
        await reset(db);
        const seqs: number[] = [];
        for (let i = 0; i < 4; i++) {
          seqs.push((await ingest(db, { workflows: [{ id: W, status: `s${i}` }] })).seq!);
        }
        // Known times, one minute apart, so the test does not race the clock.
        for (const [i, seq] of seqs.entries()) {
          await db.query("update overlap_event_log set at = $1 where seq = $2", [
            `2024-01-01T00:0${i}:00Z`,
            seq,
          ]);
        }
        assertEquals(await retentionFloor(db), 0);
        // Keep 10 minutes, seen at 00:11:30: events at 00:00 and 00:01 are older.
        const now = new Date("2024-01-01T00:11:30Z");
        assertEquals(await pruneEventLog(db, 600, now), { events: 2, floor: seqs[1] });
        assertEquals((await eventsSince(db, 0)).map((e) => e.seq), seqs.slice(2));
        assertEquals(await retentionFloor(db), seqs[1]);
        assertEquals(await pruneEventLog(db, 600, now), { events: 0, floor: seqs[1] });
        // Pruning everything keeps latestSeq.
        assertEquals(await pruneEventLog(db, 0, now), { events: 2, floor: seqs[3] });
        assertEquals(await latestSeq(db), seqs[3]);
        assertEquals(await eventsSince(db, 0), []);
        await assertRejects(() => pruneEventLog(db, -1), RangeError, "olderThanSeconds");
      });

      await t.step("loadSnapshot: GraphQL names, normalised times, the latest seq", async () => {
        await reset(db);
        await ingest(db, {
          workflows: [{
            id: W,
            status: "running",
            stateTotals: { running: 1 },
            lastHeartbeatTime: "2024-01-02T03:04:05.6789Z",
            taskProxies: [{
              id: T,
              firstParent: `${W}//1/FAM`,
              jobs: [{ id: J, startedTime: "2024-01-02T03:04:05Z" }],
            }],
            familyProxies: [{ id: `${W}//1/FAM` }],
            edges: [{ id: `${W}//$edge|1/foo|1/bar`, source: T, target: `${W}//1/bar` }],
          }],
        });
        const snapshot = await loadSnapshot(db);
        assertEquals(snapshot, {
          seq: await latestSeq(db),
          workflows: [{
            id: W,
            name: "flow",
            owner: "user",
            host: null,
            status: "running",
            statusMsg: null,
            lastHeartbeatTime: "2024-01-02T03:04:05.678Z",
            stateTotals: { running: 1 },
          }],
          familyProxies: [{
            id: `${W}//1/FAM`,
            workflowId: W,
            name: "FAM",
            cyclePoint: "1",
            status: null,
            firstParent: null,
          }],
          taskProxies: [{
            id: T,
            workflowId: W,
            name: "foo",
            cyclePoint: "1",
            status: null,
            isHeld: null,
            firstParent: `${W}//1/FAM`,
          }],
          jobs: [{
            id: J,
            workflowId: W,
            taskId: T,
            submitNum: 1,
            status: null,
            statusMsg: null,
            platform: null,
            submittedTime: null,
            startedTime: "2024-01-02T03:04:05.000Z",
            finishedTime: null,
            lastHeartbeatTime: null,
          }],
          edges: [{
            id: `${W}//$edge|1/foo|1/bar`,
            workflowId: W,
            source: T,
            target: `${W}//1/bar`,
          }],
        });
      });

      await t.step("concurrent writers: seqs become visible in commit order", async () => {
        await reset(db);
        await ingest(db, { workflows: [{ id: W }] });
        const start = await latestSeq(db);
        const written: number[] = [];
        let writing = true;
        const writer = async (w: number) => {
          for (let i = 0; i < 25; i++) {
            const seq = await db.transaction(async (tx) => {
              await tx.query("insert into task_proxies (id, workflow_id) values ($1, $2)", [
                `${W}//${w}/t${i}`,
                W,
              ]);
              // Widen the window between taking a seq and committing.
              await tx.query("select pg_sleep($1)", [(i % 3) * 0.002]);
              await tx.query("update workflows set status = $1 where id = $2", [`w${w}-${i}`, W]);
              const [row] = await tx.query<{ seq: string }>(
                "select current_setting('overlap.seq') as seq",
              );
              return Number(row.seq);
            });
            written.push(seq);
          }
        };
        const seen: number[] = [];
        const snapshots: { seq: number; status: string | null }[] = [];
        const reader = async () => {
          let last = start;
          while (writing) {
            for (const event of await readEvents(db, last, 50)) {
              assert(event.seq > last, `seq ${event.seq} appeared after ${last} was read`);
              seen.push(event.seq);
              last = event.seq;
            }
            const snapshot = await loadSnapshot(db);
            snapshots.push({ seq: snapshot.seq, status: snapshot.workflows[0].status });
          }
          for (const event of await readEvents(db, last, 1000)) seen.push(event.seq);
        };
        const reading = reader();
        await Promise.all([1, 2, 3, 4].map(writer));
        writing = false;
        await reading;
        assertEquals(seen, [...written].sort((a, b) => a - b));
        // Each snapshot holds exactly the events up to its seq.
        const statusAt = new Map<number, string>();
        for (const event of await readEvents(db, start, 1000)) {
          statusAt.set(event.seq, event.delta.workflows[0].status as string);
        }
        for (const snapshot of snapshots) {
          if (snapshot.seq > start) assertEquals(snapshot.status, statusAt.get(snapshot.seq));
        }
      });
    } finally {
      await drop();
    }
  });
}

import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { dbCases, reset } from "../../tests/db_fixture.ts";
import type { Database } from "../db/database.ts";
import { latestSeq } from "../db/event_log.ts";
import { applyDelta } from "./apply_delta.ts";
import { validateDelta } from "./validate_delta.ts";

const W = "~user/flow";
const T = `${W}//1/foo`;
const J = `${T}/01`;

function ingest(db: Database, body: unknown) {
  return applyDelta(db, validateDelta(body));
}

async function tasks(db: Database) {
  return await db.query(
    "select id, workflow_id, name, cycle_point, status, is_held, first_parent from task_proxies order by id",
  );
}

async function counts(db: Database) {
  const [row] = await db.query(
    `select (select count(*) from workflows)::int as workflows,
      (select count(*) from task_proxies)::int as tasks,
      (select count(*) from family_proxies)::int as families,
      (select count(*) from jobs)::int as jobs,
      (select count(*) from edges)::int as edges,
      (select count(*) from overlap_event_log)::int as log`,
  );
  return row;
}

for (const dbCase of dbCases()) {
  Deno.test(`applyDelta (${dbCase.name})`, async (t) => {
    const { db, drop } = await dbCase.open();
    try {
      await t.step("insert derives defaults from ids; seq is returned", async () => {
        await reset(db);
        const { seq } = await ingest(db, {
          workflows: [{
            id: W,
            status: "running",
            taskProxies: [{ id: T, status: "running", jobs: [{ id: J, status: "running" }] }],
          }],
        });
        assert(typeof seq === "number" && seq > 0);
        assertEquals(seq, await latestSeq(db));
        assertEquals(await db.query("select id, name, owner, status from workflows"), [
          { id: W, name: "flow", owner: "user", status: "running" },
        ]);
        assertEquals(await tasks(db), [{
          id: T,
          workflow_id: W,
          name: "foo",
          cycle_point: "1",
          status: "running",
          is_held: null,
          first_parent: null,
        }]);
        assertEquals(await db.query("select id, task_id, submit_num, status from jobs"), [
          { id: J, task_id: T, submit_num: 1, status: "running" },
        ]);
      });

      await t.step("update writes only the named fields; null sets null", async () => {
        await ingest(db, {
          workflows: [{
            id: W,
            taskProxies: [{ id: T, isHeld: true, firstParent: `${W}//1/FAM` }],
          }],
        });
        await ingest(db, {
          workflows: [{ id: W, taskProxies: [{ id: T, status: null, name: "renamed" }] }],
        });
        assertEquals(await tasks(db), [{
          id: T,
          workflow_id: W,
          name: "renamed",
          cycle_point: "1",
          status: null,
          is_held: true,
          first_parent: `${W}//1/FAM`,
        }]);
        // A derived default is never re-applied on update.
        await ingest(db, { workflows: [{ id: W, taskProxies: [{ id: T, status: "failed" }] }] });
        assertEquals((await tasks(db))[0].name, "renamed");
      });

      await t.step("a body that changes nothing answers seq null", async () => {
        const before = await latestSeq(db);
        assertEquals(
          await ingest(db, { workflows: [{ id: W, taskProxies: [{ id: T, status: "failed" }] }] }),
          { seq: null },
        );
        assertEquals(await ingest(db, { workflows: [{ id: W }] }), { seq: null });
        assertEquals(await ingest(db, { pruned: { jobs: [`${T}/99`] } }), { seq: null });
        assertEquals(await latestSeq(db), before);
      });

      await t.step("times, stateTotals and all job fields round-trip", async () => {
        await ingest(db, {
          workflows: [{
            id: W,
            lastHeartbeatTime: "2024-01-02T05:04:05.678+02:00",
            stateTotals: { running: 2 },
            jobs: [{
              id: `${T}/02`,
              platform: "hpc",
              submittedTime: "2024-01-02T03:00:00Z",
              startedTime: null,
              submitNum: 7,
            }],
          }],
        });
        const [wf] = await db.query("select last_heartbeat_time, state_totals from workflows");
        assertEquals((wf.last_heartbeat_time as Date).toISOString(), "2024-01-02T03:04:05.678Z");
        assertEquals(wf.state_totals, { running: 2 });
        const [job] = await db.query(
          "select task_id, submit_num, platform, submitted_time, started_time from jobs where id = $1",
          [`${T}/02`],
        );
        assertEquals(job.submit_num, 7); // named wins over the id's 02
        assertEquals((job.submitted_time as Date).toISOString(), "2024-01-02T03:00:00.000Z");
        assertEquals(job.started_time, null);
      });

      await t.step("prunes delete by id; pruning a workflow cascades", async () => {
        await ingest(db, {
          workflows: [{
            id: W,
            familyProxies: [{ id: `${W}//1/FAM` }],
            edges: [{ id: `${W}//$edge|1/foo|1/bar`, source: T, target: `${W}//1/bar` }],
          }],
        });
        await ingest(db, { pruned: { jobs: [J] } });
        assertEquals((await db.query("select id from jobs order by id")).length, 1);
        await ingest(db, { workflows: [{ id: "~user/other" }], pruned: { workflows: [W] } });
        const after = await counts(db);
        assertEquals([after.workflows, after.tasks, after.families, after.jobs, after.edges], [
          1,
          0,
          0,
          0,
          0,
        ]);
      });

      await t.step("upsert then prune of one id in one body leaves it deleted", async () => {
        await ingest(db, {
          workflows: [{ id: W, taskProxies: [{ id: T }] }],
          pruned: { taskProxies: [T] },
        });
        assertEquals(await tasks(db), []);
      });

      await t.step("a failure in the database midway writes nothing", async () => {
        await reset(db);
        await db.query(`create function fail_on_99() returns trigger language plpgsql as $$
          begin raise exception 'job % refused', new.id; end $$`);
        await db.query(`create trigger fail_on_99 before insert on jobs for each row
          when (new.id like '%/99') execute function fail_on_99()`);
        try {
          const before = await latestSeq(db);
          await assertRejects(
            () =>
              ingest(db, {
                workflows: [{
                  id: W,
                  status: "running",
                  taskProxies: [{ id: T, jobs: [{ id: J }, { id: `${T}/99` }] }],
                }],
              }),
            Error,
            "refused",
          );
          assertEquals(await counts(db), {
            workflows: 0,
            tasks: 0,
            families: 0,
            jobs: 0,
            edges: 0,
            log: 0,
          });
          assertEquals(await latestSeq(db), before);
        } finally {
          await db.query("drop trigger fail_on_99 on jobs");
          await db.query("drop function fail_on_99()");
        }
      });

      await t.step("1,000 tasks with a job each in one body", async () => {
        await reset(db);
        const body = {
          workflows: [{
            id: W,
            status: "running",
            taskProxies: Array.from({ length: 1000 }, (_, i) => ({
              id: `${W}//1/t${i}`,
              status: "waiting",
              firstParent: `${W}//1/FAM`,
              jobs: [{ id: `${W}//1/t${i}/01`, status: "submitted" }],
            })),
          }],
        };
        const started = performance.now();
        const valid = validateDelta(body);
        const validated = performance.now();
        const { seq } = await applyDelta(db, valid);
        const applied = performance.now();
        assert(seq !== null);
        const again = await applyDelta(db, valid);
        const unchanged = performance.now();
        assertEquals(again, { seq: null });
        const row = await counts(db);
        assertEquals([row.tasks, row.jobs, row.log], [1000, 1000, 2001]);
        console.log(
          `  ${dbCase.name}: validate ${(validated - started).toFixed(1)} ms, ` +
            `apply ${(applied - validated).toFixed(0)} ms (2,001 rows), ` +
            `re-apply unchanged ${(unchanged - applied).toFixed(0)} ms`,
        );
      });
    } finally {
      await drop();
    }
  });
}

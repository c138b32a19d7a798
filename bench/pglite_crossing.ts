/**
 * What moving PGlite into a worker costs and saves, per database operation:
 * `deno run -A bench/pglite_crossing.ts [--ops 1000] [--rounds 5]`.
 *
 * Three contenders run the same operations on their own migrated in-memory
 * PGlite, interleaved round by round:
 *
 * - `in-process`: PGlite on this thread (the design before the worker),
 *   through a minimal adapter defined here;
 * - `worker, tx`: the worker adapter, the write as a `transaction` with one
 *   round trip per statement (the design before `batch`);
 * - `worker`: the worker adapter as the server uses it (`batch` for writes).
 *
 * Operations: `select 1`; `applyDelta` of the load benchmark's delta (ten
 * task statuses of one workflow); `readEvents` of 100 events (the rows are
 * cloned across the thread boundary).
 *
 * Reported per operation: wall time (median of the rounds' means), this
 * thread's CPU time (`/proc/thread-self/stat`: the time the fan-out thread
 * would lose) and the process's CPU time (both threads). CPU clocks tick
 * every 10 ms, so use enough `--ops` for the figures to mean something.
 *
 * @module
 */
import { PGlite, types } from "@electric-sql/pglite";
import type { Database, Queryable, Row, Statement } from "../src/db/database.ts";
import { readEvents } from "../src/db/event_log.ts";
import { migrate } from "../src/db/migrations.ts";
import { openPglite } from "../src/db/pglite.ts";
import { applyDelta } from "../src/ingest/apply_delta.ts";
import { validateDelta } from "../src/ingest/validate_delta.ts";

const args = new Map<string, number>();
for (let i = 0; i < Deno.args.length; i += 2) {
  args.set(Deno.args[i].replace(/^--/, ""), Number(Deno.args[i + 1]));
}
const OPS = args.get("ops") ?? 1000;
const ROUNDS = args.get("rounds") ?? 5;
const FLOW = "~load/flow";
const TASKS = 50;
const TOUCH = 10;

/** PGlite on this thread behind the `Database` interface, as before the worker. */
async function openInProcess(): Promise<Database> {
  const pg = await PGlite.create(undefined, {
    parsers: { [types.INT8]: (value: string) => Number(value) },
  });
  const queryable = (on: Pick<PGlite, "query">): Queryable => ({
    async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []) {
      return (await on.query<T>(sql, params as unknown[])).rows;
    },
  });
  const db: Database = {
    kind: "pglite",
    ...queryable(pg),
    transaction: (fn) => pg.transaction((tx) => fn(queryable(tx))),
    batch: (statements) =>
      db.transaction(async (tx) => {
        const results: Row[][] = [];
        for (const { sql, params } of statements) results.push(await tx.query(sql, params));
        return results;
      }),
    listen: () => Promise.reject(new Error("not needed here")),
    close: () => pg.close(),
  };
  return db;
}

/** The worker adapter with `batch` replaced by one round trip per statement. */
function perStatement(db: Database): Database {
  return {
    kind: db.kind,
    query: (sql, params) => db.query(sql, params),
    transaction: (fn) => db.transaction(fn),
    batch: (statements: readonly Statement[]) =>
      db.transaction(async (tx) => {
        const results: Row[][] = [];
        for (const { sql, params } of statements) results.push(await tx.query(sql, params));
        return results;
      }),
    listen: (channel, handlers) => db.listen(channel, handlers),
    close: () => db.close(),
  };
}

let deltaNumber = 0;
function nextDelta() {
  const n = deltaNumber++;
  return validateDelta({
    workflows: [{
      id: FLOW,
      taskProxies: Array.from({ length: TOUCH }, (_, j) => ({
        id: `${FLOW}//1/t${(n * TOUCH + j) % TASKS}`,
        status: `s${n}`,
      })),
    }],
  });
}

function cpuMs(path: string): number {
  const fields = Deno.readTextFileSync(path).split(") ")[1].split(" ");
  // utime and stime are fields 14 and 15 of stat; here 0-based after the name.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Figures {
  wall: number[];
  thread: number;
  process: number;
  ops: number;
}

const contenders: { name: string; db: Database }[] = [];
const inProcess = await openInProcess();
contenders.push({ name: "in-process", db: inProcess });
const worker = await openPglite("memory://");
const worker2 = await openPglite("memory://");
contenders.push({ name: "worker, tx", db: perStatement(worker2) });
contenders.push({ name: "worker", db: worker });
for (const { db } of contenders) {
  await migrate(db);
  await applyDelta(
    db,
    validateDelta({
      workflows: [{
        id: FLOW,
        status: "running",
        taskProxies: Array.from({ length: TASKS }, (_, k) => ({
          id: `${FLOW}//1/t${k}`,
          status: "waiting",
        })),
      }],
    }),
  );
}

const operations: { name: string; run: (db: Database) => Promise<unknown> }[] = [
  { name: "select 1", run: (db) => db.query("select 1 as n") },
  {
    name: "applyDelta (10 tasks)",
    run: (db) => applyDelta(db, nextDelta()),
  },
  { name: "readEvents (100 events)", run: (db) => readEvents(db, 0, 100) },
];

const results = new Map<string, Figures>();
for (let round = 0; round < ROUNDS; round++) {
  for (const operation of operations) {
    for (const { name, db } of contenders) {
      const key = `${operation.name}|${name}`;
      let figures = results.get(key);
      if (!figures) results.set(key, figures = { wall: [], thread: 0, process: 0, ops: 0 });
      const ops = operation.name.startsWith("readEvents") ? Math.ceil(OPS / 10) : OPS;
      const thread0 = cpuMs("/proc/thread-self/stat");
      const process0 = cpuMs("/proc/self/stat");
      const started = performance.now();
      for (let i = 0; i < ops; i++) await operation.run(db);
      figures.wall.push((performance.now() - started) / ops);
      figures.thread += cpuMs("/proc/thread-self/stat") - thread0;
      figures.process += cpuMs("/proc/self/stat") - process0;
      figures.ops += ops;
    }
  }
}

const rows = [...results].map(([key, figures]) => {
  const [operation, contender] = key.split("|");
  const wall = [...figures.wall].sort((a, b) => a - b);
  return {
    operation,
    contender,
    wallMs: Number(wall[Math.floor(wall.length / 2)].toFixed(3)),
    wallRangeMs: [Number(wall[0].toFixed(3)), Number(wall[wall.length - 1].toFixed(3))],
    threadCpuMs: Number((figures.thread / figures.ops).toFixed(3)),
    processCpuMs: Number((figures.process / figures.ops).toFixed(3)),
    ops: figures.ops,
  };
});
console.log(`ops per round: ${OPS} (readEvents: ${Math.ceil(OPS / 10)}), rounds: ${ROUNDS}`);
console.log(
  "| operation | contender | wall ms/op (median, range) | this thread CPU ms/op | process CPU ms/op |",
);
console.log("| --- | --- | ---: | ---: | ---: |");
for (const row of rows) {
  console.log(
    `| ${row.operation} | ${row.contender} | ${row.wallMs} (${
      row.wallRangeMs.join("–")
    }) | ${row.threadCpuMs} | ${row.processCpuMs} |`,
  );
}
console.log(JSON.stringify(rows));
for (const { db } of contenders) await db.close();

/**
 * What one event-feed read costs as the event log grows:
 * `deno run -A bench/read_events.ts [--events 1500,20000] [--reads 50]`.
 *
 * For each log size it fills a fresh, migrated log with that many events of
 * ten rows each (one statement, so no statistics are gathered: PGlite never
 * gathers them, PostgreSQL's autovacuum has not yet), then reads the last
 * event `--reads` times with the query `readEvents` used before
 * (`seq in (select distinct seq …)`, which planned as a scan of the whole
 * log) and with {@linkcode READ_EVENTS_SQL}, interleaved, and prints the mean
 * milliseconds per read. It runs on PGlite in its worker (as the server does),
 * and also on PostgreSQL when `DATABASE_URL` is set (a fresh database per
 * size, dropped after).
 *
 * @module
 */
import type { Database } from "../src/db/database.ts";
import { READ_EVENTS_SQL } from "../src/db/event_log.ts";
import { migrate } from "../src/db/migrations.ts";
import { openPglite } from "../src/db/pglite.ts";
import { openPostgres } from "../src/db/postgres.ts";

/** The query `readEvents` used before 2026-12-03, kept here to compare with. */
const BEFORE_SQL = `select seq, at, tbl, op, id, workflow_id, task_id, data
  from overlap_event_log
  where seq in (
    select distinct seq from overlap_event_log where seq > $1 order by seq limit $2
  )
  order by seq, ord`;

function numbers(flag: string, fallback: number[]): number[] {
  const at = Deno.args.indexOf(flag);
  if (at === -1) return fallback;
  const values = (Deno.args[at + 1] ?? "").split(",").map(Number);
  if (values.length === 0 || values.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new RangeError(`${flag} expects positive whole numbers separated by commas`);
  }
  return values;
}

async function meanMs(db: Database, sql: string, events: number, reads: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < reads; i++) await db.query(sql, [events - 1, 100]);
  return (performance.now() - start) / reads;
}

async function measure(name: string, db: Database, events: number, reads: number) {
  await migrate(db);
  await db.query(
    `insert into overlap_event_log (seq, at, tbl, op, id, workflow_id, task_id, data)
      select g / 10 + 1, now(), 'task_proxies', 'u', 'x' || g, '~w', null, '{"status":"s"}'::jsonb
      from generate_series(0, $1::int - 1) g`,
    [events * 10],
  );
  const before: number[] = [];
  const now: number[] = [];
  for (let round = 0; round < 3; round++) {
    before.push(await meanMs(db, BEFORE_SQL, events, reads));
    now.push(await meanMs(db, READ_EVENTS_SQL, events, reads));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[1].toFixed(2);
  console.log(
    `${name}: ${events} events (${events * 10} rows): before ${median(before)} ms, ` +
      `now ${median(now)} ms per read of the last event (median of 3 rounds of ${reads})`,
  );
}

if (import.meta.main) {
  const sizes = numbers("--events", [1_500, 20_000]);
  const [reads] = numbers("--reads", [50]);
  const url = Deno.env.get("DATABASE_URL");
  for (const events of sizes) {
    const lite = await openPglite("memory://");
    try {
      await measure("pglite", lite, events, reads);
    } finally {
      await lite.close();
    }
    if (url) {
      const admin = await openPostgres(url);
      const name = `overlap_read_events_${Date.now()}`;
      await admin.query(`create database ${name}`);
      const db = await openPostgres(new URL(`/${name}`, url).href);
      try {
        await measure("postgres", db, events, reads);
      } finally {
        await db.close();
        await admin.query(`drop database ${name}`);
        await admin.close();
      }
    }
  }
}

/**
 * Versioned schema migrations, run at every start.
 *
 * Each migration runs in its own transaction that first takes an advisory
 * lock, then checks `overlap_migrations`: two instances starting together
 * apply each migration once, and a second run changes nothing. Migrations are
 * lists of single statements because PGlite's extended protocol runs one
 * statement per query.
 *
 * Migration 1 is the schema of `docs/data_model.md`: the five tables, the
 * event log and the triggers that fill it.
 *
 * @module
 */
import type { Database, Queryable } from "./database.ts";
import { type Logger, silentLogger } from "../log.ts";

/** One migration: a version, a name for the log and its statements. */
export interface Migration {
  /** Applied in increasing order; never reuse or reorder. */
  readonly version: number;
  /** What it does, recorded in `overlap_migrations`. */
  readonly name: string;
  /** Single SQL statements, run in order in one transaction. */
  readonly statements: readonly string[];
}

/** Advisory lock keys (two-int form, so they cannot meet a one-bigint key). */
export const LOCK_NAMESPACE = 0x4f564c50; // "OVLP"
/** The key writers take before their event seq, so seqs become visible in commit order. */
export const EVENT_LOCK = 1;
/** The key migrations take. */
export const MIGRATION_LOCK = 2;

const TABLES = ["workflows", "task_proxies", "family_proxies", "jobs", "edges"] as const;

const RECORD_CHANGE = `
create or replace function overlap_record_change() returns trigger
language plpgsql as $fn$
declare
  new_row jsonb;
  old_row jsonb;
  changed jsonb;
  moved boolean := false;
  event_seq bigint;
  event_at timestamptz;
begin
  if tg_op <> 'INSERT' then old_row := to_jsonb(old); end if;
  if tg_op <> 'DELETE' then new_row := to_jsonb(new); end if;

  if tg_op = 'UPDATE' then
    if new_row->'id' is distinct from old_row->'id'
      or new_row->'workflow_id' is distinct from old_row->'workflow_id'
      or new_row->'task_id' is distinct from old_row->'task_id' then
      -- The element moved: to readers it is one element gone and another new.
      moved := true;
    else
      select coalesce(jsonb_object_agg(n.key, n.value), '{}'::jsonb) into changed
        from jsonb_each(new_row) n
        where n.value is distinct from old_row->n.key;
      if changed = '{}'::jsonb then
        return null; -- a no-op update records nothing and takes no seq
      end if;
    end if;
  end if;

  event_seq := nullif(current_setting('overlap.seq', true), '')::bigint;
  if event_seq is null then
    -- Held to commit: the next writer gets its seq only after this one is
    -- visible, so a reader that has seen seq n has seen everything below.
    perform pg_advisory_xact_lock(${LOCK_NAMESPACE}, ${EVENT_LOCK});
    event_seq := nextval('overlap_event_seq');
    event_at := clock_timestamp();
    perform set_config('overlap.seq', event_seq::text, true);
    perform set_config('overlap.at', event_at::text, true);
    -- One payload per transaction: PostgreSQL folds identical notifies.
    perform pg_notify('overlap_events', event_seq::text);
  else
    event_at := current_setting('overlap.at')::timestamptz;
  end if;

  if tg_op = 'DELETE' or moved then
    insert into overlap_event_log (seq, at, tbl, op, id, workflow_id, task_id, data)
      values (event_seq, event_at, tg_table_name, 'd', old_row->>'id',
        coalesce(old_row->>'workflow_id', old_row->>'id'), old_row->>'task_id', null);
  end if;
  if tg_op = 'INSERT' or moved then
    changed := jsonb_strip_nulls(new_row);
  end if;
  if tg_op <> 'DELETE' then
    -- 'i' marks a row that is new (also one re-keyed by an id update), so
    -- the reader can tell a new graph node from a changed one.
    insert into overlap_event_log (seq, at, tbl, op, id, workflow_id, task_id, data)
      values (event_seq, event_at, tg_table_name,
        case when tg_op = 'INSERT' or moved then 'i' else 'u' end, new_row->>'id',
        coalesce(new_row->>'workflow_id', new_row->>'id'), new_row->>'task_id',
        changed - 'id' - 'workflow_id' - 'task_id');
  end if;
  return null;
end
$fn$`;

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "tables, event log and triggers",
    statements: [
      `create table workflows (
        id text primary key,
        name text,
        owner text,
        host text,
        status text,
        status_msg text,
        last_heartbeat_time timestamptz,
        state_totals jsonb
      )`,
      `create table task_proxies (
        id text primary key,
        workflow_id text not null references workflows (id) on delete cascade,
        name text,
        cycle_point text,
        status text,
        is_held boolean,
        first_parent text
      )`,
      `create table family_proxies (
        id text primary key,
        workflow_id text not null references workflows (id) on delete cascade,
        name text,
        cycle_point text,
        status text,
        first_parent text
      )`,
      `create table jobs (
        id text primary key,
        workflow_id text not null references workflows (id) on delete cascade,
        task_id text not null,
        submit_num integer,
        status text,
        platform text,
        submitted_time timestamptz,
        started_time timestamptz,
        finished_time timestamptz,
        last_heartbeat_time timestamptz
      )`,
      `create table edges (
        id text primary key,
        workflow_id text not null references workflows (id) on delete cascade,
        source text,
        target text
      )`,
      "create index task_proxies_workflow_id on task_proxies (workflow_id)",
      "create index task_proxies_first_parent on task_proxies (first_parent)",
      "create index family_proxies_workflow_id on family_proxies (workflow_id)",
      "create index family_proxies_first_parent on family_proxies (first_parent)",
      "create index jobs_workflow_id on jobs (workflow_id)",
      "create index jobs_task_id on jobs (task_id)",
      "create index edges_workflow_id on edges (workflow_id)",
      "create sequence overlap_event_seq",
      // One row per changed element; an event is all rows of one seq, in ord order.
      `create table overlap_event_log (
        seq bigint not null,
        ord bigint generated always as identity,
        at timestamptz not null,
        tbl text not null,
        op char(1) not null check (op in ('i', 'u', 'd')),
        id text not null,
        workflow_id text not null,
        task_id text,
        data jsonb,
        primary key (seq, ord)
      )`,
      "create index overlap_event_log_at on overlap_event_log (at)",
      // The retention floor: the highest seq pruned from the log (0 if none).
      `create table overlap_event_meta (
        singleton boolean primary key default true check (singleton),
        floor bigint not null
      )`,
      "insert into overlap_event_meta (floor) values (0)",
      RECORD_CHANGE,
      ...TABLES.map((table) =>
        `create trigger overlap_record_change after insert or update or delete on ${table}
          for each row execute function overlap_record_change()`
      ),
    ],
  },
  {
    version: 2,
    name: "job status messages; in-flight indexes for the heartbeat monitor",
    statements: [
      // Why a job failed ("heartbeat lost" when the monitor marked it), as
      // workflows have had from the start.
      "alter table jobs add column status_msg text",
      // The monitor's restart load reads only in-flight rows: a partial index
      // keeps that read small however many finished jobs the table holds.
      `create index jobs_in_flight on jobs (id) include (last_heartbeat_time)
        where status in ('submitted', 'running')`,
      "create index workflows_in_flight on workflows (id) where status = 'running'",
    ],
  },
];

/** What {@linkcode migrate} did. */
export interface MigrateResult {
  /** Versions applied by this call, in order (empty when already up to date). */
  readonly applied: number[];
  /** The schema version afterwards. */
  readonly version: number;
}

/**
 * Brings the schema up to date. Safe to run at every start and from several
 * instances at once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openPglite } from "./pglite.ts";
 * import { migrate } from "./migrations.ts";
 * const db = await openPglite("memory://");
 * assert.deepEqual((await migrate(db)).applied, [1, 2]);
 * assert.deepEqual(await migrate(db), { applied: [], version: 2 });
 * await db.close();
 * ```
 */
export async function migrate(
  db: Database,
  log: Logger = silentLogger,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrateResult> {
  checkOrder(migrations);
  const applied: number[] = [];
  let version = 0;
  for (const migration of migrations) {
    const ran = await db.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock($1, $2)", [LOCK_NAMESPACE, MIGRATION_LOCK]);
      await tx.query(
        `create table if not exists overlap_migrations (
          version integer primary key,
          name text not null,
          applied_at timestamptz not null default now()
        )`,
      );
      if (await isApplied(tx, migration.version)) return false;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query("insert into overlap_migrations (version, name) values ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (ran) {
      applied.push(migration.version);
      log.info("migration applied", { version: migration.version, name: migration.name });
    }
    version = migration.version;
  }
  return { applied, version };
}

async function isApplied(tx: Queryable, version: number): Promise<boolean> {
  const rows = await tx.query("select 1 from overlap_migrations where version = $1", [version]);
  return rows.length > 0;
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new RangeError(
        `migration ${JSON.stringify(migration.name)} has version ${migration.version}, expected ${
          index + 1
        } (versions must be 1, 2, 3… in order)`,
      );
    }
  });
}

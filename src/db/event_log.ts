/**
 * Reading and trimming the durable event log (`overlap_event_log`), which the
 * triggers of migration 1 fill: one event per writing transaction.
 *
 * @module
 */
import type { Database, Queryable } from "./database.ts";
import { assembleEvent, type ChangeRow, type OverlapEvent } from "./event_delta.ts";

export type { ElementDelta, OverlapEvent, PrunedElement, WorkflowDelta } from "./event_delta.ts";
export { loadSnapshot } from "./snapshot.ts";
export type {
  EdgeRow,
  FamilyProxyRow,
  JobRow,
  Snapshot,
  TaskProxyRow,
  WorkflowRow,
} from "./snapshot.ts";

/**
 * The query of {@linkcode readEvents}: every row of the first `$2` events
 * after seq `$1`, in order.
 *
 * Both parts walk the primary key (seq, ord), whatever the planner's
 * statistics: the next seqs one `min` (an index probe) at a time, then their
 * rows as one range. Written as `seq in (select distinct seq …)` it scanned
 * the whole log, so a read cost more as the log grew: at 200,000 rows 48 ms
 * on PostgreSQL and 79 ms on PGlite (which has no autovacuum to gather
 * statistics), now 1.0 and 2.6 ms, as at 15,000 (`bench/read_events.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { READ_EVENTS_SQL } from "./event_log.ts";
 * assert.ok(READ_EVENTS_SQL.includes("with recursive"));
 * ```
 */
export const READ_EVENTS_SQL = `with recursive next (seq, n) as (
    select min(seq), 1 from overlap_event_log where seq > $1
    union all
    select (select min(l.seq) from overlap_event_log l where l.seq > next.seq), next.n + 1
      from next where next.seq is not null and next.n < $2
  )
  select seq, at, tbl, op, id, workflow_id, task_id, data
  from overlap_event_log
  where seq > $1 and seq <= (select max(seq) from next)
  order by seq, ord`;

/**
 * Up to `limit` whole events with a seq above `afterSeq`, in seq order. Seqs
 * become visible in commit order, so the next call with the last seq returned
 * never misses an event (unless pruned: see {@linkcode retentionFloor}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDatabase } from "./open.ts";
 * import { readEvents } from "./event_log.ts";
 * const db = await openDatabase({ databaseUrl: undefined, dataDir: "memory://" });
 * await db.query("insert into workflows (id, status) values ('~u/f', 'held')");
 * const [event] = await readEvents(db, 0, 10);
 * assert.deepEqual(event.delta, { workflows: [{ id: "~u/f", status: "held" }] });
 * assert.deepEqual(await readEvents(db, event.seq, 10), []);
 * await db.close();
 * ```
 */
export async function readEvents(
  db: Queryable,
  afterSeq: number,
  limit = 100,
): Promise<OverlapEvent[]> {
  checkSeq("afterSeq", afterSeq);
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }
  const rows = await db.query<ChangeRow & Record<string, unknown>>(
    READ_EVENTS_SQL,
    [afterSeq, limit],
  );
  const events: OverlapEvent[] = [];
  let start = 0;
  for (let end = 1; end <= rows.length; end++) {
    if (end === rows.length || rows[end].seq !== rows[start].seq) {
      events.push(assembleEvent(rows.slice(start, end)));
      start = end;
    }
  }
  return events;
}

/**
 * The highest seq ever committed (0 for an empty log), counting pruned ones.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { openDatabase } from "./open.ts";
 * import { latestSeq } from "./event_log.ts";
 * const db = await openDatabase({ databaseUrl: undefined, dataDir: "memory://" });
 * assert.equal(await latestSeq(db), 0);
 * await db.query("insert into workflows (id) values ('~u/f')");
 * assert.equal(await latestSeq(db), 1);
 * await db.close();
 * ```
 */
export async function latestSeq(db: Queryable): Promise<number> {
  const [row] = await db.query<{ seq: number }>(
    `select greatest(
      coalesce((select max(seq) from overlap_event_log), 0),
      (select floor from overlap_event_meta)
    ) as seq`,
  );
  return row.seq;
}

/**
 * The highest seq removed by pruning (0 if none): events at or below it may be
 * gone, so a reader whose last seq is below it has missed events and must
 * reload a snapshot.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { openDatabase } from "./open.ts";
 * import { retentionFloor } from "./event_log.ts";
 * const db = await openDatabase({ databaseUrl: undefined, dataDir: "memory://" });
 * assert.equal(await retentionFloor(db), 0);
 * await db.close();
 * ```
 */
export async function retentionFloor(db: Queryable): Promise<number> {
  const [row] = await db.query<{ floor: number }>("select floor from overlap_event_meta");
  return row.floor;
}

/** What {@linkcode pruneEventLog} removed. */
export interface PruneResult {
  /** Events deleted by this call. */
  readonly events: number;
  /** The retention floor afterwards. */
  readonly floor: number;
}

/**
 * Deletes whole events older than `olderThanSeconds` before `now`, and every
 * event below them, then raises the retention floor to the highest seq
 * deleted.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { openDatabase } from "./open.ts";
 * import { pruneEventLog } from "./event_log.ts";
 * const db = await openDatabase({ databaseUrl: undefined, dataDir: "memory://" });
 * await db.query("insert into workflows (id) values ('~u/f')");
 * const later = new Date(Date.now() + 3_600_000);
 * assert.deepEqual(await pruneEventLog(db, 60, later), { events: 1, floor: 1 });
 * await db.close();
 * ```
 */
export async function pruneEventLog(
  db: Database,
  olderThanSeconds: number,
  now: Date = new Date(),
): Promise<PruneResult> {
  if (!Number.isFinite(olderThanSeconds) || olderThanSeconds < 0) {
    throw new RangeError(`olderThanSeconds must be a number ≥ 0, got ${olderThanSeconds}`);
  }
  const cutoff = new Date(now.getTime() - olderThanSeconds * 1000).toISOString();
  return await db.transaction(async (tx) => {
    const [old] = await tx.query<{ seq: number | null }>(
      "select max(seq) as seq from overlap_event_log where at < $1::timestamptz",
      [cutoff],
    );
    if (old.seq === null) return { events: 0, floor: await retentionFloor(tx) };
    const [deleted] = await tx.query<{ events: number }>(
      `with gone as (delete from overlap_event_log where seq <= $1 returning seq)
        select count(distinct seq)::int as events from gone`,
      [old.seq],
    );
    const [meta] = await tx.query<{ floor: number }>(
      "update overlap_event_meta set floor = greatest(floor, $1) returning floor",
      [old.seq],
    );
    return { events: deleted.events, floor: meta.floor };
  });
}

function checkSeq(name: string, seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new RangeError(`${name} must be an integer ≥ 0, got ${seq}`);
  }
}

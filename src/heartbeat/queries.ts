/**
 * The heartbeat monitor's SQL: read one item, mark it lost, bring it back,
 * and load everything in flight at start.
 *
 * Marks are conditional UPDATEs on the status and `last_heartbeat_time` the
 * monitor just read, so a heartbeat that lands between the read and the
 * write, or a second Overlap instance that marked first, makes the update
 * match no row instead of marking wrongly or twice.
 *
 * @module
 */
import type { Queryable } from "../db/database.ts";
import { inFlightStatuses, type TrackedKind } from "../events/tracking.ts";

/** The reason recorded for a mark. */
export const HEARTBEAT_LOST = "heartbeat lost";

/** The status a job is marked with when its heartbeat is lost. */
export const JOB_LOST_STATUS = "failed";

/** The status a workflow is marked with when its heartbeat is lost. */
export const WORKFLOW_LOST_STATUS = "stalled";

/** A job or workflow as the monitor re-reads it. */
export interface HeartbeatRow {
  /** Its status now. */
  readonly status: string | null;
  /** `last_heartbeat_time` in ms since the epoch, or `null`. */
  readonly heartbeat: number | null;
  /**
   * `last_heartbeat_time` as PostgreSQL prints it, or `null`: passed back
   * as is to the conditional update, because a JS `Date` keeps only
   * milliseconds and the column may hold microseconds.
   */
  readonly heartbeatText: string | null;
}

const TABLE: Record<TrackedKind, string> = { job: "jobs", workflow: "workflows" };

// The in-flight statuses as an SQL list. Inlined rather than bound: they are
// our constants, and the postgres.js adapter cannot bind arrays (it does not
// fetch array types).
const IN_FLIGHT_SQL: Record<TrackedKind, string> = {
  job: sqlList(inFlightStatuses("job")),
  workflow: sqlList(inFlightStatuses("workflow")),
};

function sqlList(values: readonly string[]): string {
  return values.map((value) => `'${value.replaceAll("'", "''")}'`).join(", ");
}

/**
 * Reads the status and last heartbeat of one job or workflow; `undefined`
 * when it does not exist.
 *
 * @example
 * ```ts ignore
 * const row = await readHeartbeat(db, "job", "~u/f//1/a/01");
 * // { status: "running", heartbeat: 1717243200000, heartbeatText: "2024-06-01 12:00:00+00" }
 * ```
 */
export async function readHeartbeat(
  db: Queryable,
  kind: TrackedKind,
  id: string,
): Promise<HeartbeatRow | undefined> {
  const rows = await db.query<{ status: string | null; hb: Date | null; hb_text: string | null }>(
    `select status, last_heartbeat_time as hb, last_heartbeat_time::text as hb_text
       from ${TABLE[kind]} where id = $1`,
    [id],
  );
  if (rows.length === 0) return undefined;
  const { status, hb, hb_text } = rows[0];
  return { status, heartbeat: hb === null ? null : hb.getTime(), heartbeatText: hb_text };
}

/**
 * Marks a job `failed` or a workflow `stalled` (status message
 * `heartbeat lost`) if its status and last heartbeat are still what `seen`
 * says. Returns whether this call marked it.
 *
 * @example
 * ```ts ignore
 * const row = await readHeartbeat(db, "job", id);
 * if (row && await markLost(db, "job", id, row)) log.warn("marked", { id });
 * ```
 */
export async function markLost(
  db: Queryable,
  kind: TrackedKind,
  id: string,
  seen: Pick<HeartbeatRow, "status" | "heartbeatText">,
): Promise<boolean> {
  const set = `status = '${kind === "job" ? JOB_LOST_STATUS : WORKFLOW_LOST_STATUS}', ` +
    `status_msg = '${HEARTBEAT_LOST}'`;
  const rows = await db.query(
    `update ${TABLE[kind]} set ${set}
      where id = $1 and status = $2 and status in (${IN_FLIGHT_SQL[kind]})
        and last_heartbeat_time is not distinct from $3::timestamptz
      returning id`,
    [id, seen.status, seen.heartbeatText],
  );
  return rows.length > 0;
}

/**
 * Brings an item that {@linkcode markLost} marked back to `running`, because a
 * heartbeat came after the mark. Returns its last heartbeat in ms when it
 * did (`null` if it has none), `undefined` when the item was not marked lost.
 *
 * An item marked lost is recognised exactly: `failed` (job) or `stalled`
 * (workflow) with status message `heartbeat lost`. A job must also have no
 * `finished_time`: a scheduler that reported the end of the job since has
 * the last word.
 *
 * @example
 * ```ts ignore
 * const heartbeat = await reviveLost(db, "workflow", "~u/f");
 * if (heartbeat !== undefined) log.info("back to running", { id: "~u/f" });
 * ```
 */
export async function reviveLost(
  db: Queryable,
  kind: TrackedKind,
  id: string,
): Promise<number | null | undefined> {
  const sql = kind === "job"
    ? `update jobs set status = 'running', status_msg = null
        where id = $1 and status = '${JOB_LOST_STATUS}' and status_msg = '${HEARTBEAT_LOST}'
          and finished_time is null and last_heartbeat_time is not null
        returning last_heartbeat_time as hb`
    : `update workflows set status = 'running', status_msg = null
        where id = $1 and status = '${WORKFLOW_LOST_STATUS}' and status_msg = '${HEARTBEAT_LOST}'
        returning last_heartbeat_time as hb`;
  const rows = await db.query<{ hb: Date | null }>(sql, [id]);
  if (rows.length === 0) return undefined;
  return rows[0].hb?.getTime() ?? null;
}

/** One in-flight item loaded at start. */
export interface InFlightItem {
  /** Job or workflow. */
  readonly kind: TrackedKind;
  /** Its id. */
  readonly id: string;
  /** Its status (one of the in-flight statuses). */
  readonly status: string;
  /**
   * Its latest sign of life in ms, or `null` when it has none: the latest of
   * `last_heartbeat_time`, and for jobs `started_time` and `submitted_time`.
   */
  readonly lastHeartbeat: number | null;
}

/**
 * Every job and workflow in an in-flight status, with its latest sign of
 * life. Read once at start, so that items that went silent while Overlap was
 * down are marked on the first tick.
 *
 * @example
 * ```ts ignore
 * for (const item of await loadInFlight(db)) console.log(item.kind, item.id, item.lastHeartbeat);
 * ```
 */
export async function loadInFlight(db: Queryable): Promise<InFlightItem[]> {
  const rows = await db.query<{ kind: TrackedKind; id: string; status: string; hb: Date | null }>(
    `select 'job' as kind, id, status,
            greatest(last_heartbeat_time, started_time, submitted_time) as hb
       from jobs where status in (${IN_FLIGHT_SQL.job})
     union all
     select 'workflow' as kind, id, status, last_heartbeat_time as hb
       from workflows where status in (${IN_FLIGHT_SQL.workflow})`,
  );
  return rows.map(({ kind, id, status, hb }) => ({
    kind,
    id,
    status,
    lastHeartbeat: hb === null ? null : hb.getTime(),
  }));
}

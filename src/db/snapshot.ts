/**
 * A consistent copy of the five tables and the event seq it corresponds to:
 * what the in-memory store starts from before following the event log.
 *
 * @module
 */
import type { Database, Queryable } from "./database.ts";
import { fieldsFromColumns, type Kind, KINDS, SCHEMA } from "./schema.ts";

/** A workflow row in GraphQL field names. */
export interface WorkflowRow {
  id: string;
  name: string | null;
  owner: string | null;
  host: string | null;
  status: string | null;
  statusMsg: string | null;
  lastHeartbeatTime: string | null;
  stateTotals: Record<string, number> | null;
}

/** A task proxy row; `firstParent` is the parent family's id. */
export interface TaskProxyRow {
  id: string;
  workflowId: string;
  name: string | null;
  cyclePoint: string | null;
  status: string | null;
  isHeld: boolean | null;
  firstParent: string | null;
}

/** A family proxy row; `firstParent` is the parent family's id. */
export interface FamilyProxyRow {
  id: string;
  workflowId: string;
  name: string | null;
  cyclePoint: string | null;
  status: string | null;
  firstParent: string | null;
}

/** A job row. */
export interface JobRow {
  id: string;
  workflowId: string;
  taskId: string;
  submitNum: number | null;
  status: string | null;
  platform: string | null;
  submittedTime: string | null;
  startedTime: string | null;
  finishedTime: string | null;
  lastHeartbeatTime: string | null;
}

/** An edge row. */
export interface EdgeRow {
  id: string;
  workflowId: string;
  source: string | null;
  target: string | null;
}

/** Every element, as of event `seq`. */
export interface Snapshot {
  /** The last event the rows include: follow the log from here. */
  seq: number;
  workflows: WorkflowRow[];
  taskProxies: TaskProxyRow[];
  familyProxies: FamilyProxyRow[];
  jobs: JobRow[];
  edges: EdgeRow[];
}

/**
 * Reads every table and the latest seq in one REPEATABLE READ transaction, so
 * the rows hold exactly the events up to `seq`. Rows are sorted by id; times
 * are normalised ISO strings; ids that are references stay plain strings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDatabase } from "./open.ts";
 * import { loadSnapshot } from "./snapshot.ts";
 * const db = await openDatabase({ databaseUrl: undefined, dataDir: "memory://" });
 * await db.query("insert into workflows (id, status) values ('~u/f', 'running')");
 * const snapshot = await loadSnapshot(db);
 * assert.equal(snapshot.seq, 1);
 * assert.equal(snapshot.workflows[0].status, "running");
 * await db.close();
 * ```
 */
export async function loadSnapshot(db: Database): Promise<Snapshot> {
  return await db.transaction(async (tx) => {
    // Must be the transaction's first statement.
    await tx.query("set transaction isolation level repeatable read, read only");
    const [{ seq }] = await tx.query<{ seq: number }>(
      `select greatest(
        coalesce((select max(seq) from overlap_event_log), 0),
        (select floor from overlap_event_meta)
      ) as seq`,
    );
    const out = { seq } as Snapshot;
    for (const kind of KINDS) {
      (out as unknown as Record<Kind, unknown[]>)[kind] = await rowsOf(tx, kind);
    }
    return out;
  });
}

async function rowsOf(tx: Queryable, kind: Kind): Promise<Record<string, unknown>[]> {
  const rows = await tx.query(`select * from ${SCHEMA[kind].table} order by id`);
  return rows.map((row) => {
    const out: Record<string, unknown> = { id: row.id };
    if (kind !== "workflows") out.workflowId = row.workflow_id;
    if (kind === "jobs") out.taskId = row.task_id;
    return Object.assign(out, fieldsFromColumns(kind, row));
  });
}

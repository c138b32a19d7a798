/**
 * Turns the change rows of one event (as the triggers wrote them to
 * `overlap_event_log`) into an {@linkcode OverlapEvent}: a nested delta in
 * GraphQL field names, the pruned elements and the workflows touched. The
 * rules are those of `docs/data_model.md`, "Event log".
 *
 * @module
 */
import { fieldsFromColumns, type Kind, KIND_OF_TABLE, normaliseTime } from "./schema.ts";

/** One element of a delta: its id and the fields that changed. */
export type ElementDelta = { id: string } & Record<string, unknown>;

/** One workflow of a delta. */
export type WorkflowDelta = ElementDelta & {
  taskProxies?: ElementDelta[];
  familyProxies?: ElementDelta[];
  jobs?: ElementDelta[];
  edges?: ElementDelta[];
  nodesEdges?: { nodes?: ElementDelta[]; edges?: ElementDelta[] };
};

/** An element deleted by the event. */
export interface PrunedElement {
  /** Its kind. */
  kind: Kind;
  /** Its id. */
  id: string;
  /** Its workflow. */
  workflowId: string;
}

/** One event of the log: everything one transaction changed. */
export interface OverlapEvent {
  /** Strictly increasing in commit order; gaps allowed. */
  seq: number;
  /** When the transaction took its seq (close to its commit), ISO 8601. */
  at: string;
  /** What changed, nested like an ingest body, in GraphQL field names. */
  delta: { workflows: WorkflowDelta[] };
  /** What was deleted. Apply after `delta`. */
  pruned: PrunedElement[];
  /** Every workflow the event touches (delta or pruned), sorted. */
  workflowIds: string[];
}

/** One row of `overlap_event_log`. */
export interface ChangeRow {
  /** The event's seq. */
  seq: number;
  /** The event's time. */
  at: Date | string;
  /** The table changed. */
  tbl: string;
  /** `i` for insert, `u` for update, `d` for delete. */
  op: "i" | "u" | "d";
  /** The element's id. */
  id: string;
  /** Its workflow's id (its own for a workflow). */
  workflow_id: string;
  /** A job's task id, else null. */
  task_id: string | null;
  /** Changed columns (all non-null ones on insert); null for a delete. */
  data: Record<string, unknown> | null;
}

interface Element {
  fields: Record<string, unknown>;
  changed: boolean; // the row itself changed (not just a job under a task)
  inserted: boolean; // the row was created in this event
  jobs: string[];
}

interface WorkflowAcc {
  fields: Record<string, unknown>;
  elements: Record<Exclude<Kind, "workflows">, Map<string, Element>>;
}

/**
 * Assembles one event from its change rows (all of one seq, in `ord` order).
 *
 * - `firstParent` appears as `{ id }`;
 * - a job appears in `workflows[].jobs` and in `taskProxies[].jobs` of its task
 *   (that task entry carries only `id` and `jobs` when the task did not change);
 * - a task created in this event appears also in `nodesEdges.nodes`, and a
 *   changed edge in `nodesEdges.edges` (the same objects);
 * - times are normalised; element order is change order; a workflow with only
 *   pruned elements is not in `delta`; an element deleted and then inserted
 *   again in the same event is not in `pruned`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assembleEvent } from "./event_delta.ts";
 * const event = assembleEvent([{
 *   seq: 3, at: "2024-01-01 00:00:00+00", tbl: "task_proxies", op: "u",
 *   id: "~u/f//1/a", workflow_id: "~u/f", task_id: null,
 *   data: { status: "running", first_parent: "~u/f//1/FAM" },
 * }]);
 * const task = { id: "~u/f//1/a", status: "running", firstParent: { id: "~u/f//1/FAM" } };
 * assert.deepEqual(event, {
 *   seq: 3,
 *   at: "2024-01-01T00:00:00.000Z",
 *   delta: { workflows: [{ id: "~u/f", taskProxies: [task] }] },
 *   pruned: [],
 *   workflowIds: ["~u/f"],
 * });
 * ```
 */
export function assembleEvent(rows: readonly ChangeRow[]): OverlapEvent {
  if (rows.length === 0) throw new RangeError("an event needs at least one change row, got none");
  const workflows = new Map<string, WorkflowAcc>();
  const pruned = new Map<string, PrunedElement>(); // by kind and id
  const touched = new Set<string>();
  const workflow = (id: string): WorkflowAcc => {
    let acc = workflows.get(id);
    if (!acc) {
      acc = {
        fields: {},
        elements: {
          taskProxies: new Map(),
          familyProxies: new Map(),
          jobs: new Map(),
          edges: new Map(),
        },
      };
      workflows.set(id, acc);
    }
    return acc;
  };
  const element = (map: Map<string, Element>, id: string): Element => {
    let found = map.get(id);
    if (!found) map.set(id, found = { fields: {}, changed: false, inserted: false, jobs: [] });
    return found;
  };

  for (const row of rows) {
    const kind = KIND_OF_TABLE[row.tbl];
    if (kind === undefined) throw new RangeError(`unknown table ${JSON.stringify(row.tbl)}`);
    touched.add(row.workflow_id);
    if (row.op === "d") {
      pruned.set(`${kind} ${row.id}`, { kind, id: row.id, workflowId: row.workflow_id });
      continue;
    }
    pruned.delete(`${kind} ${row.id}`); // deleted, then created again
    const fields = fieldsFromColumns(kind, row.data ?? {});
    if ("firstParent" in fields && fields.firstParent !== null) {
      fields.firstParent = { id: fields.firstParent };
    }
    const acc = workflow(row.workflow_id);
    if (kind === "workflows") {
      Object.assign(acc.fields, fields);
      continue;
    }
    const changed = element(acc.elements[kind], row.id);
    Object.assign(changed.fields, fields);
    changed.changed = true;
    if (row.op === "i") changed.inserted = true;
    if (kind === "jobs" && row.task_id !== null) {
      const task = element(acc.elements.taskProxies, row.task_id);
      if (!task.jobs.includes(row.id)) task.jobs.push(row.id);
    }
  }

  const delta: WorkflowDelta[] = [];
  for (const [id, acc] of workflows) delta.push(build(id, acc));
  return {
    seq: rows[0].seq,
    at: normaliseTime(rows[0].at)!,
    delta: { workflows: delta },
    pruned: [...pruned.values()],
    workflowIds: [...touched].sort(),
  };
}

function build(id: string, acc: WorkflowAcc): WorkflowDelta {
  const out: WorkflowDelta = { id, ...acc.fields };
  const objects = (kind: Exclude<Kind, "workflows">) =>
    new Map(
      [...acc.elements[kind]].map(([elementId, e]) => [elementId, { id: elementId, ...e.fields }]),
    );
  const jobs = objects("jobs");
  const tasks = new Map<string, ElementDelta>();
  const nodes: ElementDelta[] = [];
  for (const [taskId, task] of acc.elements.taskProxies) {
    const object: ElementDelta = { id: taskId, ...task.fields };
    if (task.jobs.length > 0) object.jobs = task.jobs.map((jobId) => jobs.get(jobId)!);
    tasks.set(taskId, object);
    // Only new nodes: a graph view selecting `nodes { id }` (an existence
    // level) wants to hear when a node appears, not every status change,
    // which `taskProxies` carries.
    if (task.inserted) nodes.push(object);
  }
  const families = objects("familyProxies");
  const edges = objects("edges");
  if (tasks.size > 0) out.taskProxies = [...tasks.values()];
  if (families.size > 0) out.familyProxies = [...families.values()];
  if (jobs.size > 0) out.jobs = [...jobs.values()];
  if (edges.size > 0) out.edges = [...edges.values()];
  if (nodes.length > 0 || edges.size > 0) {
    out.nodesEdges = {};
    if (nodes.length > 0) out.nodesEdges.nodes = nodes;
    if (edges.size > 0) out.nodesEdges.edges = out.edges;
  }
  return out;
}

/**
 * The server store: an in-memory mirror of the five tables, loaded once at
 * start and kept in sync by applying every event of the event log in order.
 *
 * Snapshots and GraphQL queries read it without a database round trip. Its
 * `seq` is the last event applied, so a snapshot taken from it is exactly the
 * state after that event: the fan-out sends later events only.
 *
 * @module
 */

/** A workflow and its elements, keyed by id in insertion order. */
export interface WorkflowRecord {
  /** `~owner/name`. */
  readonly id: string;
  /** Scalar fields by GraphQL name (`status`, `statusMsg`, …). */
  fields: Record<string, unknown>;
  /** Task proxies by id. */
  readonly taskProxies: Map<string, ElementRecord>;
  /** Family proxies by id. */
  readonly familyProxies: Map<string, ElementRecord>;
  /** Jobs by id. */
  readonly jobs: Map<string, ElementRecord>;
  /** Edges by id. */
  readonly edges: Map<string, ElementRecord>;
}

/** One task proxy, family proxy, job or edge. */
export interface ElementRecord {
  /** The element's id. */
  readonly id: string;
  /** Its workflow's id. */
  readonly workflowId: string;
  /**
   * Scalar fields by GraphQL name. Links (`firstParent`) hold the linked id;
   * jobs carry no `taskId` field, it is derived from the id.
   */
  fields: Record<string, unknown>;
}

/** The element lists of a workflow, as named in deltas and in GraphQL. */
export type ElementKind = "taskProxies" | "familyProxies" | "jobs" | "edges";

/** Everything that can be pruned. */
export type PrunedKind = "workflows" | ElementKind;

/** A removed element, as the event log reports it. */
export interface PrunedElement {
  /** What was removed. */
  readonly kind: PrunedKind;
  /** Its id. */
  readonly id: string;
  /** Its workflow's id. */
  readonly workflowId: string;
}

/** One event of the event log (see docs/data_model.md). */
export interface StoreEvent {
  /** The event's sequence number. */
  readonly seq: number;
  /** The changes, nested like the data model, with only changed fields. */
  readonly delta: { readonly workflows?: readonly Record<string, unknown>[] };
  /** Removed elements. */
  readonly pruned: readonly PrunedElement[];
}

/** Rows of a consistent snapshot of the database, in GraphQL field names. */
export interface StoreSnapshot {
  /** The last event seq the rows include. */
  readonly seq: number;
  /** Workflow rows (`id` plus scalar fields). */
  readonly workflows: readonly object[];
  /** Task rows: `id`, `workflowId`, fields; `firstParent` as an id or null. */
  readonly taskProxies: readonly object[];
  /** Family rows, like tasks. */
  readonly familyProxies: readonly object[];
  /** Job rows: `id`, `workflowId`, optional `taskId`, fields. */
  readonly jobs: readonly object[];
  /** Edge rows. */
  readonly edges: readonly object[];
}

const KINDS: readonly ElementKind[] = ["taskProxies", "familyProxies", "jobs", "edges"];
const NOT_FIELDS = new Set(["id", "workflowId", "taskId"]);
const NESTED = new Set<string>(["taskProxies", "familyProxies", "jobs", "edges", "nodesEdges"]);

/** The workflow id an element id belongs to: the part before `//`. */
export function workflowOf(id: string): string {
  const at = id.indexOf("//");
  return at < 0 ? id : id.slice(0, at);
}

/** The task id a job id belongs to: the id without its last segment. */
export function taskOf(jobId: string): string {
  return jobId.slice(0, jobId.lastIndexOf("/"));
}

/**
 * The in-memory mirror.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Store } from "./store.ts";
 * const store = new Store();
 * store.apply({
 *   seq: 1,
 *   delta: { workflows: [{ id: "~u/f", status: "running", taskProxies: [{ id: "~u/f//1/a", name: "a" }] }] },
 *   pruned: [],
 * });
 * assert(store.seq === 1);
 * assert(store.workflow("~u/f")?.taskProxies.get("~u/f//1/a")?.fields.name === "a");
 * ```
 */
export class Store {
  #seq = 0;
  readonly #workflows = new Map<string, WorkflowRecord>();
  // Reverse links, so `TaskProxy.jobs` and `FamilyProxy.childTasks` cost a
  // lookup rather than a scan of the workflow.
  readonly #jobsByTask = new Map<string, Map<string, ElementRecord>>();
  readonly #childTasks = new Map<string, Map<string, ElementRecord>>();

  /** The seq of the last event applied (or of the snapshot loaded). */
  get seq(): number {
    return this.#seq;
  }

  /** Workflows in insertion order. */
  workflows(): IterableIterator<WorkflowRecord> {
    return this.#workflows.values();
  }

  /** Number of workflows. */
  get size(): number {
    return this.#workflows.size;
  }

  /** The workflow with `id`, if any. */
  workflow(id: string): WorkflowRecord | undefined {
    return this.#workflows.get(id);
  }

  /** An element by kind and id, if any. */
  element(kind: ElementKind, id: string): ElementRecord | undefined {
    return this.#workflows.get(workflowOf(id))?.[kind].get(id);
  }

  /** Jobs of a task, in insertion order. */
  jobsOf(taskId: string): Iterable<ElementRecord> {
    return this.#jobsByTask.get(taskId)?.values() ?? [];
  }

  /** Tasks whose `firstParent` is `familyId`. */
  childTasksOf(familyId: string): Iterable<ElementRecord> {
    return this.#childTasks.get(familyId)?.values() ?? [];
  }

  /** Counts of what the store holds, for `GET /status`. */
  counts(): Record<"workflows" | ElementKind, number> {
    const counts = {
      workflows: this.#workflows.size,
      taskProxies: 0,
      familyProxies: 0,
      jobs: 0,
      edges: 0,
    };
    for (const workflow of this.#workflows.values()) {
      for (const kind of KINDS) counts[kind] += workflow[kind].size;
    }
    return counts;
  }

  /** Replaces the whole content with a snapshot. */
  load(snapshot: StoreSnapshot): void {
    this.#workflows.clear();
    this.#jobsByTask.clear();
    this.#childTasks.clear();
    for (const row of snapshot.workflows as Record<string, unknown>[]) {
      this.#upsertWorkflow(String(row.id), row);
    }
    for (const kind of KINDS) {
      for (const row of snapshot[kind] as Record<string, unknown>[]) {
        const id = String(row.id);
        this.#upsertElement(kind, String(row.workflowId ?? workflowOf(id)), id, row);
      }
    }
    this.#seq = snapshot.seq;
  }

  /**
   * Applies one event. Events must come in increasing seq order.
   *
   * @throws {RangeError} when `event.seq` is not above the store's seq, which
   * would mean the feed replayed or reordered events.
   */
  apply(event: StoreEvent): void {
    if (event.seq <= this.#seq) {
      throw new RangeError(`event seq ${event.seq} is not after the store's seq ${this.#seq}`);
    }
    for (const workflow of event.delta.workflows ?? []) {
      const workflowId = String(workflow.id);
      this.#upsertWorkflow(workflowId, workflow);
      for (const kind of KINDS) {
        const list = workflow[kind];
        if (!Array.isArray(list)) continue;
        for (const element of list as Record<string, unknown>[]) {
          // The delta repeats job changes under their task, with a bare
          // `{ id, jobs }` task entry when the task itself did not change:
          // such an entry is not a change of the task.
          if (kind === "taskProxies" && !hasOwnFields(element)) continue;
          this.#upsertElement(kind, workflowId, String(element.id), element);
        }
      }
    }
    for (const pruned of event.pruned) {
      if (pruned.kind === "workflows") this.#removeWorkflow(pruned.id);
      else this.#removeElement(pruned.kind, pruned.id);
    }
    this.#seq = event.seq;
  }

  #upsertWorkflow(id: string, source: Record<string, unknown>): WorkflowRecord {
    let record = this.#workflows.get(id);
    if (!record) {
      record = {
        id,
        fields: {},
        taskProxies: new Map(),
        familyProxies: new Map(),
        jobs: new Map(),
        edges: new Map(),
      };
      this.#workflows.set(id, record);
    }
    for (const [key, value] of Object.entries(source)) {
      if (!NOT_FIELDS.has(key) && !NESTED.has(key)) record.fields[key] = value;
    }
    return record;
  }

  #upsertElement(
    kind: ElementKind,
    workflowId: string,
    id: string,
    source: Record<string, unknown>,
  ): void {
    const workflow = this.#workflows.get(workflowId) ?? this.#upsertWorkflow(workflowId, {});
    let record = workflow[kind].get(id);
    const before = record?.fields.firstParent;
    if (!record) {
      record = { id, workflowId, fields: {} };
      workflow[kind].set(id, record);
      if (kind === "jobs") indexAdd(this.#jobsByTask, taskOf(id), record);
    }
    for (const [key, value] of Object.entries(source)) {
      if (NOT_FIELDS.has(key) || NESTED.has(key)) continue;
      record.fields[key] = key === "firstParent" ? linkId(value) : value;
    }
    if (kind === "taskProxies" && record.fields.firstParent !== before) {
      if (typeof before === "string") indexRemove(this.#childTasks, before, id);
      const after = record.fields.firstParent;
      if (typeof after === "string") indexAdd(this.#childTasks, after, record);
    }
  }

  #removeElement(kind: ElementKind, id: string): void {
    const workflow = this.#workflows.get(workflowOf(id));
    const record = workflow?.[kind].get(id);
    if (!workflow || !record) return;
    workflow[kind].delete(id);
    if (kind === "jobs") indexRemove(this.#jobsByTask, taskOf(id), id);
    if (kind === "taskProxies" && typeof record.fields.firstParent === "string") {
      indexRemove(this.#childTasks, record.fields.firstParent, id);
    }
  }

  #removeWorkflow(id: string): void {
    const workflow = this.#workflows.get(id);
    if (!workflow) return;
    for (const kind of KINDS) {
      for (const elementId of [...workflow[kind].keys()]) this.#removeElement(kind, elementId);
    }
    this.#workflows.delete(id);
  }
}

function hasOwnFields(element: Record<string, unknown>): boolean {
  for (const key in element) if (key !== "id" && key !== "jobs") return true;
  return false;
}

function linkId(value: unknown): unknown {
  if (value !== null && typeof value === "object" && "id" in value) {
    return (value as { id: unknown }).id;
  }
  return value;
}

function indexAdd(
  index: Map<string, Map<string, ElementRecord>>,
  key: string,
  record: ElementRecord,
): void {
  let bucket = index.get(key);
  if (!bucket) index.set(key, bucket = new Map());
  bucket.set(record.id, record);
}

function indexRemove(
  index: Map<string, Map<string, ElementRecord>>,
  key: string,
  id: string,
): void {
  const bucket = index.get(key);
  if (!bucket) return;
  bucket.delete(id);
  if (bucket.size === 0) index.delete(key);
}

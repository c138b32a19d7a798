/**
 * The browser's one normalized store: every workflow, task, family, job and
 * edge once, keyed by id, whichever subscription brought it. Views read it
 * and re-render when its version moves.
 *
 * It applies the three kinds of delta-mode payload:
 *
 * - a **snapshot** (`extensions.snapshot` or `resync`): the subscription's
 *   whole result. Fields are set, and every list the selection covers is
 *   made exactly what the snapshot lists (within its `ids`/`exids` filter),
 *   so elements deleted while the client was away disappear;
 * - a **delta**: only changed fields; they are merged, new elements added;
 * - **pruned** ids (`extensions.pruned`): those elements are removed, a
 *   workflow with everything in it.
 *
 * Relations are kept as ids: a task's `firstParent` is the family id, a
 * job's task is its id less the last segment (docs/data_model.md).
 *
 * @module
 */
import type { SelectionNode } from "./selection_tree.ts";

/** The entity tables. */
export type EntityKind = "workflows" | "tasks" | "families" | "jobs" | "edges";

/** One element: its id and the fields received so far. */
export interface Entity {
  readonly id: string;
  [field: string]: unknown;
}

/** A delta-mode `next` payload. */
export interface DeltaPayload {
  readonly data?: { readonly workflows?: readonly unknown[] } | null;
  readonly extensions?: {
    readonly seq?: number;
    readonly snapshot?: boolean;
    readonly resync?: boolean;
    readonly pruned?: readonly string[];
  };
  readonly errors?: readonly unknown[];
}

/** Ids of one workflow's elements, by kind. */
export interface WorkflowIndex {
  readonly tasks: Set<string>;
  readonly families: Set<string>;
  readonly jobs: Set<string>;
  readonly edges: Set<string>;
  /** Moves when tasks or edges come or go: the graph's layout is stale then. */
  graphVersion: number;
}

// Which table each list or link field holds, wherever it appears.
const RELATION: Record<string, EntityKind> = {
  taskProxies: "tasks",
  nodes: "tasks",
  childTasks: "tasks",
  familyProxies: "families",
  firstParent: "families",
  jobs: "jobs",
  edges: "edges",
};

/**
 * The workflow of any element id (the part before `//`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workflowOf } from "./normalized_store.ts";
 * assert.equal(workflowOf("~u/f//1/foo/01"), "~u/f");
 * assert.equal(workflowOf("~u/f"), "~u/f");
 * ```
 */
export function workflowOf(id: string): string {
  const cut = id.indexOf("//");
  return cut < 0 ? id : id.slice(0, cut);
}

/**
 * The task of a job id (the id less its last segment).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { taskOfJob } from "./normalized_store.ts";
 * assert.equal(taskOfJob("~u/f//1/foo/01"), "~u/f//1/foo");
 * ```
 */
export function taskOfJob(jobId: string): string {
  return jobId.slice(0, jobId.lastIndexOf("/"));
}

const NO_CHILDREN: ReadonlyMap<string, SelectionNode> = new Map();

/**
 * The normalized store.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NormalizedStore } from "./normalized_store.ts";
 * import { parseSelection } from "./selection_tree.ts";
 * const store = new NormalizedStore();
 * const selection = parseSelection("subscription { workflows { id status } }");
 * store.apply(selection, {
 *   data: { workflows: [{ id: "~u/f", status: "running" }] },
 *   extensions: { seq: 3, snapshot: true },
 * });
 * assert.equal(store.workflows.get("~u/f")?.status, "running");
 * store.apply(selection, { data: null, extensions: { seq: 4, pruned: ["~u/f"] } });
 * assert.equal(store.workflows.size, 0);
 * ```
 */
export class NormalizedStore {
  /** Workflows by id. */
  readonly workflows: Map<string, Entity> = new Map();
  /** Task proxies by id. */
  readonly tasks: Map<string, Entity> = new Map();
  /** Family proxies by id. */
  readonly families: Map<string, Entity> = new Map();
  /** Jobs by id. */
  readonly jobs: Map<string, Entity> = new Map();
  /** Edges by id. */
  readonly edges: Map<string, Entity> = new Map();
  /** Moves on every applied payload that changed something. */
  version = 0;
  /** `performance.now()` of the last applied payload (views measure their update from it). */
  appliedAt = 0;
  /** The seq of the last applied payload. */
  lastSeq = 0;
  /** When the last applied payload's frame arrived (`performance.now()`), for update timing. */
  arrivedAt = 0;
  readonly #byWorkflow = new Map<string, WorkflowIndex>();
  readonly #jobsByTask = new Map<string, Set<string>>();
  readonly #listeners = new Set<() => void>();

  /**
   * Calls `listener` after every change; returns the way to stop.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { NormalizedStore } from "./normalized_store.ts";
   * const store = new NormalizedStore();
   * let calls = 0;
   * const stop = store.subscribe(() => calls++);
   * store.clear();
   * stop();
   * store.clear();
   * assert.equal(calls, 1);
   * ```
   */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The ids of one workflow's elements (an empty index for an unknown workflow).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { NormalizedStore } from "./normalized_store.ts";
   * assert.equal(new NormalizedStore().index("~u/f").tasks.size, 0);
   * ```
   */
  index(workflowId: string): WorkflowIndex {
    return this.#byWorkflow.get(workflowId) ?? emptyIndex();
  }

  /**
   * The jobs of a task, by submit number.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { NormalizedStore } from "./normalized_store.ts";
   * assert.deepEqual(new NormalizedStore().jobsOf("~u/f//1/a"), []);
   * ```
   */
  jobsOf(taskId: string): Entity[] {
    const ids = this.#jobsByTask.get(taskId);
    if (!ids) return [];
    const out: Entity[] = [];
    for (const id of ids) {
      const job = this.jobs.get(id);
      if (job) out.push(job);
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * Forgets everything (a sign-out).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { NormalizedStore } from "./normalized_store.ts";
   * const store = new NormalizedStore();
   * store.clear();
   * assert.equal(store.version, 1);
   * ```
   */
  clear(): void {
    for (const table of [this.workflows, this.tasks, this.families, this.jobs, this.edges]) {
      table.clear();
    }
    this.#byWorkflow.clear();
    this.#jobsByTask.clear();
    this.#changed();
  }

  /**
   * Applies one delta-mode payload of a subscription whose canonical
   * selection is `selection` (see `selection_tree.ts`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { NormalizedStore } from "./normalized_store.ts";
   * import { parseSelection } from "./selection_tree.ts";
   * const store = new NormalizedStore();
   * const tree = parseSelection('subscription { workflows(ids: ["~u/f"]) { id taskProxies { id status } } }');
   * store.apply(tree, { data: { workflows: [{ id: "~u/f", taskProxies: [{ id: "~u/f//1/a", status: "waiting" }] }] }, extensions: { seq: 1, snapshot: true } });
   * store.apply(tree, { data: { workflows: [{ id: "~u/f", taskProxies: [{ id: "~u/f//1/a", status: "running" }] }] }, extensions: { seq: 2, pruned: [] } });
   * assert.equal(store.tasks.get("~u/f//1/a")?.status, "running");
   * ```
   */
  apply(
    selection: ReadonlyMap<string, SelectionNode>,
    payload: DeltaPayload,
    arrivedAt?: number,
  ): void {
    const extensions = payload.extensions ?? {};
    const replace = extensions.snapshot === true || extensions.resync === true;
    const node = selection.get("workflows");
    const list = payload.data?.workflows;
    if (node && Array.isArray(list)) {
      if (replace) {
        const present = new Set(list.map((w) => (w as Entity)?.id));
        const inScope = node.ids ?? [...this.workflows.keys()];
        for (const id of inScope) {
          if (!present.has(id) && !node.exids?.includes(id)) this.#remove("workflows", id);
        }
      }
      for (const item of list) {
        if (isEntity(item)) this.#applyObject("workflows", item, node.children, replace, item.id);
      }
    }
    for (const id of extensions.pruned ?? []) this.#prune(id);
    if (typeof extensions.seq === "number") this.lastSeq = Math.max(this.lastSeq, extensions.seq);
    this.#changed();
    this.arrivedAt = arrivedAt ?? this.appliedAt;
  }

  #changed(): void {
    this.version++;
    this.appliedAt = typeof performance === "undefined" ? Date.now() : performance.now();
    for (const listener of [...this.#listeners]) listener();
  }

  #table(kind: EntityKind): Map<string, Entity> {
    return this[kind];
  }

  #indexFor(workflowId: string): WorkflowIndex {
    let index = this.#byWorkflow.get(workflowId);
    if (!index) {
      index = emptyIndex();
      this.#byWorkflow.set(workflowId, index);
    }
    return index;
  }

  #upsert(kind: EntityKind, id: string): Entity {
    const table = this.#table(kind);
    let entity = table.get(id);
    if (entity) return entity;
    entity = { id };
    table.set(id, entity);
    if (kind === "workflows") return entity;
    const index = this.#indexFor(workflowOf(id));
    index[kind as Exclude<EntityKind, "workflows">].add(id);
    if (kind === "tasks" || kind === "edges") index.graphVersion++;
    if (kind === "jobs") {
      const task = taskOfJob(id);
      let jobs = this.#jobsByTask.get(task);
      if (!jobs) this.#jobsByTask.set(task, jobs = new Set());
      jobs.add(id);
    }
    return entity;
  }

  #applyObject(
    kind: EntityKind,
    object: Entity,
    children: ReadonlyMap<string, SelectionNode>,
    replace: boolean,
    workflowId: string,
  ): void {
    const entity = this.#upsert(kind, object.id);
    for (const [key, value] of Object.entries(object)) {
      if (key === "id") continue;
      const node = children.get(key);
      const name = node?.name ?? key;
      if (name === "nodesEdges" && value !== null && typeof value === "object") {
        // A container of the workflow's own lists: apply them as the workflow's.
        for (const [inner, items] of Object.entries(value as Record<string, unknown>)) {
          const innerNode = node?.children.get(inner);
          this.#applyList(
            entity,
            RELATION[innerNode?.name ?? inner],
            items,
            innerNode,
            replace,
            workflowId,
          );
        }
        continue;
      }
      const related = RELATION[name];
      if (related === undefined) {
        entity[key] = value;
      } else if (Array.isArray(value)) {
        this.#applyList(entity, related, value, node, replace, workflowId);
      } else if (value === null) {
        entity[key] = null;
      } else if (isEntity(value)) {
        entity[key] = value.id;
        this.#applyObject(related, value, node?.children ?? NO_CHILDREN, replace, workflowId);
      }
    }
  }

  #applyList(
    owner: Entity,
    kind: EntityKind | undefined,
    items: unknown,
    node: SelectionNode | undefined,
    replace: boolean,
    workflowId: string,
  ): void {
    if (kind === undefined || !Array.isArray(items)) return;
    const present = new Set<string>();
    for (const item of items) {
      if (!isEntity(item)) continue;
      present.add(item.id);
      this.#applyObject(kind, item, node?.children ?? NO_CHILDREN, replace, workflowId);
    }
    if (!replace) return;
    // The snapshot lists every element the selection covers: the rest are gone.
    let members: Iterable<string> | undefined;
    if (owner.id === workflowId && kind !== "workflows") members = this.index(workflowId)[kind];
    else if (kind === "jobs" && this.tasks.get(owner.id) === owner) {
      members = this.#jobsByTask.get(owner.id);
    }
    for (const id of [...members ?? []]) {
      if (present.has(id)) continue;
      if (node?.ids && !node.ids.includes(id)) continue;
      if (node?.exids?.includes(id)) continue;
      this.#remove(kind, id);
    }
  }

  #prune(id: string): void {
    for (const kind of ["workflows", "tasks", "families", "jobs", "edges"] as const) {
      if (this.#table(kind).has(id)) {
        this.#remove(kind, id);
        return;
      }
    }
  }

  #remove(kind: EntityKind, id: string): void {
    const table = this.#table(kind);
    if (!table.delete(id)) return;
    if (kind === "workflows") {
      const index = this.#byWorkflow.get(id);
      if (!index) return;
      this.#byWorkflow.delete(id);
      for (const task of index.tasks) {
        this.tasks.delete(task);
        this.#jobsByTask.delete(task);
      }
      for (const family of index.families) this.families.delete(family);
      for (const job of index.jobs) this.jobs.delete(job);
      for (const edge of index.edges) this.edges.delete(edge);
      return;
    }
    const index = this.#indexFor(workflowOf(id));
    index[kind as Exclude<EntityKind, "workflows">].delete(id);
    if (kind === "tasks" || kind === "edges") index.graphVersion++;
    if (kind === "jobs") this.#jobsByTask.get(taskOfJob(id))?.delete(id);
    if (kind === "tasks") {
      // A task's jobs go with it: nothing else shows them.
      for (const job of this.#jobsByTask.get(id) ?? []) {
        this.jobs.delete(job);
        index.jobs.delete(job);
      }
      this.#jobsByTask.delete(id);
    }
  }
}

function emptyIndex(): WorkflowIndex {
  return {
    tasks: new Set(),
    families: new Set(),
    jobs: new Set(),
    edges: new Set(),
    graphVersion: 0,
  };
}

function isEntity(value: unknown): value is Entity {
  return value !== null && typeof value === "object" && !Array.isArray(value) &&
    typeof (value as { id?: unknown }).id === "string";
}

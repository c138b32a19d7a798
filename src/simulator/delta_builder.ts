/**
 * Collects the simulator's changes into one ingest body (docs/data_model.md):
 * several changes of one element merge into one entry, so a body that could
 * not be sent is simply merged with the next step's changes and sent again.
 *
 * @module
 */

/** The element lists of an ingest body's workflow entry. */
export type ElementKind = "taskProxies" | "familyProxies" | "jobs" | "edges";

/** The kinds an ingest body may prune. */
export type PrunedKind = ElementKind | "workflows";

/** Fields of one element, as the ingest body names them. */
export type Fields = Record<string, unknown>;

/** An ingest body as the simulator sends it. */
export interface DeltaBody {
  /** Changed workflows with their changed elements. */
  workflows: (Fields & { id: string })[];
  /** Ids to delete, by kind. */
  pruned?: Partial<Record<PrunedKind, string[]>>;
}

interface WorkflowEntry {
  fields: Fields;
  elements: Record<ElementKind, Map<string, Fields>>;
}

const KINDS: readonly ElementKind[] = ["taskProxies", "familyProxies", "jobs", "edges"];

/**
 * Accumulates changes; {@linkcode DeltaBuilder.body} gives the ingest body.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DeltaBuilder } from "./delta_builder.ts";
 * const delta = new DeltaBuilder();
 * delta.workflow("~sim/f", { status: "running" });
 * delta.element("~sim/f", "jobs", "~sim/f//1/a/01", { status: "submitted" });
 * delta.element("~sim/f", "jobs", "~sim/f//1/a/01", { status: "running" });
 * assert.deepEqual(delta.body(), {
 *   workflows: [{ id: "~sim/f", status: "running", jobs: [{ id: "~sim/f//1/a/01", status: "running" }] }],
 * });
 * ```
 */
export class DeltaBuilder {
  #workflows = new Map<string, WorkflowEntry>();
  #pruned = new Map<PrunedKind, Set<string>>();

  /**
   * Whether nothing is pending.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DeltaBuilder } from "./delta_builder.ts";
   * assert.equal(new DeltaBuilder().empty, true);
   * ```
   */
  get empty(): boolean {
    return this.#workflows.size === 0 && this.#pruned.size === 0;
  }

  /**
   * Sets fields of a workflow (merged over earlier ones).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DeltaBuilder } from "./delta_builder.ts";
   * const delta = new DeltaBuilder();
   * delta.workflow("~sim/f", { status: "running", statusMsg: "starting" });
   * delta.workflow("~sim/f", { statusMsg: "running" });
   * assert.deepEqual(delta.body()?.workflows, [{ id: "~sim/f", status: "running", statusMsg: "running" }]);
   * ```
   */
  workflow(id: string, fields: Fields): void {
    Object.assign(this.#entry(id).fields, fields);
  }

  /**
   * Sets fields of an element of `workflowId` (merged over earlier ones).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DeltaBuilder } from "./delta_builder.ts";
   * const delta = new DeltaBuilder();
   * delta.element("~sim/f", "taskProxies", "~sim/f//1/a", { status: "waiting" });
   * assert.deepEqual(delta.body()?.workflows[0].taskProxies, [{ id: "~sim/f//1/a", status: "waiting" }]);
   * ```
   */
  element(workflowId: string, kind: ElementKind, id: string, fields: Fields): void {
    const elements = this.#entry(workflowId).elements[kind];
    const existing = elements.get(id);
    if (existing) Object.assign(existing, fields);
    else elements.set(id, { ...fields });
  }

  /**
   * Deletes elements: pending changes to them are dropped, and they are
   * listed under `pruned`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DeltaBuilder } from "./delta_builder.ts";
   * const delta = new DeltaBuilder();
   * delta.element("~sim/f", "edges", "~sim/f//$edge|1/a|1/b", { source: "~sim/f//1/a" });
   * delta.prune("~sim/f", "edges", ["~sim/f//$edge|1/a|1/b"]);
   * assert.deepEqual(delta.body(), { workflows: [], pruned: { edges: ["~sim/f//$edge|1/a|1/b"] } });
   * ```
   */
  prune(workflowId: string, kind: PrunedKind, ids: readonly string[]): void {
    if (ids.length === 0) return;
    const set = this.#pruned.get(kind) ?? new Set<string>();
    for (const id of ids) set.add(id);
    this.#pruned.set(kind, set);
    if (kind === "workflows") {
      for (const id of ids) this.#workflows.delete(id);
      return;
    }
    const entry = this.#workflows.get(workflowId);
    if (entry === undefined) return;
    for (const id of ids) entry.elements[kind].delete(id);
    if (
      Object.keys(entry.fields).length === 0 && KINDS.every((k) => entry.elements[k].size === 0)
    ) {
      this.#workflows.delete(workflowId);
    }
  }

  /**
   * The pending changes as an ingest body, or `undefined` when there are none.
   * Workflows, and elements within a kind, are in the order first changed.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DeltaBuilder } from "./delta_builder.ts";
   * assert.equal(new DeltaBuilder().body(), undefined);
   * ```
   */
  body(): DeltaBody | undefined {
    if (this.empty) return undefined;
    const workflows = [...this.#workflows].map(([id, entry]) => {
      const out: Fields & { id: string } = { id, ...entry.fields };
      for (const kind of KINDS) {
        if (entry.elements[kind].size > 0) {
          out[kind] = [...entry.elements[kind]].map(([elementId, fields]) => ({
            id: elementId,
            ...fields,
          }));
        }
      }
      return out;
    });
    const body: DeltaBody = { workflows };
    if (this.#pruned.size > 0) {
      body.pruned = Object.fromEntries([...this.#pruned].map(([kind, ids]) => [kind, [...ids]]));
    }
    return body;
  }

  /**
   * Forgets everything pending (after a successful send).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DeltaBuilder } from "./delta_builder.ts";
   * const delta = new DeltaBuilder();
   * delta.workflow("~sim/f", { status: "running" });
   * delta.clear();
   * assert.equal(delta.empty, true);
   * ```
   */
  clear(): void {
    this.#workflows.clear();
    this.#pruned.clear();
  }

  #entry(id: string): WorkflowEntry {
    let entry = this.#workflows.get(id);
    if (entry === undefined) {
      entry = {
        fields: {},
        elements: {
          taskProxies: new Map(),
          familyProxies: new Map(),
          jobs: new Map(),
          edges: new Map(),
        },
      };
      this.#workflows.set(id, entry);
    }
    return entry;
  }
}

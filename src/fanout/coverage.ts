/**
 * Which removals a subscription covers.
 *
 * A delta-mode subscriber must hear about removed elements it would have
 * seen: a pruned task matters to a selection of `taskProxies` (or
 * `nodesEdges.nodes`, or `childTasks`) of that task's workflow, and to no one
 * else. Coverage is computed once per cohort from the canonical print of its
 * field set.
 *
 * @module
 */
import {
  type ArgumentNode,
  type FieldNode,
  Kind,
  parse,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import type { PrunedElement, PrunedKind } from "../store/store.ts";

/** An id filter: `ids` keeps, `exids` drops; `undefined` means no filter. */
interface IdFilter {
  readonly ids?: ReadonlySet<string>;
  readonly exids?: ReadonlySet<string>;
}

// Which element kind each list field holds, wherever it appears.
const FIELD_KIND: Record<string, PrunedKind> = {
  taskProxies: "taskProxies",
  nodes: "taskProxies",
  childTasks: "taskProxies",
  familyProxies: "familyProxies",
  firstParent: "familyProxies",
  jobs: "jobs",
  edges: "edges",
};

function stringsOf(value: ValueNode): string[] {
  if (value.kind === Kind.STRING) return [value.value];
  if (value.kind === Kind.LIST) return value.values.flatMap(stringsOf);
  return [];
}

function filterOf(args: readonly ArgumentNode[] | undefined): IdFilter {
  let ids: Set<string> | undefined;
  let exids: Set<string> | undefined;
  for (const arg of args ?? []) {
    if (arg.name.value === "ids") ids = new Set(stringsOf(arg.value));
    if (arg.name.value === "exids") exids = new Set(stringsOf(arg.value));
  }
  return { ids, exids };
}

function passes(filter: IdFilter, id: string): boolean {
  if (filter.ids && !filter.ids.has(id)) return false;
  return !(filter.exids && filter.exids.has(id));
}

/**
 * The removals a subscription covers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Coverage } from "./coverage.ts";
 * const coverage = new Coverage('subscription { workflows(ids: ["~u/f"]) { taskProxies { status } } }');
 * const pruned = [
 *   { kind: "taskProxies" as const, id: "~u/f//1/a", workflowId: "~u/f" },
 *   { kind: "jobs" as const, id: "~u/f//1/a/01", workflowId: "~u/f" },
 *   { kind: "taskProxies" as const, id: "~v/g//1/a", workflowId: "~v/g" },
 * ];
 * assert.deepEqual(coverage.covered(pruned), ["~u/f//1/a"]);
 * ```
 */
export class Coverage {
  readonly #workflows: IdFilter;
  // For each kind, the filters of the list fields that hold it; a kind is
  // covered for an id when any of them passes it.
  readonly #kinds = new Map<PrunedKind, IdFilter[]>();
  readonly #selected: boolean;

  /** Computes coverage from a subscription's canonical text (`printSubscription`). */
  constructor(canonical: string) {
    const document = parse(canonical);
    const operation = document.definitions[0];
    let root: FieldNode | undefined;
    if (operation?.kind === Kind.OPERATION_DEFINITION) {
      root = operation.selectionSet.selections.find((s): s is FieldNode =>
        s.kind === Kind.FIELD && s.name.value === "workflows"
      );
    }
    this.#selected = root !== undefined;
    this.#workflows = filterOf(root?.arguments);
    if (root?.selectionSet) this.#walk(root.selectionSet);
  }

  #walk(selectionSet: SelectionSetNode): void {
    for (const selection of selectionSet.selections) {
      if (selection.kind !== Kind.FIELD || !selection.selectionSet) continue;
      const kind = FIELD_KIND[selection.name.value];
      if (kind) {
        const filters = this.#kinds.get(kind) ?? [];
        filters.push(filterOf(selection.arguments));
        this.#kinds.set(kind, filters);
      }
      this.#walk(selection.selectionSet);
    }
  }

  /** The ids among `pruned` that this subscription would have seen. */
  covered(pruned: readonly PrunedElement[]): string[] {
    const out: string[] = [];
    if (!this.#selected) return out;
    for (const element of pruned) {
      if (!passes(this.#workflows, element.workflowId)) continue;
      if (element.kind === "workflows") {
        out.push(element.id);
        continue;
      }
      const filters = this.#kinds.get(element.kind);
      if (filters?.some((filter) => passes(filter, element.id))) out.push(element.id);
    }
    return out;
  }
}

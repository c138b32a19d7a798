/** @jsxRuntime automatic */
/** @jsxImportSource preact */
/// <reference lib="dom" />
/**
 * The Tree view: cycle points → families → tasks → jobs, with status
 * icons, expandable with the mouse or the keyboard. Virtualized: only the
 * rows in view are in the DOM.
 *
 * @module
 */
import { useMemo, useState } from "preact/hooks";
import { useServices, useStoreVersion, useUpdateTiming, useViewSubscription } from "../context.tsx";
import type { Entity, NormalizedStore } from "../normalized_store.ts";
import { StatusIcon } from "../status_icon.tsx";
import { treeQuery } from "../view_queries.ts";
import { VirtualList } from "../virtual_list.tsx";

/** One visible row of the tree. */
export interface TreeRow {
  readonly id: string;
  readonly kind: "cycle" | "family" | "task" | "job";
  readonly label: string;
  readonly status: unknown;
  readonly depth: number;
  readonly expandable: boolean;
  readonly held?: boolean;
}

const ROW_HEIGHT = 28;

/**
 * Flattens the workflow's tree into rows, skipping the children of rows
 * not in `expanded` (cycles and families are open unless in `collapsed`;
 * tasks are closed unless in `expanded`).
 */
export function treeRows(
  store: NormalizedStore,
  workflowId: string,
  collapsed: ReadonlySet<string>,
  expanded: ReadonlySet<string>,
): TreeRow[] {
  const index = store.index(workflowId);
  const byParent = new Map<string, Entity[]>();
  const cycles = new Map<string, Entity[]>();
  const add = (map: Map<string, Entity[]>, key: string, item: Entity) => {
    const list = map.get(key);
    if (list) list.push(item);
    else map.set(key, [item]);
  };
  const rootOf = (cycle: string) => `${workflowId}//${cycle}/root`;
  const cycleOf = (e: Entity) =>
    String(e.cyclePoint ?? e.id.slice(workflowId.length + 2).split("/")[0]);
  for (const id of index.families) {
    const family = store.families.get(id)!;
    if (family.id === rootOf(cycleOf(family))) continue;
    const parent = typeof family.firstParent === "string" ? family.firstParent : undefined;
    if (parent && parent !== rootOf(cycleOf(family)) && index.families.has(parent)) {
      add(byParent, parent, family);
    } else add(cycles, cycleOf(family), family);
  }
  for (const id of index.tasks) {
    const task = store.tasks.get(id)!;
    const parent = typeof task.firstParent === "string" ? task.firstParent : undefined;
    if (parent && parent !== rootOf(cycleOf(task)) && index.families.has(parent)) {
      add(byParent, parent, task);
    } else add(cycles, cycleOf(task), task);
  }
  const byName = (a: Entity, b: Entity) =>
    String(a.name ?? a.id).localeCompare(String(b.name ?? b.id));
  const rows: TreeRow[] = [];
  const walk = (items: Entity[], depth: number) => {
    for (const item of items.sort(byName)) {
      const isFamily = store.families.has(item.id);
      const label = String(item.name ?? item.id.slice(item.id.lastIndexOf("/") + 1));
      if (isFamily) {
        const children = byParent.get(item.id) ?? [];
        rows.push({
          id: item.id,
          kind: "family",
          label,
          status: item.status,
          depth,
          expandable: children.length > 0,
        });
        if (!collapsed.has(item.id)) walk(children, depth + 1);
      } else {
        const jobs = store.jobsOf(item.id);
        rows.push({
          id: item.id,
          kind: "task",
          label,
          status: item.status,
          depth,
          expandable: jobs.length > 0,
          held: item.isHeld === true,
        });
        if (expanded.has(item.id)) {
          for (const job of jobs) {
            rows.push({
              id: job.id,
              kind: "job",
              label: `job ${String(job.submitNum ?? job.id.slice(job.id.lastIndexOf("/") + 1))}`,
              status: job.status,
              depth: depth + 1,
              expandable: false,
            });
          }
        }
      }
    }
  };
  const points = [...cycles.keys()].sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true })
  );
  for (const point of points) {
    const id = `${workflowId}//${point}`;
    const root = store.families.get(rootOf(point));
    rows.push({
      id,
      kind: "cycle",
      label: `cycle ${point}`,
      status: root?.status,
      depth: 0,
      expandable: true,
    });
    if (!collapsed.has(id)) walk(cycles.get(point)!, 1);
  }
  return rows;
}

/** Props of the Tree. */
export interface TreeViewProps {
  readonly workflowId: string;
  readonly onJob: (jobId: string) => void;
}

/** The Tree view. */
export function TreeView(props: TreeViewProps) {
  const { workflowId } = props;
  useViewSubscription(`tree`, "Tree", workflowId, treeQuery(workflowId));
  const { store } = useServices();
  const version = useStoreVersion();
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const rows = useMemo(
    () => treeRows(store, workflowId, collapsed, expanded),
    [version, workflowId, collapsed, expanded],
  );
  useUpdateTiming("tree", version);
  const toggle = (row: TreeRow) => {
    if (row.kind === "task") {
      const next = new Set(expanded);
      if (next.has(row.id)) next.delete(row.id);
      else next.add(row.id);
      setExpanded(next);
    } else {
      const next = new Set(collapsed);
      if (next.has(row.id)) next.delete(row.id);
      else next.add(row.id);
      setCollapsed(next);
    }
  };
  const isOpen = (row: TreeRow) =>
    row.kind === "task" ? expanded.has(row.id) : !collapsed.has(row.id);
  return (
    <section class="panel tree" aria-labelledby="tree-title" data-view="tree">
      <h2 id="tree-title">Tree</h2>
      <VirtualList
        items={rows}
        rowHeight={ROW_HEIGHT}
        label={`Tree of ${workflowId}`}
        role="tree"
        empty="No tasks in this workflow yet."
        renderRow={(row) => (
          <div
            key={row.id}
            class={`tree-row kind-${row.kind}`}
            role="treeitem"
            aria-level={row.depth + 1}
            aria-expanded={row.expandable ? isOpen(row) : undefined}
            data-id={row.id}
            style={{ paddingLeft: `${0.5 + row.depth * 1.25}rem`, height: `${ROW_HEIGHT}px` }}
          >
            {row.expandable
              ? (
                <button
                  type="button"
                  class="twisty"
                  aria-label={`${isOpen(row) ? "Collapse" : "Expand"} ${row.label}`}
                  onClick={() => toggle(row)}
                >
                  {isOpen(row) ? "▾" : "▸"}
                </button>
              )
              : <span class="twisty" aria-hidden="true" />}
            <StatusIcon status={row.status} compact />
            {row.kind === "job"
              ? (
                <button type="button" class="link" onClick={() => props.onJob(row.id)}>
                  {row.label}
                </button>
              )
              : <span class="label">{row.label}</span>}
            <span class="row-status">{row.status === undefined ? "" : String(row.status)}</span>
            {row.held ? <span class="badge">held</span> : null}
          </div>
        )}
      />
    </section>
  );
}

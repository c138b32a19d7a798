/** @jsxRuntime automatic */
/** @jsxImportSource preact */
/// <reference lib="dom" />
/**
 * The Tree view: cycle points → families → tasks → jobs, with status
 * icons, expandable with the mouse or the keyboard. Virtualized: only the
 * rows in view are in the DOM.
 *
 * Keyboard: the WAI-ARIA tree pattern (`tree_keys.ts`). The tree is one tab
 * stop, its active row (roving tabindex); arrows, Home and End move it and
 * open or close rows, Enter or Space opens a job's detail or toggles a row.
 *
 * @module
 */
import { useMemo, useState } from "preact/hooks";
import { useServices, useStoreVersion, useUpdateTiming, useViewSubscription } from "../context.tsx";
import type { Entity, NormalizedStore } from "../normalized_store.ts";
import { StatusIcon } from "../status_icon.tsx";
import { treeKeyAction } from "../tree_keys.ts";
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
  // The active row: the tree's one tab stop. It stays on its id while rows
  // come and go; when it goes away, the row now at its place takes over.
  const [active, setActive] = useState<{ id: string; index: number } | undefined>(undefined);
  const [reveal, setReveal] = useState<{ index: number; take: boolean } | undefined>(undefined);
  const found = active ? rows.findIndex((r) => r.id === active.id) : -1;
  const activeIndex = found >= 0 ? found : Math.min(active?.index ?? 0, rows.length - 1);
  const activeId = rows[activeIndex]?.id;
  const focusRow = (index: number) => {
    setActive({ id: rows[index].id, index });
    setReveal({ index, take: true });
  };
  const activate = (row: TreeRow) => {
    if (row.kind === "job") props.onJob(row.id);
    else if (row.expandable) toggle(row);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (rows.length === 0) return;
    const action = treeKeyAction(rows, activeIndex, event.key, (i) => isOpen(rows[i]));
    if (action === undefined || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    const row = rows[action.index];
    if (action.kind === "move") focusRow(action.index);
    else if (action.kind === "activate") activate(row);
    else if (action.kind === "open" || action.kind === "close") {
      toggle(row);
      focusRow(action.index);
    }
  };
  return (
    <section class="panel tree" aria-labelledby="tree-title" data-view="tree">
      <h2 id="tree-title">Tree</h2>
      <div onKeyDown={onKeyDown}>
        <VirtualList
          items={rows}
          rowHeight={ROW_HEIGHT}
          label={`Tree of ${workflowId}`}
          role="tree"
          focusable={false}
          reveal={reveal}
          empty="No tasks in this workflow yet."
          renderRow={(row, index) => (
            <div
              key={row.id}
              class={`tree-row kind-${row.kind}${row.id === activeId ? " active" : ""}`}
              role="treeitem"
              tabIndex={row.id === activeId ? 0 : -1}
              aria-level={row.depth + 1}
              aria-expanded={row.expandable ? isOpen(row) : undefined}
              aria-label={`${row.label}, ${row.status === undefined ? "no status" : row.status}${
                row.held ? ", held" : ""
              }`}
              data-id={row.id}
              style={{ paddingLeft: `${0.5 + row.depth * 1.25}rem`, height: `${ROW_HEIGHT}px` }}
              onFocusIn={() => row.id !== activeId && setActive({ id: row.id, index })}
            >
              {row.expandable
                ? (
                  <button
                    type="button"
                    class="twisty"
                    tabIndex={-1}
                    aria-hidden="true"
                    onClick={() => {
                      toggle(row);
                      focusRow(index);
                    }}
                  >
                    {isOpen(row) ? "▾" : "▸"}
                  </button>
                )
                : <span class="twisty" aria-hidden="true" />}
              <StatusIcon status={row.status} compact />
              {row.kind === "job"
                ? (
                  <button
                    type="button"
                    class="link"
                    tabIndex={-1}
                    onClick={() => props.onJob(row.id)}
                  >
                    {row.label}
                  </button>
                )
                : <span class="label">{row.label}</span>}
              <span class="row-status" aria-hidden="true">
                {row.status === undefined ? "" : String(row.status)}
              </span>
              {row.held ? <span class="badge" aria-hidden="true">held</span> : null}
            </div>
          )}
        />
      </div>
    </section>
  );
}

/** @jsxRuntime automatic */
/** @jsxImportSource preact */
/// <reference lib="dom" />
/**
 * The Table view: tasks with sortable, filterable columns. Showing or
 * hiding a column changes the view's subscription (only shown fields are
 * asked for). Virtualized: only the rows in view are in the DOM.
 *
 * @module
 */
import { useMemo, useState } from "preact/hooks";
import { useServices, useStoreVersion, useUpdateTiming, useViewSubscription } from "../context.tsx";
import type { Entity, NormalizedStore } from "../normalized_store.ts";
import { StatusIcon } from "../status_icon.tsx";
import { type Longest, tableLayout } from "../table_layout.ts";
import { type ColumnKey, TABLE_COLUMNS, tableQuery } from "../view_queries.ts";
import { VirtualList } from "../virtual_list.tsx";

const ROW_HEIGHT = 30;

/** A table row: the task and its latest job. */
interface Row {
  readonly task: Entity;
  readonly job: Entity | undefined;
}

function cellText(row: Row, key: ColumnKey): string {
  switch (key) {
    case "firstParent": {
      const parent = row.task.firstParent;
      return typeof parent === "string" ? parent.slice(parent.lastIndexOf("/") + 1) : "";
    }
    case "job":
      return row.job ? `${String(row.job.submitNum ?? "")} ${String(row.job.status ?? "")}` : "";
    case "isHeld":
      return row.task.isHeld === true ? "held" : row.task.isHeld === false ? "no" : "";
    default: {
      const value = row.task[key];
      return value === undefined || value === null ? "" : String(value);
    }
  }
}

/** The rows, filtered by `filter` (any shown column contains it) and sorted by `sort`. */
export function tableRows(
  store: NormalizedStore,
  workflowId: string,
  columns: readonly ColumnKey[],
  filter: string,
  sort: { key: ColumnKey; descending: boolean },
): Row[] {
  const needle = filter.trim().toLowerCase();
  const rows: Row[] = [];
  for (const id of store.index(workflowId).tasks) {
    const task = store.tasks.get(id)!;
    const jobs = store.jobsOf(id);
    const row = { task, job: jobs[jobs.length - 1] };
    if (needle && !columns.some((key) => cellText(row, key).toLowerCase().includes(needle))) {
      continue;
    }
    rows.push(row);
  }
  const collator = new Intl.Collator(undefined, { numeric: true });
  const sign = sort.descending ? -1 : 1;
  rows.sort((a, b) =>
    sign * collator.compare(cellText(a, sort.key), cellText(b, sort.key)) ||
    collator.compare(a.task.id, b.task.id)
  );
  return rows;
}

/** Props of the Table. */
export interface TableViewProps {
  readonly workflowId: string;
  readonly onJob: (jobId: string) => void;
}

/** The Table view. */
export function TableView(props: TableViewProps) {
  const { workflowId } = props;
  const [columns, setColumns] = useState<readonly ColumnKey[]>([
    "name",
    "cyclePoint",
    "status",
    "job",
  ]);
  const [filter, setFilter] = useState("");
  const [sort, setSort] = useState<{ key: ColumnKey; descending: boolean }>({
    key: "cyclePoint",
    descending: false,
  });
  useViewSubscription("table", "Table", workflowId, tableQuery(workflowId, columns));
  const { store } = useServices();
  const version = useStoreVersion();
  const shown = TABLE_COLUMNS.filter((c) => columns.includes(c.key));
  const sortKey = columns.includes(sort.key) ? sort.key : columns[0] ?? "name";
  const rows = useMemo(
    () => tableRows(store, workflowId, columns, filter, { ...sort, key: sortKey }),
    [version, workflowId, columns, filter, sort, sortKey],
  );
  useUpdateTiming("table", version);
  const toggleColumn = (key: ColumnKey) =>
    setColumns(
      columns.includes(key) ? columns.filter((c) => c !== key) : TABLE_COLUMNS.map((c) => c.key)
        .filter((k) => k === key || columns.includes(k)),
    );
  const longest = useMemo(() => longestValues(rows), [rows]);
  const { template, minWidth } = tableLayout(shown.map((c) => c.key), longest);
  return (
    <section class="panel table" aria-labelledby="table-title" data-view="table">
      <h2 id="table-title">Table</h2>
      <div class="table-tools">
        <label>
          Filter{" "}
          <input
            type="search"
            value={filter}
            placeholder="name, status…"
            onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <fieldset class="columns">
          <legend>Columns</legend>
          {TABLE_COLUMNS.map((c) => (
            <label key={c.key}>
              <input
                type="checkbox"
                checked={columns.includes(c.key)}
                disabled={columns.length === 1 && columns.includes(c.key)}
                onChange={() => toggleColumn(c.key)}
              />
              {c.label}
            </label>
          ))}
        </fieldset>
        <span class="muted" role="status">{rows.length} tasks</span>
      </div>
      <div class="table-scroll">
        <div class="table-grid" style={{ minWidth }}>
          <div class="table-head" role="row" style={{ gridTemplateColumns: template }}>
            {shown.map((c) => (
              <span
                role="columnheader"
                key={c.key}
                aria-sort={sortKey === c.key
                  ? (sort.descending ? "descending" : "ascending")
                  : "none"}
              >
                <button
                  type="button"
                  class="sort"
                  onClick={() =>
                    setSort({
                      key: c.key,
                      descending: sortKey === c.key ? !sort.descending : false,
                    })}
                >
                  {c.label} {sortKey === c.key ? (sort.descending ? "▼" : "▲") : ""}
                </button>
              </span>
            ))}
          </div>
          <VirtualList
            items={rows}
            rowHeight={ROW_HEIGHT}
            label={`Tasks of ${workflowId}`}
            role="table"
            empty={filter ? "No task matches the filter." : "No tasks in this workflow yet."}
            renderRow={(row) => (
              <div
                key={row.task.id}
                class="table-row"
                role="row"
                data-id={row.task.id}
                style={{ gridTemplateColumns: template, height: `${ROW_HEIGHT}px` }}
              >
                {shown.map((c) => (
                  <span role="cell" key={c.key} title={cellText(row, c.key) || undefined}>
                    {c.key === "status"
                      ? <StatusIcon status={row.task.status} />
                      : c.key === "job" && row.job
                      ? (
                        <button
                          type="button"
                          class="link"
                          onClick={() => props.onJob(row.job!.id)}
                        >
                          <StatusIcon status={row.job.status} compact /> job{" "}
                          {String(row.job.submitNum ?? "")}
                        </button>
                      )
                      : cellText(row, c.key)}
                  </span>
                ))}
              </div>
            )}
          />
        </div>
      </div>
    </section>
  );
}

/** The longest cycle point, status word and job label among `rows`. */
function longestValues(rows: readonly Row[]): Longest {
  let cyclePoint = 0, status = 0, job = 0;
  for (const row of rows) {
    cyclePoint = Math.max(cyclePoint, String(row.task.cyclePoint ?? "").length);
    status = Math.max(status, String(row.task.status ?? "").length);
    if (row.job) job = Math.max(job, `job ${String(row.job.submitNum ?? "")}`.length);
  }
  return { cyclePoint, status, job };
}

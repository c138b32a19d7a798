/** @jsxRuntime automatic */
/** @jsxImportSource preact */
/// <reference lib="dom" />
/**
 * The Workflows view: every readable workflow with its status, state
 * totals and last heartbeat. Its subscription is the unscoped one.
 *
 * @module
 */
import { useServices, useStoreVersion, useViewSubscription } from "../context.tsx";
import type { Entity } from "../normalized_store.ts";
import { StatusIcon } from "../status_icon.tsx";
import { workflowsQuery } from "../view_queries.ts";
import { relativeTime } from "./time_text.ts";
import { repeatsStatus, totalsOf } from "./workflow_text.ts";

/** Props: the open workflow, and how to open one. */
export interface WorkflowsViewProps {
  readonly selected: string | undefined;
  readonly onOpen: (workflowId: string) => void;
  /** The clock now (ms), for "12 s ago". */
  readonly now: number;
}

/**
 * A workflow's state totals as glyph and number, the word in a tooltip and
 * for screen readers. A scheduler that sends no totals says nothing about
 * its tasks: that is what is shown, not "no tasks".
 */
function Totals(props: { totals: unknown }) {
  if (props.totals === undefined || props.totals === null) {
    return <span class="totals muted">no totals reported</span>;
  }
  const totals = totalsOf(props.totals);
  if (totals.length === 0) return <span class="totals muted">no tasks</span>;
  return (
    <span class="totals">
      {totals.map(([status, n]) => (
        <span key={status} class="total" title={`${n} ${status}`}>
          <StatusIcon status={status} compact /> {n}
        </span>
      ))}
    </span>
  );
}

/** The glyphs the list uses, with their words: statuses and totals seen. */
function Legend(props: { workflows: readonly Entity[] }) {
  const seen = new Set<string>();
  for (const w of props.workflows) {
    if (w.status !== undefined && w.status !== null) seen.add(String(w.status));
    for (const [status] of totalsOf(w.stateTotals)) seen.add(status);
  }
  if (seen.size === 0) return null;
  return (
    <p class="glyph-legend muted" aria-hidden="true" data-legend>
      {[...seen].sort().map((status) => (
        <span key={status}>
          <StatusIcon status={status} />
        </span>
      ))}
    </p>
  );
}

/** The Workflows list. */
export function WorkflowsView(props: WorkflowsViewProps) {
  useViewSubscription("workflows", "Workflows", null, workflowsQuery());
  const { store, service } = useServices();
  useStoreVersion();
  const live = service.groups().find((g) => g.scope === null)?.state === "live";
  const workflows: Entity[] = [...store.workflows.values()].sort((a, b) => a.id < b.id ? -1 : 1);
  return (
    <section class="panel workflows" aria-labelledby="workflows-title">
      <h2 id="workflows-title">Workflows</h2>
      {!live && workflows.length === 0
        ? <p class="empty" role="status">Loading workflows…</p>
        : workflows.length === 0
        ? (
          <p class="empty">
            No workflows yet. A scheduler posting to /api/deltas makes them appear.
          </p>
        )
        : (
          <ul class="workflow-list">
            {workflows.map((w) => (
              <li key={w.id}>
                <button
                  type="button"
                  class={`workflow-item${w.id === props.selected ? " selected" : ""}`}
                  aria-current={w.id === props.selected ? "true" : undefined}
                  data-workflow={w.id}
                  onClick={() => props.onOpen(w.id)}
                >
                  <span class="workflow-name">{w.id}</span>
                  <StatusIcon status={w.status} />
                  {w.statusMsg && !repeatsStatus(w.statusMsg, w.status)
                    ? <span class="status-msg">{String(w.statusMsg)}</span>
                    : null}
                  <Totals totals={w.stateTotals} />
                  <span class="heartbeat">
                    heartbeat {relativeTime(w.lastHeartbeatTime, props.now)}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      <Legend workflows={workflows} />
    </section>
  );
}

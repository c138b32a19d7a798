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

/** Props: the open workflow, and how to open one. */
export interface WorkflowsViewProps {
  readonly selected: string | undefined;
  readonly onOpen: (workflowId: string) => void;
  /** The clock now (ms), for "12 s ago". */
  readonly now: number;
}

function Totals(props: { totals: unknown }) {
  const totals = props.totals && typeof props.totals === "object"
    ? Object.entries(props.totals as Record<string, number>).filter(([, n]) => n > 0)
    : [];
  if (totals.length === 0) return <span class="muted">no tasks</span>;
  return (
    <span class="totals">
      {totals.map(([status, n]) => (
        <span key={status} class="total">
          <StatusIcon status={status} compact /> {n}
        </span>
      ))}
    </span>
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
                  {w.statusMsg ? <span class="status-msg">{String(w.statusMsg)}</span> : null}
                  <Totals totals={w.stateTotals} />
                  <span class="heartbeat">
                    heartbeat {relativeTime(w.lastHeartbeatTime, props.now)}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}

/** @jsxRuntime automatic */
/** @jsxImportSource preact */
/// <reference lib="dom" />
/**
 * The Debug panel: each open view's subscription, the merged subscriptions
 * in effect (one per workflow, plus the list), messages and bytes per
 * second, and the last seq.
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import { useServices, useServiceVersion, useStoreVersion } from "../context.tsx";

function rate(n: number, unit: string): string {
  if (unit === "B" && n >= 1024) return `${(n / 1024).toFixed(1)} KiB/s`;
  return `${n.toFixed(1)} ${unit}/s`;
}

/** The Debug panel. */
export function DebugView() {
  const { service, client, store } = useServices();
  useServiceVersion();
  useStoreVersion();
  // Rates move even when nothing re-renders the panel.
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  const stats = client.stats();
  return (
    <section class="panel debug" aria-labelledby="debug-title" data-view="debug">
      <h2 id="debug-title">Debug</h2>
      <dl class="figures">
        <div>
          <dt>Messages</dt>
          <dd data-figure="messages">
            {rate(stats.messagesPerSecond, "msg")} ({stats.messages} total)
          </dd>
        </div>
        <div>
          <dt>Bytes</dt>
          <dd data-figure="bytes">{rate(stats.bytesPerSecond, "B")} ({stats.bytes} total)</dd>
        </div>
        <div>
          <dt>Last seq</dt>
          <dd data-figure="last-seq">{store.lastSeq}</dd>
        </div>
        <div>
          <dt>Connections</dt>
          <dd>{stats.connections} ({stats.subscribes} subscribes sent)</dd>
        </div>
      </dl>
      <h3>Views</h3>
      <ul class="debug-list" data-debug="views">
        {service.views().map((view) => (
          <li key={view.id} data-view-id={view.id}>
            <strong>{view.label}</strong> <span class="muted">{view.scope ?? "all workflows"}</span>
            <pre>{view.query}</pre>
          </li>
        ))}
      </ul>
      <h3>Merged subscriptions in effect</h3>
      <ul class="debug-list" data-debug="merged">
        {service.groups().map((group) => (
          <li key={group.scope ?? "*"} data-scope={group.scope ?? "*"}>
            <strong>{group.scope ?? "all workflows"}</strong>{" "}
            <span class="muted">
              {group.views.join(" + ")} · {group.state}
              {group.operationId ? ` · operation ${group.operationId}` : ""}
              {group.lastSeq !== undefined ? ` · last seq ${group.lastSeq}` : ""} · {group.frames}
              {" "}
              frames{group.resyncs ? ` · ${group.resyncs} resyncs` : ""}
            </span>
            {group.error ? <p class="error">{group.error}</p> : null}
            <pre>{group.wire ?? "(not merged yet)"}</pre>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * The heartbeat monitor's counters as metrics, read at scrape time from the
 * monitor, which counts where it checks, marks and revives.
 *
 * @module
 */
import type { MonitorStats } from "../heartbeat/monitor.ts";
import { counterFrom, gaugeFrom, type Registry } from "./registry.ts";

/**
 * Registers the monitor's metrics, reading `stats()` at each scrape.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Registry } from "prom-client";
 * import { registerHeartbeatMetrics } from "./heartbeat_metrics.ts";
 * const registry = new Registry();
 * registerHeartbeatMetrics(registry, () => ({
 *   jobs: 3, workflows: 1, checked: 5, marked: 2, revived: 1, errors: 0,
 * }));
 * const text = await registry.metrics();
 * assert.match(text, /^overlap_heartbeat_marked_total 2$/m);
 * assert.match(text, /^overlap_heartbeat_watched\{kind="job"\} 3$/m);
 * ```
 */
export function registerHeartbeatMetrics(registry: Registry, stats: () => MonitorStats): void {
  counterFrom(registry, {
    name: "overlap_heartbeat_checked_total",
    help: "Due jobs and workflows re-read from the database by the heartbeat monitor.",
    read: () => stats().checked,
  });
  counterFrom(registry, {
    name: "overlap_heartbeat_marked_total",
    help: "Jobs marked failed and workflows marked stalled for lost heartbeats.",
    read: () => stats().marked,
  });
  counterFrom(registry, {
    name: "overlap_heartbeat_revived_total",
    help: "Marked items brought back to running by a late heartbeat.",
    read: () => stats().revived,
  });
  counterFrom(registry, {
    name: "overlap_heartbeat_errors_total",
    help: "Checks and revivals that failed on a database error.",
    read: () => stats().errors,
  });
  gaugeFrom(registry, {
    name: "overlap_heartbeat_watched",
    help: "In-flight jobs and running workflows watched now.",
    labelNames: ["kind"],
    read: () => {
      const { jobs, workflows } = stats();
      return [[{ kind: "job" }, jobs], [{ kind: "workflow" }, workflows]];
    },
  });
}

import { Registry } from "prom-client";
import { assertEquals } from "../../tests/assert.ts";
import type { MonitorStats } from "../heartbeat/monitor.ts";
import { registerHeartbeatMetrics } from "./heartbeat_metrics.ts";

Deno.test("registerHeartbeatMetrics: every counter and the watched items by kind, as of the scrape", async () => {
  const registry = new Registry();
  let stats: MonitorStats = { jobs: 0, workflows: 0, checked: 0, marked: 0, revived: 0, errors: 0 };
  registerHeartbeatMetrics(registry, () => stats);
  stats = { jobs: 4, workflows: 2, checked: 9, marked: 3, revived: 1, errors: 2 };
  const lines = (await registry.metrics()).split("\n").filter((l) => l && !l.startsWith("#"));
  assertEquals(lines, [
    "overlap_heartbeat_checked_total 9",
    "overlap_heartbeat_marked_total 3",
    "overlap_heartbeat_revived_total 1",
    "overlap_heartbeat_errors_total 2",
    'overlap_heartbeat_watched{kind="job"} 4',
    'overlap_heartbeat_watched{kind="workflow"} 2',
  ]);
});

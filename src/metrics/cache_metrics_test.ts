import { Registry } from "prom-client";
import { assertEquals } from "../../tests/assert.ts";
import type { PoolStats } from "../cache/client.ts";
import { registerCacheMetrics } from "./cache_metrics.ts";

function stats(pool: string, n: number): PoolStats {
  return {
    pool,
    up: n > 0,
    serverPid: null,
    queued: { high: n, low: 2 * n },
    running: n,
    workers: 2,
    hits: 10 * n,
    misses: 3 * n,
    deduplicated: n,
    diskHits: 0,
    workerRuns: 3 * n,
    bytesUsed: 1000 * n,
    maxBytes: 4096,
    peakBytes: 0,
    entries: 5 * n,
    evictions: n,
    restarts: n,
    errors: n,
    timeouts: 0,
    workerErrors: 0,
    invalidLines: 0,
    pending: n,
    peakRunning: 0,
  };
}

Deno.test("registerCacheMetrics: one series per pool, the queue by priority", async () => {
  const registry = new Registry();
  registerCacheMetrics(registry, () => ({ dag: stats("dag", 1), logs: stats("logs", 0) }));
  const lines = (await registry.metrics()).split("\n").filter((l) => l && !l.startsWith("#"));
  const pick = (prefix: string) => lines.filter((l) => l.startsWith(prefix + "{"));
  assertEquals(pick("overlap_cache_hits_total"), [
    'overlap_cache_hits_total{pool="dag"} 10',
    'overlap_cache_hits_total{pool="logs"} 0',
  ]);
  assertEquals(pick("overlap_cache_queued"), [
    'overlap_cache_queued{pool="dag",priority="high"} 1',
    'overlap_cache_queued{pool="dag",priority="low"} 2',
    'overlap_cache_queued{pool="logs",priority="high"} 0',
    'overlap_cache_queued{pool="logs",priority="low"} 0',
  ]);
  assertEquals(pick("overlap_cache_up"), [
    'overlap_cache_up{pool="dag"} 1',
    'overlap_cache_up{pool="logs"} 0',
  ]);
  assertEquals(pick("overlap_cache_misses_total").length, 2);
  assertEquals(pick("overlap_cache_bytes"), [
    'overlap_cache_bytes{pool="dag"} 1000',
    'overlap_cache_bytes{pool="logs"} 0',
  ]);
});

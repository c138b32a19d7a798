/**
 * The cache pools' figures as metrics, label `pool` (`dag`, `artifacts`,
 * `logs`), read at scrape time from each client's counters (which add up
 * across cache server restarts).
 *
 * @module
 */
import type { PoolStats } from "../cache/client.ts";
import { counterFrom, gaugeFrom, type Registry } from "./registry.ts";

type Numeric = {
  [K in keyof PoolStats]: PoolStats[K] extends number ? K : never;
}[keyof PoolStats];

const COUNTERS: ReadonlyArray<readonly [Numeric, string, string]> = [
  ["hits", "overlap_cache_hits_total", "Cache futures answered from disk in-process."],
  ["misses", "overlap_cache_misses_total", "Cache futures that sent a request to the server."],
  ["errors", "overlap_cache_errors_total", "Cache futures that rejected (any cause)."],
  ["timeouts", "overlap_cache_timeouts_total", "Cache futures that timed out."],
  ["restarts", "overlap_cache_restarts_total", "Cache server restarts."],
  ["deduplicated", "overlap_cache_deduplicated_total", "Requests joined to an identical one."],
  ["workerRuns", "overlap_cache_worker_runs_total", "Worker subprocesses run."],
  ["workerErrors", "overlap_cache_worker_errors_total", "Worker runs that failed."],
  ["evictions", "overlap_cache_evictions_total", "Entries evicted to stay under the disk limit."],
];

const GAUGES: ReadonlyArray<readonly [Numeric, string, string]> = [
  ["running", "overlap_cache_running", "Workers running now."],
  ["pending", "overlap_cache_pending", "Futures waiting for the cache server now."],
  ["bytesUsed", "overlap_cache_bytes", "Bytes the pool keeps on disk."],
  ["maxBytes", "overlap_cache_max_bytes", "The pool's disk limit, in bytes."],
  ["entries", "overlap_cache_entries", "Entries on disk."],
];

/**
 * Registers the pools' metrics, reading `status()` at each scrape.
 *
 * @example
 * ```ts ignore
 * registerCacheMetrics(registry, () => pools.status());
 * ```
 */
export function registerCacheMetrics(
  registry: Registry,
  status: () => Readonly<Record<string, PoolStats>>,
): void {
  const per = (field: Numeric) => () =>
    Object.entries(status()).map(([pool, stats]) => [{ pool }, stats[field]] as const);
  for (const [field, name, help] of COUNTERS) {
    counterFrom(registry, { name, help, labelNames: ["pool"], read: per(field) });
  }
  for (const [field, name, help] of GAUGES) {
    gaugeFrom(registry, { name, help, labelNames: ["pool"], read: per(field) });
  }
  gaugeFrom(registry, {
    name: "overlap_cache_queued",
    help: "Requests queued at the cache server, by priority.",
    labelNames: ["pool", "priority"],
    read: () =>
      Object.entries(status()).flatMap(([pool, stats]) => [
        [{ pool, priority: "high" }, stats.queued.high] as const,
        [{ pool, priority: "low" }, stats.queued.low] as const,
      ]),
  });
  gaugeFrom(registry, {
    name: "overlap_cache_up",
    help: "1 when the pool's cache server runs and said ready.",
    labelNames: ["pool"],
    read: () => Object.entries(status()).map(([pool, stats]) => [{ pool }, stats.up ? 1 : 0]),
  });
}

/**
 * Memory of the server process and of the wasm engine, read at scrape time.
 *
 * @module
 */
import { engineMemory } from "../../wasm/mod.ts";
import { gaugeFrom, type Registry } from "./registry.ts";

/**
 * Registers the process memory (RSS, V8 heap used and total, external) and
 * the engine's (wasm linear memory, live allocations) as gauges.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Registry } from "prom-client";
 * import { registerProcessMetrics } from "./process_metrics.ts";
 * const registry = new Registry();
 * registerProcessMetrics(registry);
 * const text = await registry.metrics();
 * assert.match(text, /^overlap_process_resident_memory_bytes \d+$/m);
 * assert.match(text, /^overlap_engine_memory_bytes \d+$/m);
 * ```
 */
export function registerProcessMetrics(registry: Registry): void {
  // Each gauge reads on its own; memoryUsage() costs about a microsecond.
  const usage = () => Deno.memoryUsage();
  const engine = engineMemory;
  gaugeFrom(registry, {
    name: "overlap_process_resident_memory_bytes",
    help: "Resident set size of the server process, in bytes.",
    read: () => usage().rss,
  });
  gaugeFrom(registry, {
    name: "overlap_process_heap_used_bytes",
    help: "V8 heap in use, in bytes.",
    read: () => usage().heapUsed,
  });
  gaugeFrom(registry, {
    name: "overlap_process_heap_total_bytes",
    help: "V8 heap reserved, in bytes.",
    read: () => usage().heapTotal,
  });
  gaugeFrom(registry, {
    name: "overlap_process_external_memory_bytes",
    help: "Memory of objects outside the V8 heap (buffers, wasm memory), in bytes.",
    read: () => usage().external,
  });
  gaugeFrom(registry, {
    name: "overlap_engine_memory_bytes",
    help: "Size of the overlap engine's wasm linear memory, in bytes.",
    read: () => engine().heapBytes,
  });
  gaugeFrom(registry, {
    name: "overlap_engine_live_bytes",
    help: "Bytes the overlap engine has allocated and not freed (field sets, sieves).",
    read: () => engine().liveBytes,
  });
}

/**
 * The server process's memory, for `GET /status` (the soak benchmark
 * samples it over time).
 *
 * @module
 */

/** Memory of the server process, in bytes. */
export interface ProcessMemory {
  /** Resident set size. */
  readonly rssBytes: number;
  /** V8 heap in use. */
  readonly heapUsedBytes: number;
  /** V8 heap reserved. */
  readonly heapTotalBytes: number;
  /** Memory outside the V8 heap held by JS objects (buffers, wasm memory). */
  readonly externalBytes: number;
}

/**
 * Reads `Deno.memoryUsage()` under the names `GET /status` uses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { processMemory } from "./process_memory.ts";
 * const memory = processMemory();
 * assert(memory.rssBytes > 0 && memory.heapUsedBytes <= memory.heapTotalBytes);
 * ```
 */
export function processMemory(): ProcessMemory {
  const usage = Deno.memoryUsage();
  return {
    rssBytes: usage.rss,
    heapUsedBytes: usage.heapUsed,
    heapTotalBytes: usage.heapTotal,
    externalBytes: usage.external,
  };
}

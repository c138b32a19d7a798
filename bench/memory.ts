/**
 * Per-set memory of the engine, as the issue asks, with the pure-TS
 * baseline's JS heap for comparison:
 *
 * ```sh
 * deno run --allow-read bench/memory.ts
 * # with the JS-heap comparison (needs a forced GC):
 * deno run --allow-read --v8-flags=--expose-gc bench/memory.ts
 * ```
 *
 * Engine figures come from `engineMemory().liveBytes` (bytes the engine has
 * allocated and not freed) taken before and after, so they count exactly the
 * sets and the sieve's index, not the wasm module's fixed overhead.
 *
 * @module
 */
import { engineMemory, type FieldSet, parseSubscription, Sieve } from "../wasm/mod.ts";
import { makeSubscriptions, type SubscriptionFixture } from "./fixtures.ts";
import { type CompiledSet, compileSubscription } from "./ts_filter.ts";

/** What {@linkcode measureMemory} found, in bytes. */
export interface MemoryReport {
  /** How many subscriptions were measured. */
  readonly sets: number;
  /** Engine bytes per parsed `FieldSet` (before any sieve). */
  readonly perParsedSet: number;
  /** Engine bytes per set held by a `Sieve`, after the parsed sets are freed. */
  readonly perSieveSet: number;
  /** Engine bytes per set while both the parsed sets and the sieve are alive. */
  readonly perSetBoth: number;
  /** Engine bytes left over once everything is disposed (should be ~0). */
  readonly leakedBytes: number;
  /** The wasm linear memory's size at the end. */
  readonly wasmHeapBytes: number;
  /** JS heap bytes per compiled TS set, or `undefined` without a forced GC. */
  readonly perTsSet: number | undefined;
  /** Mean length of the subscription documents, in characters. */
  readonly meanQueryChars: number;
}

/**
 * Measures engine (and, when `gc` is exposed, JS heap) memory per set.
 *
 * @example
 * ```ts
 * import { measureMemory } from "./memory.ts";
 * const report = measureMemory();
 * console.assert(report.perSieveSet > 0 && report.leakedBytes === 0);
 * ```
 */
export function measureMemory(
  subscriptions: readonly SubscriptionFixture[] = makeSubscriptions(),
): MemoryReport {
  // A first pass grows the engine's handle tables to size, so the pass we
  // measure counts the sets alone and "leaked" means a real leak.
  measureEngine(subscriptions);
  return { ...measureEngine(subscriptions), perTsSet: measureTsHeap(subscriptions) };
}

function measureEngine(subscriptions: readonly SubscriptionFixture[]): MemoryReport {
  const n = subscriptions.length;
  const start = engineMemory().liveBytes;
  const sets: FieldSet[] = subscriptions.map(({ query, variables }) =>
    parseSubscription(query, variables)
  );
  const parsed = engineMemory().liveBytes;
  const sieve = new Sieve();
  for (const set of sets) sieve.add(set);
  const both = engineMemory().liveBytes;
  for (const set of sets) set.dispose();
  const sieveOnly = engineMemory().liveBytes;
  sieve.dispose();
  const end = engineMemory();
  return {
    sets: n,
    perParsedSet: (parsed - start) / n,
    perSieveSet: (sieveOnly - start) / n,
    perSetBoth: (both - start) / n,
    leakedBytes: end.liveBytes - start,
    wasmHeapBytes: end.heapBytes,
    perTsSet: undefined,
    meanQueryChars: subscriptions.reduce((sum, s) => sum + s.query.length, 0) / n,
  };
}

/** JS heap per compiled set; needs `--v8-flags=--expose-gc` to be meaningful. */
function measureTsHeap(subscriptions: readonly SubscriptionFixture[]): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return undefined;
  // Compile once first so graphql-js's lazy module state is not counted.
  compileSubscription(subscriptions[0].query, subscriptions[0].variables);
  gc();
  gc();
  const before = Deno.memoryUsage().heapUsed;
  const kept: CompiledSet[] = subscriptions.map(({ query, variables }) =>
    compileSubscription(query, variables)
  );
  gc();
  gc();
  const after = Deno.memoryUsage().heapUsed;
  // Keep `kept` alive until after the second reading.
  if (kept.length !== subscriptions.length) throw new Error("unreachable");
  return (after - before) / subscriptions.length;
}

/**
 * Formats a byte count for people: `512 B`, `1.5 KiB`, `2.0 MiB`.
 *
 * @example
 * ```ts
 * import { formatBytes } from "./memory.ts";
 * console.assert(formatBytes(1536) === "1.5 KiB");
 * ```
 */
export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) < 1024) return `${Math.round(bytes)} B`;
  if (Math.abs(bytes) < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

if (import.meta.main) {
  const r = measureMemory();
  console.log(`Memory per set, ${r.sets} distinct subscriptions`);
  console.log(`(mean document: ${Math.round(r.meanQueryChars)} chars)\n`);
  console.log(`wasm, parsed FieldSet:           ${formatBytes(r.perParsedSet)} per set`);
  console.log(`wasm, held by a Sieve:           ${formatBytes(r.perSieveSet)} per set`);
  console.log(`wasm, FieldSets + Sieve at once: ${formatBytes(r.perSetBoth)} per set`);
  console.log(`wasm, left after dispose:        ${formatBytes(r.leakedBytes)}`);
  console.log(`wasm linear memory at the end:   ${formatBytes(r.wasmHeapBytes)}`);
  console.log(
    r.perTsSet === undefined
      ? "TS compiled set (JS heap):       run with --v8-flags=--expose-gc to measure"
      : `TS compiled set (JS heap):       ${formatBytes(r.perTsSet)} per set`,
  );
}

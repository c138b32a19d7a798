/**
 * The engine benchmark's report: for each fixture (the mixed one and the
 * high-overlap one, see `setup.ts`), the three contenders interleaved round
 * by round, their medians, the ratios against the issue's targets, and how
 * far (a) is from the physical floor; then the engine's memory per set.
 *
 * ```sh
 * deno run --allow-read bench/report.ts
 * deno run --allow-read --v8-flags=--expose-gc bench/report.ts   # + JS heap per TS set
 * ```
 *
 * `deno task bench` runs it after the `Deno.bench` suite. Interleaving
 * (each round runs every contender once, in turn) makes a burst of
 * background load hit all of them alike; the ratio is also taken per round
 * (the same round's times, so paired), and the report gives the median and
 * the range of those.
 *
 * Every contender ends with what the hub puts on the wire: one JSON string
 * per overlapping subscription. So the figures are "ready to send".
 *
 * **The floor** is what any fan-out producing those strings must pay: the
 * output bytes written once (a `memory.copy` of the same bytes inside a
 * WebAssembly memory) and decoded once into one string per result (the way
 * `Sieve.filter` decodes: runs of at most 64 KiB, one slice per result).
 * The report gives both in µs per output KiB, and (a)'s distance from it.
 *
 * @module
 */
import { formatBytes, measureMemory } from "./memory.ts";
import { type Fixture, FIXTURES } from "./fixtures.ts";
import { type BenchSetup, contenders, setupBench } from "./setup.ts";

/**
 * The targets: how many times faster (a) must be than (b) and (c).
 *
 * @example
 * ```ts
 * import { TARGETS } from "./report.ts";
 * console.assert(TARGETS.ts === 5 && TARGETS.graphql === 50);
 * ```
 */
export const TARGETS = { ts: 5, graphql: 50 } as const;

/** What {@linkcode timeContenders} found for each contender. */
export interface Timing {
  /** Median milliseconds per call over the rounds. */
  readonly median: number;
  /** Milliseconds per call in each round, in round order. */
  readonly rounds: readonly number[];
}

/**
 * Times contenders interleaved: after a warm-up, `rounds` rounds each run
 * every contender, in turn, enough times to last about `roundMs`.
 *
 * @example
 * ```ts
 * import { timeContenders } from "./report.ts";
 * const t = timeContenders({ a: () => 1, b: () => [1, 2].length }, 3, 1, 5);
 * console.assert(t.a.rounds.length === 3 && t.b.median >= 0);
 * ```
 */
export function timeContenders<K extends string>(
  run: Record<K, () => unknown>,
  rounds = 30,
  roundMs = 50,
  warmUpMs = 300,
): Record<K, Timing> {
  const names = Object.keys(run) as K[];
  const batch = {} as Record<K, number>;
  for (const name of names) {
    // Warm up (JIT tiers, wasm tier-up), then size batches to ~roundMs.
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < warmUpMs) {
      run[name]();
      n++;
    }
    batch[name] = Math.max(1, Math.round((n * roundMs) / warmUpMs));
  }
  const samples = {} as Record<K, number[]>;
  for (const name of names) samples[name] = [];
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const t0 = performance.now();
      for (let i = 0; i < batch[name]; i++) run[name]();
      samples[name].push((performance.now() - t0) / batch[name]);
    }
  }
  const result = {} as Record<K, Timing>;
  for (const name of names) {
    result[name] = { median: median(samples[name]), rounds: samples[name] };
  }
  return result;
}

/**
 * The median of `xs` (the upper one for an even count); `xs` is not changed.
 *
 * @example
 * ```ts
 * import { median } from "./report.ts";
 * console.assert(median([3, 1, 2]) === 2);
 * ```
 */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/** Ratios of two contenders' times, round by round (paired). */
export interface Ratio {
  /** The median of the per-round ratios. */
  readonly median: number;
  /** The smallest per-round ratio. */
  readonly min: number;
  /** The largest per-round ratio. */
  readonly max: number;
}

/**
 * How many times faster `fast` was than `slow`, per round.
 *
 * @example
 * ```ts
 * import { pairedRatio } from "./report.ts";
 * const r = pairedRatio({ median: 1, rounds: [1, 2] }, { median: 5, rounds: [5, 4] });
 * console.assert(r.min === 2 && r.max === 5);
 * ```
 */
export function pairedRatio(fast: Timing, slow: Timing): Ratio {
  const ratios = fast.rounds.map((t, i) => slow.rounds[i] / t);
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

/** The output of one fan-out, as the floor measurement needs it. */
export interface Outputs {
  /** Every result's UTF-8 bytes, back to back. */
  readonly bytes: Uint8Array;
  /** `[start, end)` of each result in `bytes`. */
  readonly ranges: readonly (readonly [number, number])[];
}

/**
 * The bytes of a fan-out's results, back to back.
 *
 * @example
 * ```ts
 * import { outputsOf } from "./report.ts";
 * const o = outputsOf(new Map([[1, '{"a":1}'], [2, '{"b":2}']]));
 * console.assert(o.bytes.length === 14 && o.ranges[1][0] === 7);
 * ```
 */
export function outputsOf(results: ReadonlyMap<number, string>): Outputs {
  const encoder = new TextEncoder();
  const parts = [...results.values()].map((text) => encoder.encode(text));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  const ranges: [number, number][] = [];
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    ranges.push([at, at + p.length]);
    at += p.length;
  }
  return { bytes, ranges };
}

/** Runs of at most this many bytes are decoded at once (as `Sieve.filter` does). */
const DECODE_RUN = 64 * 1024;

/**
 * The floor's two parts as functions: writing the output bytes once inside
 * a WebAssembly memory, and decoding them into one string per result.
 *
 * @example
 * ```ts
 * import { floorParts, outputsOf } from "./report.ts";
 * const { write, decode } = floorParts(outputsOf(new Map([[1, '{"a":1}']])));
 * write();
 * console.assert(decode()[0] === '{"a":1}');
 * ```
 */
export function floorParts(outputs: Outputs): { write(): number; decode(): string[] } {
  const { bytes, ranges } = outputs;
  const n = bytes.length;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((2 * n + 1) / 65536) });
  const heap = new Uint8Array(memory.buffer);
  heap.set(bytes, 0);
  const decoder = new TextDecoder();
  return {
    // A memmove inside the memory: what wasm's `memory.copy` runs.
    write: () => heap.copyWithin(n, 0, n).length,
    decode: () => {
      const strings: string[] = [];
      for (let i = 0; i < ranges.length;) {
        const from = ranges[i][0];
        let last = i;
        while (last + 1 < ranges.length && ranges[last + 1][1] - from <= DECODE_RUN) last++;
        const run = decoder.decode(heap.subarray(from, ranges[last][1]));
        for (; i <= last; i++) strings.push(run.slice(ranges[i][0] - from, ranges[i][1] - from));
      }
      return strings;
    },
  };
}

/** Everything the report prints for one fixture. */
export interface FixtureReport {
  /** Which fixture. */
  readonly fixture: Fixture;
  /** How many subscriptions. */
  readonly sets: number;
  /** The delta's size in bytes. */
  readonly deltaBytes: number;
  /** How many subscriptions overlap the delta. */
  readonly overlapping: number;
  /** Their outputs' total size in bytes. */
  readonly outputBytes: number;
  /** The contenders' and the floor parts' timings. */
  readonly timings: Record<"sieve" | "ts" | "graphql" | "write" | "decode", Timing>;
  /** (a) against (b), per round. */
  readonly vsTs: Ratio;
  /** (a) against (c), per round. */
  readonly vsGraphql: Ratio;
}

/**
 * Measures one fixture: the contenders and the floor, interleaved.
 *
 * @example
 * ```ts ignore
 * import { setupBench } from "./setup.ts";
 * import { measureFixture } from "./report.ts";
 * const report = measureFixture(setupBench(undefined, "highOverlap"));
 * console.log(report.vsTs.median);
 * ```
 */
export function measureFixture(setup: BenchSetup, rounds = 30): FixtureReport {
  const results = setup.sieve.filter(setup.deltaJson);
  const outputs = outputsOf(results);
  const { write, decode } = floorParts(outputs);
  const timings = timeContenders({ ...contenders(setup), write, decode }, rounds);
  return {
    fixture: setup.fixture,
    sets: setup.subscriptions.length,
    deltaBytes: setup.deltaBytes,
    overlapping: results.size,
    outputBytes: outputs.bytes.length,
    timings,
    vsTs: pairedRatio(timings.sieve, timings.ts),
    vsGraphql: pairedRatio(timings.sieve, timings.graphql),
  };
}

function ms(x: number): string {
  if (x < 0.01) return `${(x * 1000).toFixed(2)} µs`;
  return x < 1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(2)} ms`;
}

function verdict(ratio: number, target: number): string {
  return ratio >= target ? `✅ met (≥ ${target}×)` : `❌ not met (< ${target}×)`;
}

function range(r: Ratio): string {
  return `${r.median.toFixed(2)}× (rounds ${r.min.toFixed(2)}–${r.max.toFixed(2)}×)`;
}

/**
 * The markdown for one fixture's report.
 *
 * @example
 * ```ts ignore
 * import { setupBench } from "./setup.ts";
 * import { formatFixture, measureFixture } from "./report.ts";
 * console.log(formatFixture(measureFixture(setupBench())).join("\n"));
 * ```
 */
export function formatFixture(r: FixtureReport): string[] {
  const t = r.timings;
  const kib = r.outputBytes / 1024;
  const floor = t.write.median + t.decode.median;
  const perKib = (x: number) => `${((x * 1000) / kib).toFixed(3)} µs/KiB`;
  return [
    `## ${r.fixture}: ${r.sets} subscriptions × ${r.deltaBytes}-byte delta`,
    "",
    `${r.overlapping} of ${r.sets} sets overlap the delta; their intersections total ` +
    `${formatBytes(r.outputBytes)}.`,
    "",
    "| contender | per delta (median) | per set | (a) is faster by (median of rounds, range) | target |",
    "| --- | ---: | ---: | ---: | --- |",
    `| (a) wasm \`Sieve.filter\` | ${ms(t.sieve.median)} | ${
      ms(t.sieve.median / r.sets)
    } | — | — |`,
    `| (b) TS: \`JSON.parse\` once, filter + \`JSON.stringify\` per set | ${ms(t.ts.median)} | ` +
    `${ms(t.ts.median / r.sets)} | ${range(r.vsTs)} | ${verdict(r.vsTs.median, TARGETS.ts)} |`,
    `| (c) graphql-js \`executeSubscriptionEvent\` + \`JSON.stringify\` per subscriber | ` +
    `${ms(t.graphql.median)} | ${ms(t.graphql.median / r.sets)} | ${range(r.vsGraphql)} | ` +
    `${verdict(r.vsGraphql.median, TARGETS.graphql)} |`,
    "",
    `Floor (output bytes written once + decoded once into one string per result): ` +
    `${ms(floor)} = ${ms(t.write.median)} write + ${ms(t.decode.median)} decode, ` +
    `${perKib(floor)}. (a): ${perKib(t.sieve.median)}, ` +
    `${(t.sieve.median / floor).toFixed(2)}× the floor (${ms(t.sieve.median - floor)} above it).`,
  ];
}

if (import.meta.main) {
  const memory: [Fixture, ReturnType<typeof measureMemory>][] = [];
  for (const fixture of FIXTURES) {
    const setup = setupBench(undefined, fixture);
    console.log(formatFixture(measureFixture(setup)).join("\n") + "\n");
    setup.dispose();
    memory.push([fixture, measureMemory(setup.subscriptions)]);
  }
  console.log("## Memory per set (1,000 sets)\n");
  console.log(
    "| fixture | mean document | wasm: parsed `FieldSet` | wasm: held by a `Sieve` | " +
      "JS heap: compiled TS set (b) |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const [fixture, m] of memory) {
    const ts = m.perTsSet === undefined
      ? "needs `--v8-flags=--expose-gc`"
      : formatBytes(m.perTsSet);
    console.log(
      `| ${fixture} | ${Math.round(m.meanQueryChars)} chars | ${formatBytes(m.perParsedSet)} | ` +
        `${formatBytes(m.perSieveSet)} | ${ts} |`,
    );
  }
  const leaked = memory.map(([, m]) => m.leakedBytes).reduce((a, b) => a + b, 0);
  console.log(`\nLeft allocated after disposing everything: ${formatBytes(leaked)}.`);
}

/**
 * Runs the engine benchmark once, end to end, and prints a markdown report:
 * the three contenders side by side with their ratios against the issue's
 * targets, and the engine's memory per set.
 *
 * ```sh
 * deno run --allow-read bench/report.ts
 * deno run --allow-read --v8-flags=--expose-gc bench/report.ts   # + JS heap per TS set
 * ```
 *
 * `deno task bench` is the reference measurement; this script exists for a
 * table that can be pasted into an issue or a pull request. It interleaves
 * the contenders round by round, so a burst of background load hits all of
 * them alike, and reports medians.
 *
 * @module
 */
import { formatBytes, measureMemory } from "./memory.ts";
import { contenders, setupBench } from "./setup.ts";

/**
 * The issue's targets: how many times faster (a) must be than (b) and (c).
 *
 * @example
 * ```ts
 * import { TARGETS } from "./report.ts";
 * console.assert(TARGETS.ts === 5 && TARGETS.graphql === 50);
 * ```
 */
export const TARGETS = { ts: 5, graphql: 50 } as const;

/** Median milliseconds per fan-out of each contender. */
export interface Timings {
  /** (a) wasm `Sieve.filter`. */
  readonly sieve: number;
  /** (b) pure-TS filter. */
  readonly ts: number;
  /** (c) graphql-js execute per subscriber. */
  readonly graphql: number;
}

/**
 * Times the three contenders, interleaved, for `rounds` rounds after a
 * warm-up; each round runs each contender enough times to last ~`roundMs`.
 *
 * @example
 * ```ts ignore
 * import { contenders, setupBench } from "./setup.ts";
 * import { timeContenders } from "./report.ts";
 * const t = timeContenders(contenders(setupBench()));
 * console.log(t.ts / t.sieve);
 * ```
 */
export function timeContenders(
  run: Record<keyof Timings, () => number>,
  rounds = 30,
  roundMs = 50,
): Timings {
  const names = ["sieve", "ts", "graphql"] as const;
  const batch: Record<string, number> = {};
  for (const name of names) {
    // Warm up (JIT tiers, wasm tier-up), then size batches to ~roundMs.
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < 300) {
      run[name]();
      n++;
    }
    batch[name] = Math.max(1, Math.round((n * roundMs) / 300));
  }
  const samples: Record<string, number[]> = { sieve: [], ts: [], graphql: [] };
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const t0 = performance.now();
      for (let i = 0; i < batch[name]; i++) run[name]();
      samples[name].push((performance.now() - t0) / batch[name]);
    }
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
  return {
    sieve: median(samples.sieve),
    ts: median(samples.ts),
    graphql: median(samples.graphql),
  };
}

function ms(x: number): string {
  if (x < 0.01) return `${(x * 1000).toFixed(2)} µs`;
  return x < 1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(2)} ms`;
}

if (import.meta.main) {
  const setup = setupBench();
  const n = setup.subscriptions.length;
  const run = contenders(setup);
  const results = setup.sieve.filter(setup.deltaJson);
  let outBytes = 0;
  for (const text of results.values()) outBytes += text.length;
  const t = timeContenders(run);
  const vsTs = t.ts / t.sieve;
  const vsGraphql = t.graphql / t.sieve;
  const verdict = (ratio: number, target: number) =>
    ratio >= target ? `✅ ≥ ${target}×` : `❌ < ${target}×`;

  console.log(`## ${n} subscriptions × ${setup.deltaBytes}-byte delta\n`);
  console.log(
    `${results.size} of ${n} sets overlap the delta; together their intersections are ` +
      `${formatBytes(outBytes)}.\n`,
  );
  console.log("| contender | per delta (median) | per set | (a) is faster by | target |");
  console.log("| --- | ---: | ---: | ---: | --- |");
  console.log(`| (a) wasm \`Sieve.filter\` | ${ms(t.sieve)} | ${ms(t.sieve / n)} | — | — |`);
  console.log(
    `| (b) TS: \`JSON.parse\` once, filter + \`JSON.stringify\` per set | ${ms(t.ts)} | ` +
      `${ms(t.ts / n)} | ${vsTs.toFixed(2)}× | ${verdict(vsTs, TARGETS.ts)} |`,
  );
  console.log(
    `| (c) graphql-js \`executeSubscriptionEvent\` + \`JSON.stringify\` per subscriber | ` +
      `${ms(t.graphql)} | ${ms(t.graphql / n)} | ${vsGraphql.toFixed(2)}× | ` +
      `${verdict(vsGraphql, TARGETS.graphql)} |`,
  );
  setup.dispose();

  const m = measureMemory(setup.subscriptions);
  console.log(
    `\n## Memory per set (${m.sets} sets, mean document ${Math.round(m.meanQueryChars)} chars)\n`,
  );
  console.log("| what | bytes per set |");
  console.log("| --- | ---: |");
  console.log(`| wasm: parsed \`FieldSet\` | ${formatBytes(m.perParsedSet)} |`);
  console.log(`| wasm: held by a \`Sieve\` | ${formatBytes(m.perSieveSet)} |`);
  console.log(
    `| JS heap: compiled TS set (b) | ${
      m.perTsSet === undefined ? "run with `--v8-flags=--expose-gc`" : formatBytes(m.perTsSet)
    } |`,
  );
  console.log(
    `\nwasm linear memory at the end: ${formatBytes(m.wasmHeapBytes)}; ` +
      `left allocated after disposing everything: ${formatBytes(m.leakedBytes)}.`,
  );
}

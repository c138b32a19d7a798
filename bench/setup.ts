/**
 * The shared setup of the engine benchmark, so `engine_bench.ts`,
 * `report.ts` and `memory.ts` time and measure exactly the same things.
 * Everything here is untimed: parsing documents, compiling the TS sets,
 * validating the graphql-js subscribers, and filling the sieves.
 *
 * @module
 */
import type { ValidatedSubscriptionArgs } from "graphql";
import { parseSubscription, Sieve } from "../wasm/mod.ts";
import { type Fixture, makeFixture, type SubscriptionFixture } from "./fixtures.ts";
import { executeForAll, prepareSubscribers } from "./graphql_execute.ts";
import { buildBenchSchema } from "./schema.ts";
import { compileSubscription, TsSieve } from "./ts_filter.ts";

/** Everything the three contenders need, ready to run on the delta. */
export interface BenchSetup {
  /** Which workload this is. */
  readonly fixture: Fixture;
  /** The ~4 KB delta, as JSON text (what arrives from the scheduler). */
  readonly deltaJson: string;
  /** Its size in UTF-8 bytes. */
  readonly deltaBytes: number;
  /** The subscriptions, as clients sent them. */
  readonly subscriptions: readonly SubscriptionFixture[];
  /** (a) the engine's sieve holding every subscription. */
  readonly sieve: Sieve;
  /** (b) the pure-TS sieve holding every subscription, compiled. */
  readonly tsSieve: TsSieve;
  /** (c) each subscriber's validated graphql-js arguments. */
  readonly graphql: readonly ValidatedSubscriptionArgs[];
  /** Frees the engine's memory. */
  dispose(): void;
}

/**
 * Builds the benchmark's inputs and contenders for `fixture` (the first
 * `count` subscriptions of it, all 1,000 by default).
 *
 * @example
 * ```ts
 * import { setupBench } from "./setup.ts";
 * const bench = setupBench(undefined, "highOverlap");
 * console.assert(bench.sieve.filter(bench.deltaJson).size === bench.tsSieve.filter(bench.deltaJson).size);
 * bench.dispose();
 * ```
 */
export function setupBench(count?: number, fixture: Fixture = "mixed"): BenchSetup {
  const { deltaJson, subscriptions } = makeFixture(fixture, count);
  const sieve = new Sieve();
  const tsSieve = new TsSieve();
  for (const { query, variables } of subscriptions) {
    // The sieve copies the set in, so the parsed set is freed right away.
    using set = parseSubscription(query, variables);
    sieve.add(set);
    tsSieve.add(compileSubscription(query, variables));
  }
  return {
    fixture,
    deltaJson,
    deltaBytes: new TextEncoder().encode(deltaJson).length,
    subscriptions,
    sieve,
    tsSieve,
    graphql: prepareSubscribers(buildBenchSchema(), subscriptions),
    dispose: () => sieve.dispose(),
  };
}

/**
 * The three contenders as plain functions of the delta text, each doing one
 * full fan-out and returning how many messages it produced (so the work is
 * observable and cannot be optimised away).
 *
 * @example
 * ```ts
 * import { contenders, setupBench } from "./setup.ts";
 * const bench = setupBench(10);
 * const { sieve, ts, graphql } = contenders(bench);
 * console.assert(sieve() === ts() && graphql() === 10);
 * bench.dispose();
 * ```
 */
export function contenders(setup: BenchSetup): {
  sieve: () => number;
  ts: () => number;
  graphql: () => number;
} {
  const { deltaJson, sieve, tsSieve, graphql } = setup;
  return {
    sieve: () => sieve.filter(deltaJson).size,
    ts: () => tsSieve.filter(deltaJson).size,
    graphql: () => executeForAll(graphql, deltaJson).length,
  };
}

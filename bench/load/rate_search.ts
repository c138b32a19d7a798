/**
 * Finding the highest delta rate a server sustains: double the rate while
 * steps pass, halve it while they fail, then bisect (geometrically) between
 * the best pass and the lowest fail.
 *
 * @module
 */

/** A step's outcome as the search needs it. */
export interface Probe {
  /** Rate of the step. */
  readonly rate: number;
  /** Whether it met the targets. */
  readonly ok: boolean;
}

/** Options of {@linkcode searchRate}. */
export interface SearchOptions {
  /** The first rate to try. */
  readonly start: number;
  /** The highest rate to try. */
  readonly max: number;
  /** Bisection steps after the bracket is found. */
  readonly bisections: number;
}

/**
 * Searches the highest sustained rate by running `step` at chosen rates
 * (whole numbers ≥ 1). Returns the highest passing rate (0 when even 1/s
 * fails) and every probe in order; stops at `max` when it passes there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { searchRate } from "./rate_search.ts";
 * const { best, probes } = await searchRate(
 *   (rate) => Promise.resolve({ rate, ok: rate <= 70 }),
 *   { start: 10, max: 1000, bisections: 3 },
 * );
 * assert.equal(best, 68);
 * assert.deepEqual(probes.map((p) => p.rate), [10, 20, 40, 80, 57, 68, 74]);
 * ```
 */
export async function searchRate<P extends Probe>(
  step: (rate: number) => Promise<P>,
  options: SearchOptions,
): Promise<{ best: number; probes: P[] }> {
  const probes: P[] = [];
  const run = async (rate: number) => {
    const probe = await step(rate);
    probes.push(probe);
    return probe.ok;
  };
  let pass = 0;
  let fail = Infinity;
  let rate = Math.max(1, Math.round(options.start));
  if (await run(rate)) {
    pass = rate;
    while (pass < options.max) {
      rate = Math.min(options.max, pass * 2);
      if (await run(rate)) pass = rate;
      else {
        fail = rate;
        break;
      }
    }
  } else {
    fail = rate;
    while (fail > 1) {
      rate = Math.max(1, Math.floor(fail / 2));
      if (await run(rate)) {
        pass = rate;
        break;
      }
      fail = rate;
    }
  }
  for (let i = 0; i < options.bisections && pass > 0 && fail !== Infinity; i++) {
    const mid = Math.round(Math.sqrt(pass * fail));
    if (mid <= pass || mid >= fail) break;
    if (await run(mid)) pass = mid;
    else fail = mid;
  }
  return { best: pass, probes };
}

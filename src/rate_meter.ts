/**
 * A rate over a sliding window of whole seconds, for figures like deltas/s
 * on `GET /status`.
 *
 * @module
 */

/**
 * Counts events per second over the last `windowS` seconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RateMeter } from "./rate_meter.ts";
 * let now = 0;
 * const meter = new RateMeter(10, () => now);
 * meter.add(30);
 * now = 5_000;
 * meter.add(20);
 * assert.equal(meter.perSecond(), 5);
 * now = 12_000; // the first 30 left the window
 * assert.equal(meter.perSecond(), 2);
 * ```
 */
export class RateMeter {
  readonly #windowS: number;
  readonly #now: () => number;
  readonly #buckets: Float64Array;
  readonly #stamps: Float64Array;

  /** Creates a meter over `windowS` seconds reading time (ms) from `now`. */
  constructor(windowS = 10, now: () => number = Date.now) {
    this.#windowS = windowS;
    this.#now = now;
    this.#buckets = new Float64Array(windowS);
    this.#stamps = new Float64Array(windowS).fill(-1);
  }

  /** Records `count` events now. */
  add(count = 1): void {
    const second = Math.floor(this.#now() / 1000);
    const slot = second % this.#windowS;
    if (this.#stamps[slot] !== second) {
      this.#stamps[slot] = second;
      this.#buckets[slot] = 0;
    }
    this.#buckets[slot] += count;
  }

  /** Events per second over the window, rounded to two decimals. */
  perSecond(): number {
    const second = Math.floor(this.#now() / 1000);
    let total = 0;
    for (let slot = 0; slot < this.#windowS; slot++) {
      if (second - this.#stamps[slot] < this.#windowS) total += this.#buckets[slot];
    }
    return Math.round((total / this.#windowS) * 100) / 100;
  }
}

/**
 * A fixed-bucket latency histogram: 0.1 ms buckets up to 1 s, then 10 ms
 * buckets up to 61 s, so p50/p99 are exact to 0.1 ms where the targets live
 * (≤ 50 ms) and a histogram costs 64 KB whatever the number of frames.
 * Client workers fill one each; the load script merges them.
 *
 * @module
 */

const FINE = 10_000; // 0.1 ms buckets: [0, 1000) ms
const COARSE = 6_000; // 10 ms buckets: [1000, 61000) ms
/**
 * Number of buckets (the last one also takes everything above 61 s).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BUCKETS } from "./histogram.ts";
 * assert.equal(BUCKETS, 16_000);
 * ```
 */
export const BUCKETS = FINE + COARSE;

/**
 * The bucket of a latency in ms (negative latencies, from clock skew, land
 * in bucket 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bucketOf } from "./histogram.ts";
 * assert.equal(bucketOf(12.34), 123);
 * assert.equal(bucketOf(1005), 10_000);
 * ```
 */
export function bucketOf(ms: number): number {
  if (!(ms > 0)) return 0;
  if (ms < 1000) return Math.floor(ms * 10);
  return Math.min(BUCKETS - 1, FINE + Math.floor((ms - 1000) / 10));
}

/**
 * The upper edge of a bucket in ms: a percentile read from the histogram is
 * never below the true one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bucketUpperMs } from "./histogram.ts";
 * assert.equal(bucketUpperMs(123), 12.4);
 * ```
 */
export function bucketUpperMs(bucket: number): number {
  if (bucket < FINE) return Math.round(bucket + 1) / 10;
  return 1000 + (bucket - FINE + 1) * 10;
}

/**
 * Latencies of many frames, merged from every client worker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LatencyHistogram } from "./histogram.ts";
 * const h = new LatencyHistogram();
 * h.add(12.3);
 * assert.equal(h.percentile(0.99), 12.3);
 * ```
 */
export class LatencyHistogram {
  /** Frames per bucket. */
  readonly counts: Float64Array;
  /** Frames recorded. */
  total = 0;
  /** The largest latency recorded, exact. */
  max = 0;

  /**
   * An empty histogram, or one over `counts` received from a worker.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LatencyHistogram } from "./histogram.ts";
   * const h = new LatencyHistogram();
   * for (const ms of [1, 2, 3, 4, 100]) h.add(ms);
   * assert.equal(h.percentile(0.5), 3.1);
   * assert.equal(h.percentile(0.99), 100); // never above the largest latency seen
   * assert.equal(h.max, 100);
   * ```
   */
  constructor(counts?: Float64Array, max = 0) {
    this.counts = counts ?? new Float64Array(BUCKETS);
    if (this.counts.length !== BUCKETS) {
      throw new RangeError(`a histogram has ${BUCKETS} buckets, got ${this.counts.length}`);
    }
    for (const n of this.counts) this.total += n;
    this.max = max;
  }

  /**
   * Records one latency in ms.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LatencyHistogram } from "./histogram.ts";
   * const h = new LatencyHistogram();
   * h.add(7.5);
   * assert.equal(h.total, 1);
   * ```
   */
  add(ms: number): void {
    this.counts[bucketOf(ms)]++;
    this.total++;
    if (ms > this.max) this.max = ms;
  }

  /**
   * Adds another histogram's frames to this one.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LatencyHistogram } from "./histogram.ts";
   * const a = new LatencyHistogram();
   * const b = new LatencyHistogram();
   * a.add(1);
   * b.add(60);
   * a.merge(b);
   * assert.equal(a.total, 2);
   * assert.equal(a.max, 60);
   * ```
   */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += other.counts[i];
    this.total += other.total;
    if (other.max > this.max) this.max = other.max;
  }

  /**
   * The latency under which a fraction `p` of frames arrived (the bucket's
   * upper edge); `NaN` when empty.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LatencyHistogram } from "./histogram.ts";
   * assert(Number.isNaN(new LatencyHistogram().percentile(0.5)));
   * ```
   */
  percentile(p: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.min(this.total, Math.floor(p * this.total) + 1);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(bucketUpperMs(i), Math.max(this.max, 0.1));
    }
    return this.max;
  }
}

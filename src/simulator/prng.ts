/**
 * A small seeded pseudo-random generator (mulberry32), so a simulator run is
 * the same every time for the same seed.
 *
 * @module
 */

/**
 * Seeded pseudo-random numbers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Prng } from "./prng.ts";
 * const a = new Prng(7), b = new Prng(7);
 * assert.equal(a.next(), b.next());
 * assert(a.int(10) < 10);
 * ```
 */
export class Prng {
  #state: number;

  /**
   * Starts the sequence of `seed` (any integer; only its low 32 bits count).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Prng } from "./prng.ts";
   * assert.notEqual(new Prng(1).next(), new Prng(2).next());
   * ```
   */
  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new TypeError(`seed must be an integer, got ${seed}`);
    this.#state = seed >>> 0;
  }

  /**
   * The next number in [0, 1).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Prng } from "./prng.ts";
   * const x = new Prng(3).next();
   * assert(x >= 0 && x < 1);
   * ```
   */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * An integer in [0, n).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Prng } from "./prng.ts";
   * const n = new Prng(3).int(6);
   * assert(Number.isInteger(n) && n >= 0 && n < 6);
   * ```
   */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /**
   * A number in [min, max].
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Prng } from "./prng.ts";
   * const ms = new Prng(3).between(1000, 2000);
   * assert(ms >= 1000 && ms <= 2000);
   * ```
   */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /**
   * `true` with probability `p`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Prng } from "./prng.ts";
   * assert.equal(new Prng(3).chance(0), false);
   * assert.equal(new Prng(3).chance(1), true);
   * ```
   */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /**
   * One element of a non-empty array.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Prng } from "./prng.ts";
   * assert(["a", "b"].includes(new Prng(3).pick(["a", "b"])));
   * ```
   */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick needs at least one item, got none");
    return items[this.int(items.length)];
  }
}

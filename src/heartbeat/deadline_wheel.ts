/**
 * A hashed timer wheel of deadlines: the structure the heartbeat monitor
 * keeps its tracked items in.
 *
 * Each item sits in the slot of its deadline (slot width = the granularity)
 * in an intrusive doubly linked list, so moving an item when a heartbeat
 * arrives, and removing it, are O(1). {@linkcode DeadlineWheel.expire}
 * visits only the slots the clock passed since the last call and takes the
 * items whose deadline is before `now`: O(slots passed + items due), not a
 * scan of every item (Metaflow's monitor scans every item every tick).
 *
 * Deadlines further ahead than one turn of the wheel stay in their slot and
 * are skipped when their turn comes early, so any deadline works; the wheel
 * is sized to span the heartbeat window, so that is rare.
 *
 * @module
 */

/** The most slots a wheel has; coarser slots beyond that. */
const MAX_SLOTS = 1 << 16;

/** Slots a wheel aims for over its span. */
const TARGET_SLOTS = 1024;

interface Node<V> {
  key: string;
  value: V;
  deadline: number;
  slot: number;
  prev: Node<V> | null;
  next: Node<V> | null;
}

/** An item taken off the wheel by {@linkcode DeadlineWheel.expire}. */
export interface DueEntry<V> {
  /** Its key. */
  readonly key: string;
  /** Its value. */
  readonly value: V;
  /** Its deadline, which `now` passed. */
  readonly deadline: number;
}

/** Options of a {@linkcode DeadlineWheel}. */
export interface DeadlineWheelOptions {
  /**
   * The usual distance of deadlines from now, in ms (the heartbeat interval
   * plus buffer): the wheel makes one turn over at least this span.
   */
  readonly spanMs: number;
  /** Slot width in ms; default `spanMs / 1024`, at least 1. */
  readonly granularityMs?: number;
}

/**
 * Deadlines keyed by string, each with a value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DeadlineWheel } from "./deadline_wheel.ts";
 * const wheel = new DeadlineWheel<string>({ spanMs: 90_000 });
 * wheel.set("a", 1_000, "job a");
 * wheel.set("b", 5_000, "job b");
 * assert.deepEqual(wheel.expire(1_000), []); // due only once now > deadline
 * assert.deepEqual(wheel.expire(1_001), [{ key: "a", value: "job a", deadline: 1_000 }]);
 * assert.equal(wheel.size, 1);
 * ```
 */
export class DeadlineWheel<V> {
  readonly #granularity: number;
  readonly #slots: (Node<V> | null)[];
  readonly #nodes = new Map<string, Node<V>>();
  // The absolute slot number (deadline / granularity) the last expire reached;
  // -Infinity before the first, so that call visits every slot once.
  #cursor = -Infinity;

  /**
   * Creates an empty wheel.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DeadlineWheel } from "./deadline_wheel.ts";
   * const wheel = new DeadlineWheel({ spanMs: 60_000, granularityMs: 100 });
   * assert.equal(wheel.granularityMs, 100);
   * assert.equal(wheel.slotCount, 2048); // two spans of 600 slots, rounded up to a power of two
   * ```
   */
  constructor(options: DeadlineWheelOptions) {
    const { spanMs } = options;
    if (!Number.isFinite(spanMs) || spanMs <= 0) {
      throw new RangeError(`spanMs must be a positive number of ms, got ${spanMs}`);
    }
    const granularity = options.granularityMs ?? Math.max(1, Math.ceil(spanMs / TARGET_SLOTS));
    if (!Number.isFinite(granularity) || granularity <= 0) {
      throw new RangeError(`granularityMs must be a positive number of ms, got ${granularity}`);
    }
    // Two spans per turn: a deadline up to one span ahead then never shares
    // a slot with the ones an expire call passes over, as long as expire is
    // called at least once a span.
    let count = 2;
    while (count < 2 * Math.ceil(spanMs / granularity) + 2 && count < MAX_SLOTS) count *= 2;
    this.#granularity = granularity;
    this.#slots = new Array(count).fill(null);
  }

  /**
   * Slot width in ms.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DeadlineWheel } from "./deadline_wheel.ts";
   * assert.equal(new DeadlineWheel({ spanMs: 90_000 }).granularityMs, 88);
   * ```
   */
  get granularityMs(): number {
    return this.#granularity;
  }

  /**
   * Number of slots (a power of two).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DeadlineWheel } from "./deadline_wheel.ts";
   * assert.equal(new DeadlineWheel({ spanMs: 90_000 }).slotCount, 2048);
   * ```
   */
  get slotCount(): number {
    return this.#slots.length;
  }

  /**
   * Number of items.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DeadlineWheel } from "./deadline_wheel.ts";
   * const wheel = new DeadlineWheel<null>({ spanMs: 1000 });
   * wheel.set("a", 5, null);
   * assert.equal(wheel.size, 1);
   * ```
   */
  get size(): number {
    return this.#nodes.size;
  }

  /**
   * The value of `key`, or `undefined`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DeadlineWheel } from "./deadline_wheel.ts";
   * const wheel = new DeadlineWheel<number>({ spanMs: 1000 });
   * wheel.set("a", 5, 42);
   * assert.equal(wheel.get("a"), 42);
   * assert.equal(wheel.get("b"), undefined);
   * ```
   */
  get(key: string): V | undefined {
    return this.#nodes.get(key)?.value;
  }

  /**
   * The deadline of `key`, or `undefined`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DeadlineWheel } from "./deadline_wheel.ts";
   * const wheel = new DeadlineWheel<null>({ spanMs: 1000 });
   * wheel.set("a", 5, null);
   * assert.equal(wheel.deadline("a"), 5);
   * ```
   */
  deadline(key: string): number | undefined {
    return this.#nodes.get(key)?.deadline;
  }

  /**
   * Sets (inserts or moves) `key` to `deadline` with `value`. O(1).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DeadlineWheel } from "./deadline_wheel.ts";
   * const wheel = new DeadlineWheel<string>({ spanMs: 1000 });
   * wheel.set("a", 10, "x");
   * wheel.set("a", 500, "x"); // a heartbeat pushed it back
   * assert.deepEqual(wheel.expire(100), []);
   * assert.deepEqual(wheel.expire(501).map((due) => due.value), ["x"]);
   * ```
   */
  set(key: string, deadline: number, value: V): void {
    if (Number.isNaN(deadline)) {
      throw new RangeError(`the deadline of ${JSON.stringify(key)} must be a number, got NaN`);
    }
    let node = this.#nodes.get(key);
    if (node === undefined) {
      node = { key, value, deadline, slot: 0, prev: null, next: null };
      this.#nodes.set(key, node);
    } else {
      this.#unlink(node);
      node.value = value;
      node.deadline = deadline;
    }
    this.#link(node);
  }

  #link(node: Node<V>): void {
    // A deadline already passed goes in the cursor's slot, which the next
    // expire visits first.
    const tick = Math.max(Math.floor(node.deadline / this.#granularity), this.#cursor);
    const slot = Number.isFinite(tick) ? positiveModulo(tick, this.#slots.length) : 0;
    node.slot = slot;
    const head = this.#slots[slot];
    node.next = head;
    if (head !== null) head.prev = node;
    this.#slots[slot] = node;
  }

  /**
   * Moves `key` to `deadline` if that is later than its deadline now;
   * returns `false` when `key` is not on the wheel. O(1), one map lookup:
   * the heartbeat path.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DeadlineWheel } from "./deadline_wheel.ts";
   * const wheel = new DeadlineWheel<null>({ spanMs: 1000 });
   * wheel.set("a", 100, null);
   * assert.equal(wheel.postpone("a", 300), true);
   * assert.equal(wheel.postpone("a", 200), true); // earlier: kept at 300
   * assert.equal(wheel.deadline("a"), 300);
   * assert.equal(wheel.postpone("b", 300), false);
   * ```
   */
  postpone(key: string, deadline: number): boolean {
    const node = this.#nodes.get(key);
    if (node === undefined) return false;
    if (deadline > node.deadline) {
      this.#unlink(node);
      node.deadline = deadline;
      this.#link(node);
    }
    return true;
  }

  /**
   * Removes `key`; returns whether it was there. O(1).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DeadlineWheel } from "./deadline_wheel.ts";
   * const wheel = new DeadlineWheel<null>({ spanMs: 1000 });
   * wheel.set("a", 5, null);
   * assert.equal(wheel.delete("a"), true);
   * assert.equal(wheel.delete("a"), false);
   * ```
   */
  delete(key: string): boolean {
    const node = this.#nodes.get(key);
    if (node === undefined) return false;
    this.#unlink(node);
    this.#nodes.delete(key);
    return true;
  }

  /**
   * Removes and returns every item whose deadline is before `now`
   * (`now > deadline`), in no particular order. Costs O(slots passed
   * since the last call + items looked at in them); a clock that went back
   * only revisits the current slot.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DeadlineWheel } from "./deadline_wheel.ts";
   * const wheel = new DeadlineWheel<string>({ spanMs: 1000, granularityMs: 10 });
   * for (const [key, deadline] of [["a", 100], ["b", 200], ["c", 300]] as const) {
   *   wheel.set(key, deadline, key);
   * }
   * assert.deepEqual(wheel.expire(250).map((due) => due.key).sort(), ["a", "b"]);
   * assert.deepEqual(wheel.expire(250), []);
   * ```
   */
  expire(now: number): DueEntry<V>[] {
    const out: DueEntry<V>[] = [];
    const target = Math.floor(now / this.#granularity);
    const count = this.#slots.length;
    if (this.#cursor === -Infinity) {
      for (let slot = 0; slot < count; slot++) this.#collect(slot, now, out);
    } else if (target <= this.#cursor) {
      this.#collect(positiveModulo(this.#cursor, count), now, out);
      return out;
    } else {
      // More than a turn passed: every slot once is enough.
      const steps = Math.min(target - this.#cursor, count - 1);
      for (let i = 0; i <= steps; i++) {
        this.#collect(positiveModulo(this.#cursor + i, count), now, out);
      }
    }
    this.#cursor = target;
    return out;
  }

  #collect(slot: number, now: number, out: DueEntry<V>[]): void {
    let node = this.#slots[slot];
    while (node !== null) {
      const next: Node<V> | null = node.next;
      if (node.deadline < now) {
        this.#unlink(node);
        this.#nodes.delete(node.key);
        out.push({ key: node.key, value: node.value, deadline: node.deadline });
      }
      node = next;
    }
  }

  #unlink(node: Node<V>): void {
    if (node.prev !== null) node.prev.next = node.next;
    else this.#slots[node.slot] = node.next;
    if (node.next !== null) node.next.prev = node.prev;
    node.prev = null;
    node.next = null;
  }
}

function positiveModulo(n: number, m: number): number {
  const r = n % m;
  return r < 0 ? r + m : r;
}

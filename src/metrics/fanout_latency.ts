/**
 * Fan-out latency: from an event's commit to the moment its frames were
 * handed to the subscribers' sockets (`WebSocket.send`), observed once per
 * event that produced at least one frame.
 *
 * Where the commit time comes from (the `origin` label):
 * - `local`: deltas this process ingested. `POST /api/deltas` records the
 *   monotonic time at which its transaction committed, keyed by seq; the
 *   feed's delivery takes it. Exact, and immune to clock steps.
 * - `log`: every other event (another instance, heartbeats, the monitor's
 *   marks, SQL written by a scheduler): the event log's `at`, the database
 *   clock when the transaction took its seq (a little before its commit).
 *   This compares the database's wall clock with this process's, so on a
 *   remote PostgreSQL it includes their skew (negative values count as 0).
 *
 * @module
 */
import type { Histogram } from "prom-client";

/** The event fields the latency needs. */
export interface TimedEvent {
  /** The event's seq. */
  readonly seq: number;
  /** The event log's time of the event, ISO 8601. */
  readonly at: string;
}

/** Clocks, injectable for tests. */
export interface LatencyClocks {
  /** Monotonic ms (default `performance.now`). */
  readonly now?: () => number;
  /** Wall-clock ms since the epoch (default `Date.now`). */
  readonly wallNow?: () => number;
  /** Commit times kept for events not yet delivered (default 10,000; oldest dropped first). */
  readonly capacity?: number;
}

/** Histogram buckets, in seconds: 1 ms to 10 s. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/**
 * Feeds the fan-out latency histogram (label `origin`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Histogram, Registry } from "prom-client";
 * import { FanoutLatency, LATENCY_BUCKETS } from "./fanout_latency.ts";
 * const registry = new Registry();
 * const histogram = new Histogram({
 *   name: "lat_seconds", help: "x", labelNames: ["origin"],
 *   buckets: [...LATENCY_BUCKETS], registers: [registry],
 * });
 * let now = 1000;
 * const latency = new FanoutLatency(histogram, { now: () => now });
 * latency.committed(7);
 * now += 12;
 * latency.published({ seq: 7, at: "2026-01-01T00:00:00Z" }, 3);
 * assert.match(await registry.metrics(), /lat_seconds_sum\{origin="local"\} 0\.012/);
 * ```
 */
export class FanoutLatency {
  readonly #local: ReturnType<Histogram<"origin">["labels"]>;
  readonly #log: ReturnType<Histogram<"origin">["labels"]>;
  readonly #now: () => number;
  readonly #wallNow: () => number;
  readonly #capacity: number;
  readonly #commits = new Map<number, number>();

  /** Observes into `histogram`, which must have the label `origin`. */
  constructor(histogram: Histogram<"origin">, clocks: LatencyClocks = {}) {
    this.#local = histogram.labels({ origin: "local" });
    this.#log = histogram.labels({ origin: "log" });
    this.#now = clocks.now ?? (() => performance.now());
    this.#wallNow = clocks.wallNow ?? Date.now;
    this.#capacity = clocks.capacity ?? 10_000;
  }

  /** Commit times waiting for their event (bounded by the capacity). */
  get pending(): number {
    return this.#commits.size;
  }

  /** Records that this process committed `seq` now. */
  committed(seq: number): void {
    // A Map iterates in insertion order: the first key is the oldest.
    if (this.#commits.size >= this.#capacity) {
      this.#commits.delete(this.#commits.keys().next().value!);
    }
    this.#commits.set(seq, this.#now());
  }

  /** The event's frames (`frames` of them) were just written; observes when there were any. */
  published(event: TimedEvent, frames: number): void {
    const committedAt = this.#commits.get(event.seq);
    if (committedAt !== undefined) this.#commits.delete(event.seq);
    if (frames === 0) return;
    if (committedAt !== undefined) {
      this.#local.observe(Math.max(0, this.#now() - committedAt) / 1000);
      return;
    }
    const at = Date.parse(event.at);
    if (Number.isNaN(at)) return;
    this.#log.observe(Math.max(0, this.#wallNow() - at) / 1000);
  }
}

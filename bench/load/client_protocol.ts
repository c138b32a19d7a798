/**
 * Messages between the load script and its client workers, and the frame
 * format both sides agree on: each delta sets the touched tasks' status to
 * `s<index>:<epoch ms when its POST started>`, so a client reads the delta's
 * index and its latency from the frame alone, whichever server sent it and
 * whichever thread receives it.
 *
 * @module
 */

/** One client to open: its global index, the server URL and its subscription. */
export interface ClientSpec {
  /** Index over all clients of the run. */
  readonly index: number;
  /** `ws://host:port/graphql`. */
  readonly url: string;
  /** The subscription document. */
  readonly query: string;
}

/** From the load script to a worker. */
export type ToWorker =
  | { readonly type: "open"; readonly clients: readonly ClientSpec[] }
  | { readonly type: "reset"; readonly firstDelta: number }
  | { readonly type: "report" }
  | { readonly type: "close" };

/** What a worker counted since the last reset, per client in the order opened. */
export interface WorkerReport {
  readonly type: "report";
  /** Delta frames received (snapshots not counted). */
  readonly frames: number;
  /** Delta frames per client. */
  readonly counts: Int32Array;
  /** Sum of the delta indexes each client received (checks which deltas, not only how many). */
  readonly sums: Float64Array;
  /** Latency histogram counts (see `histogram.ts`). */
  readonly histogram: Float64Array;
  /** Largest latency, ms. */
  readonly maxMs: number;
  /** Frames of deltas from before the reset (late arrivals). */
  readonly stale: number;
  /** Frames that carried no delta status (unexpected). */
  readonly other: number;
}

/** From a worker to the load script. */
export type FromWorker =
  | { readonly type: "ready"; readonly opened: number }
  | WorkerReport
  | {
    readonly type: "unexpected-close";
    readonly index: number;
    readonly code: number;
    readonly reason: string;
  }
  | { readonly type: "closed" };

/**
 * The status a delta gives the tasks it touches.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deltaStatus, readDeltaStatus } from "./client_protocol.ts";
 * const text = `{"status":"${deltaStatus(7, 1700000000123.5)}"}`;
 * assert.deepEqual(readDeltaStatus(text), { index: 7, sentAt: 1700000000123.5 });
 * ```
 */
export function deltaStatus(index: number, sentAtEpochMs: number): string {
  return `s${index}:${sentAtEpochMs.toFixed(3)}`;
}

const STATUS = /"status":"s(\d+):(\d+(?:\.\d+)?)"/;

/**
 * Reads a delta status out of a frame's text; `undefined` when there is none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readDeltaStatus } from "./client_protocol.ts";
 * assert.equal(readDeltaStatus('{"status":"waiting"}'), undefined);
 * ```
 */
export function readDeltaStatus(text: string): { index: number; sentAt: number } | undefined {
  const match = STATUS.exec(text);
  return match ? { index: Number(match[1]), sentAt: Number(match[2]) } : undefined;
}

/**
 * Milliseconds since the epoch with sub-millisecond precision, comparable
 * between threads and processes of one machine.
 *
 * @example
 * ```ts
 * import { epochMs } from "./client_protocol.ts";
 * console.assert(Math.abs(epochMs() - Date.now()) < 1000);
 * ```
 */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

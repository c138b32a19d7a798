/**
 * Runs the steps of a graceful drain one after another under one time
 * bound. A step that fails is logged and the drain goes on (a database that
 * is down must not keep the sockets open). When the bound passes first, the
 * drain reports what was cut short and calls `onTimeout` (the server closes
 * the sockets then, so clients reconnect elsewhere at once); the remaining
 * steps still run in the background, and `finished` settles when they end.
 *
 * @module
 */
import type { Logger } from "../log.ts";

/** One step of a drain. */
export interface DrainStep {
  /** What the step does, for logs and the report ("event feed caught up"). */
  readonly name: string;
  /** Does it. */
  run(): Promise<void> | void;
  /** What is still pending, when the bound cuts the step short ("2 ingest requests in flight"). */
  pending?(): string;
}

/** How a drain went. */
export interface DrainReport {
  /** Every step ran, within the bound, and none failed. */
  readonly completed: boolean;
  /** The bound passed before the last step ended. */
  readonly timedOut: boolean;
  /** Time taken until this report, in ms. */
  readonly ms: number;
  /** Steps that threw, with the error's message. */
  readonly failed: readonly { readonly step: string; readonly error: string }[];
  /** Steps not finished when the bound passed (the running one with its `pending()` detail). */
  readonly cutShort: readonly string[];
}

/** Timers and clock of a drain; injectable so tests decide when the bound passes. */
export interface DrainClock {
  /** Calls `fn` once after `ms`; returns a handle. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels it. */
  clearTimeout(handle: unknown): void;
  /** Monotonic ms. */
  now(): number;
}

/** The real clock. */
export const SYSTEM_DRAIN_CLOCK: DrainClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
  now: () => performance.now(),
};

/** Options of {@linkcode runDrain}. */
export interface DrainOptions {
  /** The bound, in ms. */
  readonly timeoutMs: number;
  /** Where steps, failures and the outcome are logged. */
  readonly log: Logger;
  /** Called once if the bound passes before the steps end. */
  readonly onTimeout?: () => void;
  /** Timers (default: the real ones). */
  readonly clock?: DrainClock;
}

/** A drain under way. */
export interface RunningDrain {
  /** Settles when every step ended, or when the bound passed, whichever is first. */
  readonly report: Promise<DrainReport>;
  /** Settles when every step ended (after the bound, if it passed). Never rejects. */
  readonly finished: Promise<void>;
}

/**
 * Starts running `steps` in order under `options.timeoutMs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { silentLogger } from "../log.ts";
 * import { runDrain } from "./run_drain.ts";
 * const done: string[] = [];
 * const { report } = runDrain([
 *   { name: "a", run: () => void done.push("a") },
 *   { name: "b", run: () => { throw new Error("b broke"); } },
 *   { name: "c", run: async () => void done.push("c") },
 * ], { timeoutMs: 1000, log: silentLogger });
 * const result = await report;
 * assert.deepEqual(done, ["a", "c"]);
 * assert.deepEqual(result.failed, [{ step: "b", error: "b broke" }]);
 * assert.equal(result.completed, false);
 * assert.equal(result.timedOut, false);
 * ```
 */
export function runDrain(steps: readonly DrainStep[], options: DrainOptions): RunningDrain {
  const clock = options.clock ?? SYSTEM_DRAIN_CLOCK;
  const { log } = options;
  const started = clock.now();
  const failed: { step: string; error: string }[] = [];
  let current = 0;
  let timedOut = false;
  const report = Promise.withResolvers<DrainReport>();
  const snapshot = (cutShort: string[]): DrainReport => ({
    completed: !timedOut && failed.length === 0,
    timedOut,
    ms: Math.round(clock.now() - started),
    failed: [...failed],
    cutShort,
  });
  const timer = clock.setTimeout(() => {
    timedOut = true;
    const cutShort = steps.slice(current).map((step, i) => {
      const detail = i === 0 ? step.pending?.() : undefined;
      return detail ? `${step.name} (${detail})` : step.name;
    });
    log.error("drain timed out: exiting with work cut short", {
      timeoutMs: options.timeoutMs,
      cutShort,
    });
    try {
      options.onTimeout?.();
    } catch (error) {
      log.error("drain: the timeout action failed", { error });
    }
    report.resolve(snapshot(cutShort));
  }, options.timeoutMs);
  const finished = (async () => {
    for (; current < steps.length; current++) {
      const step = steps[current];
      const stepStarted = clock.now();
      try {
        await step.run();
        log.debug("drain step done", {
          step: step.name,
          ms: Math.round(clock.now() - stepStarted),
        });
      } catch (error) {
        failed.push({ step: step.name, error: (error as Error)?.message ?? String(error) });
        log.error("drain step failed; going on", { step: step.name, error });
      }
    }
    clock.clearTimeout(timer);
    report.resolve(snapshot([]));
  })();
  return { report: report.promise, finished };
}

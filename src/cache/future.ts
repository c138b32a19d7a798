/**
 * `CacheFuture`: the awaitable a cache action returns. It settles with the
 * action's value (from disk on a hit, after the server's `done` on a miss)
 * or rejects with a CacheTimeoutError / CacheServerError / CacheActionError.
 * Long actions also stream progress, readable with {@linkcode CacheFuture.events}.
 *
 * @module
 */

/** A progress event or the final value, as yielded by {@linkcode CacheFuture.events}. */
export type CacheEvent<T> =
  | { readonly type: "progress"; readonly fraction: number; readonly detail?: string }
  | { readonly type: "result"; readonly value: T; readonly hit: boolean };

/** How the client drives a future. */
export interface FutureControl<T> {
  /**
   * Settles with `value`; `hit` says it came from disk without a request;
   * `actionMs` is the action's own run time in its worker (misses only).
   */
  resolve(value: T, hit: boolean, actionMs?: number): void;
  /** Settles with an error. */
  reject(error: unknown): void;
  /** Adds a progress event. */
  progress(fraction: number, detail?: string): void;
  /** Registers what {@linkcode CacheFuture.cancel} does. */
  onCancel(cancel: (reason: string) => void): void;
  /** Whether the future has settled. */
  readonly settled: boolean;
}

/** Progress events kept for a late reader of `events()`. */
const MAX_BUFFERED_EVENTS = 1000;

/**
 * An awaitable cache result with progress.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CacheFuture } from "./future.ts";
 * const future = new CacheFuture<number>((control) => {
 *   control.progress(0.5);
 *   control.resolve(42, false);
 * });
 * assert(await future === 42 && future.hit === false);
 * const events = [];
 * for await (const event of future.events()) events.push(event.type);
 * assert.deepEqual(events, ["progress", "result"]);
 * ```
 */
export class CacheFuture<T> implements PromiseLike<T> {
  readonly #promise: Promise<T>;
  #resolve!: (value: T) => void;
  #reject!: (error: unknown) => void;
  #settled = false;
  #hit: boolean | undefined;
  #actionMs: number | undefined;
  #value: T | undefined;
  #error: unknown;
  #failed = false;
  readonly #events: CacheEvent<T>[] = [];
  #dropped = 0;
  #wake: (() => void)[] = [];
  #cancel: ((reason: string) => void) | undefined;

  /** `start` receives the control and begins the work (like a Promise executor). */
  constructor(start: (control: FutureControl<T>) => void) {
    this.#promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Readers of events() alone must not see an unhandled rejection.
    this.#promise.catch(() => {});
    // deno-lint-ignore no-this-alias
    const future = this;
    const control: FutureControl<T> = {
      resolve(value, hit, actionMs) {
        if (future.#settled) return;
        future.#settled = true;
        future.#hit = hit;
        future.#actionMs = actionMs;
        future.#value = value;
        future.#resolve(value);
        future.#notify();
      },
      reject(error) {
        if (future.#settled) return;
        future.#settled = true;
        future.#failed = true;
        future.#error = error;
        future.#reject(error);
        future.#notify();
      },
      progress(fraction, detail) {
        if (future.#settled) return;
        if (future.#events.length === MAX_BUFFERED_EVENTS) {
          future.#events.shift();
          future.#dropped++;
        }
        future.#events.push({ type: "progress", fraction, detail });
        future.#notify();
      },
      onCancel(cancel) {
        future.#cancel = cancel;
      },
      get settled() {
        return future.#settled;
      },
    };
    try {
      start(control);
    } catch (error) {
      control.reject(error);
    }
  }

  /** `true` when the value came from disk without a request; `undefined` until settled. */
  get hit(): boolean | undefined {
    return this.#hit;
  }

  /** The action's own run time in its worker, in ms (a miss that ran a worker), else `undefined`. */
  get actionMs(): number | undefined {
    return this.#actionMs;
  }

  /** Whether the future has settled. */
  get settled(): boolean {
    return this.#settled;
  }

  /** Promise protocol: the value or the error. */
  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#promise.then(onFulfilled, onRejected);
  }

  /** Promise protocol: handles the error. */
  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.#promise.catch(onRejected);
  }

  /** Promise protocol: runs `onFinally` when settled. */
  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.#promise.finally(onFinally);
  }

  /**
   * Stops waiting: the future rejects (with a CacheServerError saying it was
   * cancelled) and the server drops the request unless others wait for it.
   */
  cancel(reason = "cancelled by the caller"): void {
    if (this.#settled) return;
    this.#cancel?.(reason);
  }

  /**
   * Yields progress events (from the first, unless more than 1000 came
   * before reading started) and then the result; throws the error if the
   * future rejects. Stopping the iteration early does not cancel the future.
   */
  async *events(): AsyncGenerator<CacheEvent<T>> {
    let next = 0;
    while (true) {
      const offset = next - this.#dropped;
      if (offset < this.#events.length) {
        yield this.#events[Math.max(0, offset)];
        next = Math.max(next, this.#dropped) + 1;
        continue;
      }
      if (this.#settled) {
        if (this.#failed) throw this.#error;
        yield { type: "result", value: this.#value as T, hit: this.#hit === true };
        return;
      }
      await new Promise<void>((resolve) => this.#wake.push(resolve));
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const resolve of wake) resolve();
  }
}

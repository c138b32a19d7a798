/**
 * The gate in front of work a drain must not cut in half: while open it
 * counts requests in flight; once closed it refuses new ones, and
 * {@linkcode RequestGate.idle} resolves when the last one in flight is done.
 *
 * @module
 */

/**
 * Counts in-flight requests and refuses new ones once closed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RequestGate } from "./request_gate.ts";
 * const gate = new RequestGate();
 * assert(gate.enter());
 * gate.close();
 * assert(!gate.enter()); // refused: draining
 * let idle = false;
 * const done = gate.idle().then(() => idle = true);
 * await Promise.resolve();
 * assert(!idle && gate.inFlight === 1);
 * gate.leave();
 * await done;
 * assert(idle);
 * ```
 */
export class RequestGate {
  #inFlight = 0;
  #closed = false;
  #idle: PromiseWithResolvers<void> | undefined;

  /** Requests entered and not yet left. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Whether the gate refuses new requests (the server drains). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Lets a request in and counts it; `false` (not counted) once closed. */
  enter(): boolean {
    if (this.#closed) return false;
    this.#inFlight++;
    return true;
  }

  /** A request let in by {@linkcode RequestGate.enter} is done (answered or failed). */
  leave(): void {
    if (this.#inFlight === 0) {
      throw new RangeError("RequestGate.leave() without a matching enter()");
    }
    this.#inFlight--;
    if (this.#inFlight === 0) this.#idle?.resolve();
  }

  /** Refuses every later request. Idempotent. */
  close(): void {
    this.#closed = true;
  }

  /** Resolves once no request is in flight (at once when none is). */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    this.#idle ??= Promise.withResolvers<void>();
    const idle = this.#idle;
    return idle.promise.finally(() => {
      if (this.#idle === idle) this.#idle = undefined;
    });
  }
}

/**
 * A small typed event bus: named events with one payload type each, handlers
 * called synchronously in subscription order.
 *
 * It plays the role PyEE plays in Metaflow's UI service: the event-log
 * consumer emits, the heartbeat monitor (and whoever else cares) listens,
 * and neither knows the other.
 *
 * @module
 */

/** A handler of one event's payload. */
export type Handler<P> = (payload: P) => void;

/** Called with a handler's error, so that one failing handler cannot stop the others. */
export type BusErrorHandler = (error: unknown, event: string) => void;

/**
 * A typed event bus. `Events` maps each event name to its payload type.
 *
 * Handlers run synchronously inside {@linkcode EventBus.emit}, in the order
 * they subscribed; a handler that needs to do I/O starts it and returns. A
 * handler that throws does not stop the handlers after it: its error goes to
 * `onError` (by default: rethrown after every handler ran, as an
 * `AggregateError` when more than one failed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventBus } from "./bus.ts";
 * const bus = new EventBus<{ ping: { n: number } }>();
 * const seen: number[] = [];
 * const off = bus.on("ping", ({ n }) => seen.push(n));
 * bus.emit("ping", { n: 1 });
 * off();
 * bus.emit("ping", { n: 2 });
 * assert.deepEqual(seen, [1]);
 * ```
 */
export class EventBus<Events extends { [name: string]: unknown }> {
  // A copy-on-write array per event: emitting while a handler subscribes or
  // unsubscribes sees the list as it was when the emit began.
  #handlers = new Map<keyof Events, Handler<never>[]>();
  #onError: BusErrorHandler | undefined;

  /**
   * Creates a bus; `onError` receives handler errors instead of `emit`
   * rethrowing them.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EventBus } from "./bus.ts";
   * const errors: string[] = [];
   * const bus = new EventBus<{ e: null }>((error, event) => errors.push(`${event}: ${error}`));
   * bus.on("e", () => { throw new Error("boom"); });
   * bus.emit("e", null);
   * assert.deepEqual(errors, ["e: Error: boom"]);
   * ```
   */
  constructor(onError?: BusErrorHandler) {
    this.#onError = onError;
  }

  /**
   * Subscribes `handler` to `event`; returns a function that unsubscribes it
   * (calling it twice is harmless).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EventBus } from "./bus.ts";
   * const bus = new EventBus<{ tick: number }>();
   * let sum = 0;
   * const off = bus.on("tick", (n) => sum += n);
   * bus.emit("tick", 2);
   * off();
   * off();
   * bus.emit("tick", 3);
   * assert.equal(sum, 2);
   * ```
   */
  on<K extends keyof Events>(event: K, handler: Handler<Events[K]>): () => void {
    const list = (this.#handlers.get(event) ?? []) as Handler<Events[K]>[];
    this.#handlers.set(event, [...list, handler] as Handler<never>[]);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const current = (this.#handlers.get(event) ?? []) as Handler<Events[K]>[];
      const index = current.indexOf(handler);
      if (index < 0) return;
      const next = [...current.slice(0, index), ...current.slice(index + 1)];
      if (next.length === 0) this.#handlers.delete(event);
      else this.#handlers.set(event, next as Handler<never>[]);
    };
  }

  /**
   * Calls every handler of `event` with `payload`; returns how many ran.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EventBus } from "./bus.ts";
   * const bus = new EventBus<{ a: string; b: number }>();
   * bus.on("a", () => {});
   * assert.equal(bus.emit("a", "x"), 1);
   * assert.equal(bus.emit("b", 1), 0);
   * ```
   */
  emit<K extends keyof Events>(event: K, payload: Events[K]): number {
    const list = this.#handlers.get(event) as Handler<Events[K]>[] | undefined;
    if (list === undefined) return 0;
    const errors: unknown[] = [];
    for (const handler of list) {
      try {
        handler(payload);
      } catch (error) {
        if (this.#onError) this.#onError(error, String(event));
        else errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      throw new AggregateError(
        errors,
        `${errors.length} handlers of ${JSON.stringify(String(event))} threw`,
      );
    }
    return list.length;
  }

  /**
   * How many handlers `event` has.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EventBus } from "./bus.ts";
   * const bus = new EventBus<{ a: null }>();
   * bus.on("a", () => {});
   * assert.equal(bus.listenerCount("a"), 1);
   * ```
   */
  listenerCount<K extends keyof Events>(event: K): number {
    return this.#handlers.get(event)?.length ?? 0;
  }
}

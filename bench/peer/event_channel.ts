/**
 * The peer's publish/subscribe: every published event goes into every
 * subscriber's own queue, and each subscriber's async iterator hands them
 * out one by one (what graphql-subscriptions' `PubSub`, or cylc-uiserver's
 * per-subscription queue, does). graphql-js `subscribe` uses one iterator
 * per subscription as its source stream.
 *
 * @module
 */

/**
 * A channel of events of type `T`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventChannel } from "./event_channel.ts";
 * const channel = new EventChannel<number>();
 * const events = channel.subscribe();
 * channel.publish(1);
 * channel.publish(2);
 * assert.deepEqual(await events.next(), { value: 1, done: false });
 * assert.deepEqual(await events.next(), { value: 2, done: false });
 * await events.return!();
 * assert.equal(channel.size, 0);
 * ```
 */
export class EventChannel<T> {
  readonly #subscribers = new Set<(event: T) => void>();

  /** Subscribers now. */
  get size(): number {
    return this.#subscribers.size;
  }

  /** Queues `event` for every subscriber. */
  publish(event: T): void {
    for (const push of this.#subscribers) push(event);
  }

  /**
   * A new subscriber: an iterator of every event published from now on,
   * after `first` when given. `return()` unsubscribes.
   */
  subscribe(first?: T): AsyncIterableIterator<T> {
    const queue: T[] = first === undefined ? [] : [first];
    let waiting: ((result: IteratorResult<T>) => void) | undefined;
    let done = false;
    const push = (event: T) => {
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value: event, done: false });
      } else {
        queue.push(event);
      }
    };
    this.#subscribers.add(push);
    const stop = (): Promise<IteratorResult<T>> => {
      done = true;
      this.#subscribers.delete(push);
      queue.length = 0;
      waiting?.({ value: undefined, done: true });
      waiting = undefined;
      return Promise.resolve({ value: undefined, done: true });
    };
    return {
      next(): Promise<IteratorResult<T>> {
        if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: stop,
      throw(error?: unknown): Promise<IteratorResult<T>> {
        void stop();
        return Promise.reject(error);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}

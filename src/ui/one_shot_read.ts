/**
 * A read that streams progress and then one result (`readJobLog`,
 * `readArtifacts`) as a subscription on the page's socket, made to survive
 * the socket's life: it waits for the connection to be acknowledged, and
 * when the socket closes before the result (a server restart, a network
 * drop), it is sent again after the next acknowledgement. It ends with the
 * result, an error, or when aborted (which completes the subscription).
 *
 * @module
 */
import type { FrameSink, WsClient } from "./ws_client.ts";

/** What one event of the read says. */
export type ReadEvent<T> =
  | { readonly done: false; readonly fraction: number; readonly detail?: string | null }
  | { readonly done: true; readonly value: T };

/** Options of {@linkcode oneShotRead}. */
export interface OneShotOptions<T> {
  /** The socket's client. */
  readonly client: Pick<WsClient, "ready" | "subscribe" | "complete" | "onReady">;
  /** A prefix for the subscription ids (`log`, `artifacts`). */
  readonly name: string;
  /** The subscription document and its variables. */
  readonly query: string;
  readonly variables: Record<string, unknown>;
  /** Reads a `next` payload's event; `undefined` for a payload without one. */
  readonly read: (payload: unknown) => ReadEvent<T> | undefined;
  /** Progress while it reads (0…1), and when it starts again after a lost socket (0). */
  readonly onProgress?: (fraction: number, detail: string | undefined) => void;
  /** Stops the read (the promise rejects with an `AbortError`). */
  readonly signal?: AbortSignal;
}

let reads = 0;

/**
 * Reads the usual event of a progress-then-result subscription: `data[field]`
 * is `{ fraction, detail?, done, [result] }`; the result is `[result]` on the
 * event with `done`. `undefined` when the payload has no such event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressEvent } from "./one_shot_read.ts";
 * const progress = { data: { readJobLog: { fraction: 0.5, detail: "read 1 of 2 bytes", done: false, log: null } } };
 * assert.deepEqual(progressEvent(progress, "readJobLog", "log"), { done: false, fraction: 0.5, detail: "read 1 of 2 bytes" });
 * const done = { data: { readJobLog: { fraction: 1, detail: null, done: true, log: { lines: [] } } } };
 * assert.deepEqual(progressEvent(done, "readJobLog", "log"), { done: true, value: { lines: [] } });
 * ```
 */
export function progressEvent<T>(
  payload: unknown,
  field: string,
  result: string,
): ReadEvent<T> | undefined {
  const event = (payload as { data?: Record<string, unknown> } | null)?.data?.[field] as
    | Record<string, unknown>
    | undefined;
  if (!event || typeof event !== "object") return undefined;
  if (event.done === true) return { done: true, value: event[result] as T };
  return {
    done: false,
    fraction: typeof event.fraction === "number" ? event.fraction : 0,
    detail: typeof event.detail === "string" ? event.detail : undefined,
  };
}

/**
 * Runs the read; resolves with its result.
 *
 * @throws {Error} with the server's messages when the subscription errs, or
 * when it completes without a result.
 *
 * @example
 * ```ts ignore
 * const log = await oneShotRead({
 *   client, name: "log", query: READ_LOG, variables: { id },
 *   read: (p) => p.data.readJobLog.done ? { done: true, value: p.data.readJobLog.log } : { done: false, fraction: p.data.readJobLog.fraction },
 *   onProgress: (f) => bar.value = f,
 * });
 * ```
 */
export function oneShotRead<T>(options: OneShotOptions<T>): Promise<T> {
  const { client, signal } = options;
  return new Promise<T>((resolve, reject) => {
    let id: string | undefined;
    let stopWaiting: (() => void) | undefined;
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      stopWaiting?.();
      signal?.removeEventListener("abort", onAbort);
      outcome();
    };
    const onAbort = () => {
      if (id !== undefined) client.complete(id);
      finish(() => reject(new DOMException("the read was stopped", "AbortError")));
    };
    const sink: FrameSink = {
      next(payload) {
        let event: ReadEvent<T> | undefined;
        try {
          event = options.read(payload);
        } catch (error) {
          if (id !== undefined) client.complete(id);
          finish(() => reject(error));
          return;
        }
        if (event === undefined) return;
        if (!event.done) options.onProgress?.(event.fraction, event.detail ?? undefined);
        else {
          const value = event.value;
          finish(() => resolve(value));
        }
      },
      error(errors) {
        const messages = errors.map((e) => (e as { message?: unknown })?.message ?? String(e));
        finish(() => reject(new Error(messages.join("; "))));
      },
      complete() {
        finish(() => reject(new Error("the read ended before its result")));
      },
      lost() {
        // The socket went away with the read: send it again once back.
        id = undefined;
        options.onProgress?.(0, undefined);
        whenReady();
      },
    };
    const send = () => {
      if (settled) return;
      id = `${options.name}-${++reads}`;
      client.subscribe(id, { query: options.query, variables: options.variables }, sink);
    };
    const whenReady = () => {
      if (settled) return;
      if (client.ready) {
        send();
        return;
      }
      stopWaiting?.();
      const stop = client.onReady(() => {
        stop();
        stopWaiting = undefined;
        send();
      });
      stopWaiting = stop;
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener("abort", onAbort);
    whenReady();
  });
}

/**
 * Resolves once the connection is acknowledged (now, if it is); rejects with
 * an `AbortError` when `signal` aborts first. For HTTP requests that should
 * wait out a reconnect (the server restarting) before they are tried again.
 *
 * @example
 * ```ts ignore
 * await whenReady(client, abort.signal);
 * ```
 */
export function whenReady(
  client: Pick<WsClient, "ready" | "onReady">,
  signal?: AbortSignal,
): Promise<void> {
  if (client.ready) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      stop();
      reject(new DOMException("stopped waiting for the connection", "AbortError"));
    };
    const stop = client.onReady(() => {
      stop();
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort);
  });
}

/**
 * The server side of one `graphql-transport-ws` connection: a state machine
 * fed with text frames and socket events, talking back through an injected
 * {@linkcode Transport}. It does not know WebSockets, Hono or GraphQL
 * execution; the application plugs in through {@linkcode SessionHooks} and
 * pushes results through a {@linkcode SubscriptionSink} per subscription.
 *
 * It follows graphql-ws's server (`makeServer`) rule for rule, and adds
 * per-connection limits: message size, subscription count and send buffer.
 *
 * @module
 */
import type { GraphQLFormattedError } from "graphql";
import type { Limits } from "../config.ts";
import { type Logger, silentLogger } from "../log.ts";
import {
  ackFrame,
  CloseCode,
  completeFrame,
  errorFrame,
  limitCloseReason,
  nextFrame,
  parseClientMessage,
  type PayloadObject,
  pongFrame,
  type SubscribeMessage,
  type SubscribePayload,
  utf8Length,
} from "./protocol.ts";

/** How the connection reaches its socket. */
export interface Transport {
  /** Queues one text frame. */
  send(text: string): void;
  /** Starts the closing handshake. */
  close(code: number, reason: string): void;
  /** Bytes queued but not yet written to the network. */
  bufferedAmount(): number;
}

/** What `onConnect` decides about a `connection_init`. */
export type ConnectResult =
  | {
    readonly ok: true;
    readonly ackPayload?: PayloadObject;
    /** Close the connection after `ms` with `code` and `reason` (a token that expires). */
    readonly closeAfter?: { readonly ms: number; readonly code: number; readonly reason: string };
  }
  | {
    readonly ok: false;
    readonly code: typeof CloseCode.Unauthorized | typeof CloseCode.Forbidden;
    readonly reason: string;
  };

/**
 * What `onSubscribe` returns: errors (sent as one `error` message, the
 * subscription never starts) or the way to stop the running subscription.
 */
export type SubscribeResult =
  | { readonly errors: readonly GraphQLFormattedError[] }
  | { dispose(): void };

/**
 * Where the application pushes one subscription's results. Calls after the
 * subscription ended (any side) are ignored, so a fan-out racing a client's
 * `complete` or a closing socket never needs to check first.
 */
export interface SubscriptionSink {
  /** Sends a `next` with `payloadJson`, an ExecutionResult already serialized. */
  next(payloadJson: string): void;
  /** Sends an `error` and ends the subscription. */
  error(errors: readonly GraphQLFormattedError[]): void;
  /** Sends a `complete` and ends the subscription. */
  complete(): void;
  /** Whether the subscription has ended; then every call above is a no-op. */
  readonly closed: boolean;
}

/**
 * The application's side of a connection. Every hook may be async; the
 * connection copes with the socket closing while one is pending.
 */
export interface SessionHooks {
  /** Decides on `connection_init`; `initPayload` is `null` when the client sent none. */
  onConnect(initPayload: PayloadObject | null): ConnectResult | Promise<ConnectResult>;
  /**
   * Starts subscription `id`. `sink` may be used at once, even before this
   * returns. A returned `dispose` is called exactly once, whatever ends the
   * subscription: the client's `complete`, `sink.complete`/`sink.error`, or
   * the socket closing (also when that happened while this was pending).
   * It may run synchronously inside a `sink` call: `sink.next` on a slow
   * consumer closes the connection and disposes all its subscriptions.
   */
  onSubscribe(
    id: string,
    payload: SubscribePayload,
    sink: SubscriptionSink,
  ): SubscribeResult | Promise<SubscribeResult>;
  /** Called once when the socket has closed, after every subscription was disposed. */
  onClose?(code: number, reason: string): void | Promise<void>;
}

/** The limits a connection enforces (a subset of the server's {@linkcode Limits}). */
export type ConnectionLimits = Pick<
  Limits,
  "maxSubscriptions" | "maxMessageBytes" | "sendBufferBytes" | "initTimeoutMs"
>;

/** What a {@linkcode GraphqlWsConnection} is built from. */
export interface ConnectionOptions {
  /** The socket, behind an interface. */
  readonly transport: Transport;
  /** The application. */
  readonly hooks: SessionHooks;
  /** Per-connection limits. */
  readonly limits: ConnectionLimits;
  /** Where hook failures and closes are logged; silent by default. */
  readonly log?: Logger;
  /** Starts the init timeout; `setTimeout` by default, a fake in tests. */
  readonly setTimer?: (callback: () => void, ms: number) => unknown;
  /** Cancels a timer from `setTimer`; `clearTimeout` by default. */
  readonly clearTimer?: (handle: unknown) => void;
}

/** Counters of one connection, for `GET /status`. */
export interface ConnectionStats {
  /** Frames handed to the transport. */
  readonly framesSent: number;
  /** UTF-8 bytes of those frames. */
  readonly bytesSent: number;
  /** Subscriptions active now, pending ones included. */
  readonly subscriptions: number;
}

/** One subscription's state; a new object per `subscribe`, so a reused id is a new entry. */
interface Entry {
  readonly id: string;
  /** Set when the subscription ended, for whatever reason. */
  ended: boolean;
  /** From `onSubscribe`; `undefined` while it is pending or when it returned errors. */
  dispose: (() => void) | undefined;
  /** Whether `dispose` was called (it is called at most once). */
  disposed: boolean;
}

/** The longest wait a timer accepts (2^31-1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The reason on 4500; the real error goes to the log, never to the client. */
const INTERNAL_ERROR_REASON = "Internal server error";

function isPromiseLike<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/**
 * One `graphql-transport-ws` connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphqlWsConnection } from "./connection.ts";
 * const sent: string[] = [];
 * const connection = new GraphqlWsConnection({
 *   transport: { send: (text) => sent.push(text), close() {}, bufferedAmount: () => 0 },
 *   hooks: {
 *     onConnect: () => ({ ok: true }),
 *     onSubscribe(_id, _payload, sink) {
 *       sink.next('{"data":{"hello":"world"}}');
 *       sink.complete();
 *       return { dispose() {} };
 *     },
 *   },
 *   limits: { maxSubscriptions: 10, maxMessageBytes: 65536, sendBufferBytes: 1 << 20, initTimeoutMs: 3000 },
 *   setTimer: () => 0,
 *   clearTimer: () => {},
 * });
 * connection.opened();
 * await connection.receive('{"type":"connection_init"}');
 * await connection.receive('{"id":"1","type":"subscribe","payload":{"query":"subscription { hello }"}}');
 * assert.deepEqual(sent, [
 *   '{"type":"connection_ack"}',
 *   '{"id":"1","type":"next","payload":{"data":{"hello":"world"}}}',
 *   '{"id":"1","type":"complete"}',
 * ]);
 * ```
 */
export class GraphqlWsConnection {
  readonly #transport: Transport;
  readonly #hooks: SessionHooks;
  readonly #limits: ConnectionLimits;
  readonly #log: Logger;
  readonly #setTimer: (callback: () => void, ms: number) => unknown;
  readonly #clearTimer: (handle: unknown) => void;
  readonly #subscriptions = new Map<string, Entry>();
  #initTimer: unknown;
  #timerRunning = false;
  /** The timer of `closeAfter`, while armed. */
  #expiryTimer: unknown = undefined;
  #initReceived = false;
  #acknowledged = false;
  /** We started closing, or the socket closed: nothing more is sent. */
  #closing = false;
  /** The socket reported its close (`closed()` ran). */
  #closed = false;
  #framesSent = 0;
  #bytesSent = 0;

  /**
   * Creates a connection; call {@linkcode opened} once the socket is open.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GraphqlWsConnection } from "./connection.ts";
   * const connection = new GraphqlWsConnection({
   *   transport: { send() {}, close() {}, bufferedAmount: () => 0 },
   *   hooks: { onConnect: () => ({ ok: true }), onSubscribe: () => ({ dispose() {} }) },
   *   limits: { maxSubscriptions: 1, maxMessageBytes: 1024, sendBufferBytes: 1024, initTimeoutMs: 1 },
   * });
   * assert.equal(connection.stats.framesSent, 0);
   * ```
   */
  constructor(options: ConnectionOptions) {
    this.#transport = options.transport;
    this.#hooks = options.hooks;
    this.#limits = options.limits;
    this.#log = options.log ?? silentLogger;
    this.#setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
    this.#clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as number));
  }

  /**
   * Counters for `GET /status`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GraphqlWsConnection } from "./connection.ts";
   * const connection = new GraphqlWsConnection({
   *   transport: { send() {}, close() {}, bufferedAmount: () => 0 },
   *   hooks: { onConnect: () => ({ ok: true }), onSubscribe: () => ({ dispose() {} }) },
   *   limits: { maxSubscriptions: 1, maxMessageBytes: 1024, sendBufferBytes: 1024, initTimeoutMs: 1 },
   * });
   * await connection.receive('{"type":"ping"}');
   * assert.deepEqual(connection.stats, { framesSent: 1, bytesSent: 15, subscriptions: 0 });
   * ```
   */
  get stats(): ConnectionStats {
    return {
      framesSent: this.#framesSent,
      bytesSent: this.#bytesSent,
      subscriptions: this.#subscriptions.size,
    };
  }

  /**
   * Whether the connection has stopped sending: the server closed it or the
   * socket went away.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GraphqlWsConnection } from "./connection.ts";
   * const connection = new GraphqlWsConnection({
   *   transport: { send() {}, close() {}, bufferedAmount: () => 0 },
   *   hooks: { onConnect: () => ({ ok: true }), onSubscribe: () => ({ dispose() {} }) },
   *   limits: { maxSubscriptions: 1, maxMessageBytes: 1024, sendBufferBytes: 1024, initTimeoutMs: 1 },
   * });
   * connection.closed(1000, "");
   * assert(connection.isClosed);
   * ```
   */
  get isClosed(): boolean {
    return this.#closing;
  }

  /**
   * The socket is open: starts the wait for `connection_init`, after which
   * the socket is closed with 4408.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GraphqlWsConnection } from "./connection.ts";
   * let fire = () => {};
   * const closes: [number, string][] = [];
   * const connection = new GraphqlWsConnection({
   *   transport: { send() {}, close: (code, reason) => closes.push([code, reason]), bufferedAmount: () => 0 },
   *   hooks: { onConnect: () => ({ ok: true }), onSubscribe: () => ({ dispose() {} }) },
   *   limits: { maxSubscriptions: 1, maxMessageBytes: 1024, sendBufferBytes: 1024, initTimeoutMs: 3000 },
   *   setTimer: (callback) => { fire = callback; return 1; },
   * });
   * connection.opened();
   * fire();
   * assert.deepEqual(closes, [[4408, "Connection initialisation timeout"]]);
   * ```
   */
  opened(): void {
    if (this.#closing || this.#timerRunning || this.#initReceived) return;
    this.#timerRunning = true;
    this.#initTimer = this.#setTimer(() => {
      this.#timerRunning = false;
      // Only the arrival of connection_init counts, not its acknowledgement:
      // a slow onConnect must not be cut off by this timer (as in graphql-ws).
      if (!this.#initReceived) {
        this.#close(CloseCode.ConnectionInitialisationTimeout, "Connection initialisation timeout");
      }
    }, this.#limits.initTimeoutMs);
  }

  /**
   * Handles one text frame from the client. The promise settles when the
   * message, including any hook it called, has been handled; it never
   * rejects (failures close the socket with 4500 instead). Callers may
   * ignore it: messages are handled concurrently, as in graphql-ws.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GraphqlWsConnection } from "./connection.ts";
   * const closes: [number, string][] = [];
   * const connection = new GraphqlWsConnection({
   *   transport: { send() {}, close: (code, reason) => closes.push([code, reason]), bufferedAmount: () => 0 },
   *   hooks: { onConnect: () => ({ ok: true }), onSubscribe: () => ({ dispose() {} }) },
   *   limits: { maxSubscriptions: 1, maxMessageBytes: 1024, sendBufferBytes: 1024, initTimeoutMs: 1 },
   * });
   * await connection.receive('{"id":"1","type":"subscribe","payload":{"query":"{ a }"}}');
   * assert.deepEqual(closes, [[4401, "Unauthorized"]]);
   * ```
   */
  async receive(text: string): Promise<void> {
    if (this.#closing) return;
    try {
      await this.#receive(text);
    } catch (error) {
      this.#fail("message handling failed", error);
    }
  }

  /**
   * The socket has closed (either side): ends and disposes every
   * subscription once, then calls `onClose`. Safe to call more than once.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GraphqlWsConnection } from "./connection.ts";
   * const seen: string[] = [];
   * const connection = new GraphqlWsConnection({
   *   transport: { send() {}, close() {}, bufferedAmount: () => 0 },
   *   hooks: {
   *     onConnect: () => ({ ok: true }),
   *     onSubscribe: (id) => ({ dispose: () => seen.push(`dispose ${id}`) }),
   *     onClose: (code) => void seen.push(`close ${code}`),
   *   },
   *   limits: { maxSubscriptions: 5, maxMessageBytes: 1024, sendBufferBytes: 1024, initTimeoutMs: 1 },
   * });
   * await connection.receive('{"type":"connection_init"}');
   * await connection.receive('{"id":"a","type":"subscribe","payload":{"query":"{ a }"}}');
   * connection.closed(1001, "going away");
   * connection.closed(1001, "going away");
   * assert.deepEqual(seen, ["dispose a", "close 1001"]);
   * ```
   */
  closed(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing = true;
    this.#shutdown();
    this.#log.debug("connection closed", { code, reason });
    const onClose = this.#hooks.onClose;
    if (onClose === undefined) return;
    try {
      const result = onClose.call(this.#hooks, code, reason);
      if (isPromiseLike(result)) {
        result.then(undefined, (error) => this.#log.error("onClose hook failed", { error }));
      }
    } catch (error) {
      this.#log.error("onClose hook failed", { error });
    }
  }

  async #receive(text: string): Promise<void> {
    // Size first, before spending a parse on it. A string of n UTF-16 units
    // is n to 3n bytes, so most messages are decided without counting.
    const max = this.#limits.maxMessageBytes;
    if (text.length > max || (text.length * 3 > max && utf8Length(text) > max)) {
      this.#close(CloseCode.MessageTooBig, `Message too big: over ${max} bytes`);
      return;
    }
    let message;
    try {
      message = parseClientMessage(text);
    } catch (error) {
      const detail = (error as Error).message;
      this.#log.debug("invalid message", { detail });
      this.#close(CloseCode.BadRequest, `Invalid message received: ${detail}`);
      return;
    }
    switch (message.type) {
      case "connection_init":
        return await this.#connectionInit(message.payload ?? null);
      case "ping":
        this.#send(pongFrame(message.payload));
        return;
      case "pong":
        return;
      case "subscribe":
        return await this.#subscribe(message);
      case "complete":
        this.#completeFromClient(message.id);
        return;
    }
  }

  async #connectionInit(payload: PayloadObject | null): Promise<void> {
    if (this.#initReceived) {
      this.#close(CloseCode.TooManyInitialisationRequests, "Too many initialisation requests");
      return;
    }
    this.#initReceived = true;
    this.#stopInitTimer();
    let result: ConnectResult;
    try {
      const pending = this.#hooks.onConnect(payload);
      result = isPromiseLike(pending) ? await pending : pending;
    } catch (error) {
      this.#fail("onConnect hook failed", error);
      return;
    }
    if (this.#closing) return; // the socket went away while onConnect ran
    if (!result.ok) {
      this.#close(result.code, result.reason);
      return;
    }
    this.#acknowledged = true;
    this.#send(ackFrame(result.ackPayload));
    if (result.closeAfter) this.#armCloseAfter(result.closeAfter);
  }

  /**
   * Closes the connection once `ms` have passed. Timers cannot wait longer
   * than 2^31-1 ms (they would fire at once), so longer waits are chained.
   */
  #armCloseAfter(after: { readonly ms: number; readonly code: number; readonly reason: string }) {
    if (this.#closing) return;
    if (after.ms <= 0) {
      this.#close(after.code, after.reason);
      return;
    }
    const step = Math.min(after.ms, MAX_TIMER_MS);
    this.#expiryTimer = this.#setTimer(() => {
      this.#expiryTimer = undefined;
      this.#armCloseAfter({ ...after, ms: after.ms - step });
    }, step);
  }

  async #subscribe(message: SubscribeMessage): Promise<void> {
    if (!this.#acknowledged) {
      this.#close(CloseCode.Unauthorized, "Unauthorized");
      return;
    }
    const { id, payload } = message;
    if (this.#subscriptions.has(id)) {
      this.#close(
        CloseCode.SubscriberAlreadyExists,
        `Subscriber for ${id.length > 64 ? id.slice(0, 64) + "…" : id} already exists`,
      );
      return;
    }
    const max = this.#limits.maxSubscriptions;
    if (this.#subscriptions.size >= max) {
      // Refusing the operation, not the connection: the others keep running.
      this.#send(
        errorFrame(id, [{ message: `too many subscriptions on this connection (limit ${max})` }]),
      );
      return;
    }
    const entry: Entry = { id, ended: false, dispose: undefined, disposed: false };
    this.#subscriptions.set(id, entry);
    let result: SubscribeResult;
    try {
      const pending = this.#hooks.onSubscribe(id, payload, this.#sink(entry));
      result = isPromiseLike(pending) ? await pending : pending;
      if ("errors" in result && result.errors.length === 0) {
        throw new RangeError(
          `onSubscribe returned an empty errors list for ${JSON.stringify(id)}; ` +
            "expected at least one error or a dispose function",
        );
      }
    } catch (error) {
      this.#end(entry);
      this.#fail("onSubscribe hook failed", error);
      return;
    }
    if ("errors" in result) {
      // Sent only if nothing ended the subscription meanwhile: after the
      // client's complete, nothing more may be sent for this id.
      if (!entry.ended) {
        this.#end(entry);
        this.#send(errorFrame(id, result.errors));
      }
      return;
    }
    const running = result;
    entry.dispose = () => running.dispose();
    // Ended while pending (client complete, socket closed, or the sink ended
    // it from inside onSubscribe): stop it now that we can.
    if (entry.ended) this.#dispose(entry);
  }

  #completeFromClient(id: string): void {
    // Unknown ids are ignored: the server may have completed it already.
    const entry = this.#subscriptions.get(id);
    if (entry === undefined) return;
    this.#end(entry);
    this.#dispose(entry);
  }

  #sink(entry: Entry): SubscriptionSink {
    const id = entry.id;
    // deno-lint-ignore no-this-alias
    const connection = this;
    return {
      next(payloadJson: string): void {
        if (entry.ended) return;
        connection.#send(nextFrame(id, payloadJson));
      },
      error(errors: readonly GraphQLFormattedError[]): void {
        if (entry.ended) return;
        const frame = errorFrame(id, errors); // throws to the caller on an empty list
        connection.#end(entry);
        connection.#send(frame);
        connection.#dispose(entry);
      },
      complete(): void {
        if (entry.ended) return;
        connection.#end(entry);
        connection.#send(completeFrame(id));
        connection.#dispose(entry);
      },
      get closed(): boolean {
        return entry.ended;
      },
    };
  }

  /** Marks `entry` ended and forgets its id, so the client may reuse it. */
  #end(entry: Entry): void {
    entry.ended = true;
    if (this.#subscriptions.get(entry.id) === entry) this.#subscriptions.delete(entry.id);
  }

  /** Calls the application's dispose once, if it has one yet. */
  #dispose(entry: Entry): void {
    if (entry.dispose === undefined || entry.disposed) return;
    entry.disposed = true;
    try {
      entry.dispose();
    } catch (error) {
      // The subscription is gone either way; a failing dispose is an
      // application bug to log, not a reason to drop the connection.
      this.#log.error("subscription dispose failed", { id: entry.id, error });
    }
  }

  /** Sends one frame unless closing; closes a consumer whose buffer is full. */
  #send(text: string): void {
    if (this.#closing) return;
    const limit = this.#limits.sendBufferBytes;
    if (this.#transport.bufferedAmount() > limit) {
      this.#log.warn("slow consumer", { limit });
      this.#close(CloseCode.SlowConsumer, `Slow consumer: send buffer over ${limit} bytes`);
      return;
    }
    try {
      this.#transport.send(text);
    } catch (error) {
      this.#fail("send failed", error);
      return;
    }
    this.#framesSent++;
    this.#bytesSent += utf8Length(text);
  }

  /** Logs `error` and closes with 4500; the client learns nothing internal. */
  #fail(what: string, error: unknown): void {
    this.#log.error(what, { error });
    this.#close(CloseCode.InternalServerError, INTERNAL_ERROR_REASON);
  }

  /**
   * Closes the connection from the server side (shutdown): the socket gets
   * `code` and every subscription is disposed. Idempotent.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GraphqlWsConnection } from "./connection.ts";
   * const codes: number[] = [];
   * const connection = new GraphqlWsConnection({
   *   transport: { send() {}, close: (code) => void codes.push(code), bufferedAmount: () => 0 },
   *   hooks: { onConnect: () => ({ ok: true }), onSubscribe: () => ({ dispose() {} }) },
   *   limits: { maxSubscriptions: 1, maxMessageBytes: 1024, sendBufferBytes: 1024, initTimeoutMs: 1000 },
   *   setTimer: () => 0,
   *   clearTimer: () => {},
   * });
   * connection.opened();
   * connection.close(1001, "server shutting down");
   * connection.close(1001, "again");
   * assert.deepEqual(codes, [1001]);
   * ```
   */
  close(code: number, reason: string): void {
    this.#close(code, reason);
  }

  /** Server-initiated close: stop sending, tell the socket, end everything. */
  #close(code: number, reason: string): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#log.debug("closing connection", { code, reason });
    try {
      this.#transport.close(code, limitCloseReason(reason));
    } catch (error) {
      this.#log.warn("socket close failed", { code, error });
    }
    // Not waiting for closed(): a peer that never answers the close
    // handshake must not keep subscriptions (and their fan-out) alive.
    this.#shutdown();
  }

  /** Ends and disposes every subscription and the init timer. Idempotent. */
  #shutdown(): void {
    this.#stopInitTimer();
    if (this.#expiryTimer !== undefined) {
      this.#clearTimer(this.#expiryTimer);
      this.#expiryTimer = undefined;
    }
    const entries = [...this.#subscriptions.values()];
    this.#subscriptions.clear();
    for (const entry of entries) {
      entry.ended = true;
      this.#dispose(entry);
    }
  }

  #stopInitTimer(): void {
    if (!this.#timerRunning) return;
    this.#timerRunning = false;
    this.#clearTimer(this.#initTimer);
  }
}

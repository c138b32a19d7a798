/**
 * The browser's one WebSocket to Overlap (`graphql-transport-ws`), with its
 * connection life: connect, `connection_init` with the token, reconnect with
 * capped, jittered backoff on every close but the fatal ones, and counters
 * of what arrives (messages and bytes per second).
 *
 * It knows the protocol's frames and close codes, not GraphQL: the
 * subscription service says what to subscribe, and re-subscribes (with each
 * subscription's last seq) whenever the socket is acknowledged again.
 *
 * Clock, timers, randomness and the WebSocket constructor are injectable,
 * so the whole life is tested in Deno without waiting.
 *
 * @module
 */

/** The WebSocket subprotocol. */
export const PROTOCOL = "graphql-transport-ws";

/** Close codes after which reconnecting cannot help: the user must act. */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  4400, // malformed message: a client bug
  4401, // no, unknown or expired token
  4403, // no read scope
  4406, // subprotocol not acceptable
  4409, // subscriber already exists: a client bug
  4429, // too many initialisation requests: a client bug
  1009, // message too big
]);

/** Where the connection is. */
export type ConnectionState =
  | { readonly kind: "connecting"; readonly attempt: number }
  | { readonly kind: "open"; readonly expires?: string }
  | {
    readonly kind: "waiting";
    readonly attempt: number;
    readonly retryAt: number;
    readonly code: number;
    readonly reason: string;
  }
  | {
    readonly kind: "fatal";
    /** `signin`: a token is needed or was refused; `expired`: the token expired; `error`: anything else. */
    readonly why: "signin" | "expired" | "error";
    readonly code: number;
    readonly message: string;
  }
  | { readonly kind: "stopped" };

/** What one subscription receives. */
export interface FrameSink {
  /** A `next` payload (already parsed). */
  next(payload: unknown, arrivedAt: number): void;
  /** An `error` message: the subscription ended. */
  error(errors: readonly unknown[]): void;
  /** The server completed it. */
  complete(): void;
  /**
   * The socket closed before the subscription ended (it is forgotten: a
   * one-shot read re-sends itself after the next acknowledgement).
   */
  lost?(): void;
}

/** A WebSocket as far as the client uses it (the browser's and Deno's both fit). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Options of {@linkcode WsClient}. */
export interface WsClientOptions {
  /** `ws://host/graphql`. */
  readonly url: string;
  /** The token to send in `connection_init`, if any (read at every connect). */
  readonly token: () => string | undefined;
  /** Called once per acknowledged connection: (re)subscribe here. */
  readonly onAck: () => void;
  /** Called on every state change. */
  readonly onState?: (state: ConnectionState) => void;
  /** Makes the socket; the global WebSocket by default. */
  readonly connect?: (url: string, protocol: string) => SocketLike;
  /** Timers; the global ones by default. */
  readonly setTimeout?: (callback: () => void, ms: number) => unknown;
  /** Cancels a timer. */
  readonly clearTimeout?: (handle: unknown) => void;
  /** Random in [0, 1), for jitter; `Math.random` by default. */
  readonly random?: () => number;
  /** Clock in ms; `performance.now()`-like by default. */
  readonly now?: () => number;
  /** First backoff step in ms (default 500). */
  readonly baseDelayMs?: number;
  /** Longest wait between attempts in ms (default 15000). */
  readonly maxDelayMs?: number;
}

/** Counters for the debug panel. */
export interface TrafficStats {
  /** Messages received since the page loaded. */
  readonly messages: number;
  /** Their UTF-8 bytes. */
  readonly bytes: number;
  /** Messages per second over the last few seconds. */
  readonly messagesPerSecond: number;
  /** Bytes per second over the last few seconds. */
  readonly bytesPerSecond: number;
  /** Subscribe frames sent (re-subscriptions included). */
  readonly subscribes: number;
  /** Connections acknowledged (1 + reconnects). */
  readonly connections: number;
}

const WINDOW_S = 5;
const encoder = new TextEncoder();

/**
 * The delay before reconnect attempt `attempt` (1-based): "full jitter"
 * over an exponential step, capped, and never under a quarter of the base,
 * so a fleet of browsers does not come back at the same instant.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { backoffDelay } from "./ws_client.ts";
 * assert.equal(backoffDelay(1, () => 0.5, 500, 15000), 250);
 * assert.equal(backoffDelay(10, () => 0.999, 500, 15000) <= 15000, true);
 * ```
 */
export function backoffDelay(
  attempt: number,
  random: () => number,
  baseMs: number,
  maxMs: number,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(baseMs / 4, Math.round(random() * ceiling));
}

/**
 * The `graphql-transport-ws` client.
 *
 * @example
 * ```ts ignore
 * const client = new WsClient({ url: "ws://127.0.0.1:8080/graphql", token: () => undefined, onAck: resubscribe });
 * client.start();
 * client.subscribe("1", { query: "subscription @deltas { workflows { id } }" }, sink);
 * ```
 */
export class WsClient {
  readonly #options: WsClientOptions;
  readonly #sinks = new Map<string, FrameSink>();
  readonly #readyListeners = new Set<() => void>();
  #socket: SocketLike | undefined;
  #state: ConnectionState = { kind: "stopped" };
  #attempt = 0;
  #timer: unknown;
  #acked = false;
  #messages = 0;
  #bytes = 0;
  #subscribes = 0;
  #connections = 0;
  /** Per-second buckets of [second, messages, bytes] for the rates. */
  #buckets: [number, number, number][] = [];

  /** Creates a client; call {@linkcode start} to connect. */
  constructor(options: WsClientOptions) {
    this.#options = options;
  }

  /** The connection's state now. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Whether subscribe frames can be sent now. */
  get ready(): boolean {
    return this.#acked;
  }

  /**
   * Calls `listener` after every acknowledgement from now on (after
   * `onAck`); returns a function that stops it.
   *
   * @example
   * ```ts ignore
   * const stop = client.onReady(() => { stop(); send(); }); // once, at the next ack
   * ```
   */
  onReady(listener: () => void): () => void {
    this.#readyListeners.add(listener);
    return () => this.#readyListeners.delete(listener);
  }

  /** Counters of what arrived. */
  stats(): TrafficStats {
    const second = Math.floor(this.#now() / 1000);
    let messages = 0;
    let bytes = 0;
    for (const [at, m, b] of this.#buckets) {
      if (at > second - WINDOW_S && at <= second) {
        messages += m;
        bytes += b;
      }
    }
    return {
      messages: this.#messages,
      bytes: this.#bytes,
      messagesPerSecond: messages / WINDOW_S,
      bytesPerSecond: bytes / WINDOW_S,
      subscribes: this.#subscribes,
      connections: this.#connections,
    };
  }

  /** Connects (again, after a fatal close or {@linkcode stop}). */
  start(): void {
    this.#clearTimer();
    this.#attempt = 0;
    this.#open();
  }

  /** Closes the socket and stops reconnecting. */
  stop(): void {
    this.#clearTimer();
    const socket = this.#socket;
    this.#socket = undefined;
    this.#acked = false;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, "client stopped");
    }
    this.#loseSinks();
    this.#setState({ kind: "stopped" });
  }

  /** Forgets every subscription (its socket is gone) and tells each sink. */
  #loseSinks(): void {
    const lost = [...this.#sinks.values()];
    this.#sinks.clear();
    for (const sink of lost) sink.lost?.();
  }

  /** Sends a `subscribe`; `sink` gets its frames. Only while {@linkcode ready}. */
  subscribe(
    id: string,
    payload: {
      query: string;
      variables?: Record<string, unknown>;
      extensions?: Record<string, unknown>;
    },
    sink: FrameSink,
  ): void {
    if (!this.#acked || !this.#socket) {
      throw new TypeError(`cannot subscribe ${id}: the connection is not acknowledged yet`);
    }
    this.#sinks.set(id, sink);
    this.#subscribes++;
    this.#socket.send(JSON.stringify({ id, type: "subscribe", payload }));
  }

  /** Sends a `complete` for `id` and forgets its sink. */
  complete(id: string): void {
    if (!this.#sinks.delete(id)) return;
    if (this.#acked && this.#socket) this.#socket.send(JSON.stringify({ id, type: "complete" }));
  }

  #now(): number {
    return this.#options.now?.() ?? performance.now();
  }

  #setState(state: ConnectionState): void {
    this.#state = state;
    this.#options.onState?.(state);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      (this.#options.clearTimeout ?? clearTimeout)(this.#timer as number);
      this.#timer = undefined;
    }
  }

  #open(): void {
    this.#attempt++;
    this.#acked = false;
    this.#setState({ kind: "connecting", attempt: this.#attempt });
    const make = this.#options.connect ??
      ((url: string, protocol: string) => new WebSocket(url, protocol) as unknown as SocketLike);
    let socket: SocketLike;
    try {
      socket = make(this.#options.url, PROTOCOL);
    } catch (error) {
      this.#closed(1006, `cannot open the WebSocket: ${(error as Error).message}`);
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      const token = this.#options.token();
      socket.send(JSON.stringify({ type: "connection_init", payload: token ? { token } : {} }));
    };
    socket.onmessage = (event) => {
      if (this.#socket !== socket) return;
      this.#message(String(event.data));
    };
    socket.onerror = () => {}; // a close event follows with the code
    socket.onclose = (event) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#closed(event.code, event.reason);
    };
  }

  #count(text: string, at: number): void {
    this.#messages++;
    // ASCII is one byte a unit; only count properly when there is more.
    // deno-lint-ignore no-control-regex
    const bytes = /^[\x00-\x7f]*$/.test(text) ? text.length : encoder.encode(text).length;
    this.#bytes += bytes;
    const second = Math.floor(at / 1000);
    const last = this.#buckets[this.#buckets.length - 1];
    if (last && last[0] === second) {
      last[1]++;
      last[2] += bytes;
    } else {
      this.#buckets.push([second, 1, bytes]);
      if (this.#buckets.length > WINDOW_S + 1) this.#buckets.shift();
    }
  }

  #message(text: string): void {
    const at = this.#now();
    this.#count(text, at);
    let message: { type?: string; id?: string; payload?: unknown };
    try {
      message = JSON.parse(text);
    } catch {
      this.#socket?.close(4400, "Invalid message received: not JSON");
      return;
    }
    switch (message.type) {
      case "connection_ack": {
        this.#acked = true;
        this.#attempt = 0;
        this.#connections++;
        const expires = (message.payload as { expires?: unknown } | undefined)?.expires;
        this.#setState({
          kind: "open",
          expires: typeof expires === "string" ? expires : undefined,
        });
        this.#options.onAck();
        for (const listener of [...this.#readyListeners]) listener();
        return;
      }
      case "ping":
        this.#socket?.send(JSON.stringify({ type: "pong" }));
        return;
      case "next":
        this.#sinks.get(message.id ?? "")?.next(message.payload, at);
        return;
      case "error": {
        const sink = this.#sinks.get(message.id ?? "");
        this.#sinks.delete(message.id ?? "");
        sink?.error(Array.isArray(message.payload) ? message.payload : [message.payload]);
        return;
      }
      case "complete": {
        const sink = this.#sinks.get(message.id ?? "");
        this.#sinks.delete(message.id ?? "");
        sink?.complete();
        return;
      }
    }
  }

  #closed(code: number, reason: string): void {
    this.#acked = false;
    // Subscriptions die with the socket; the service re-subscribes on the
    // next ack, one-shot reads when told they were lost.
    this.#loseSinks();
    if (FATAL_CLOSE_CODES.has(code)) {
      this.#setState({ kind: "fatal", ...describeFatal(code, reason, this.#options.token()) });
      return;
    }
    const delay = backoffDelay(
      this.#attempt,
      this.#options.random ?? Math.random,
      this.#options.baseDelayMs ?? 500,
      this.#options.maxDelayMs ?? 15000,
    );
    this.#setState({
      kind: "waiting",
      attempt: this.#attempt,
      retryAt: this.#now() + delay,
      code,
      reason,
    });
    this.#timer = (this.#options.setTimeout ?? setTimeout)(() => {
      this.#timer = undefined;
      this.#open();
    }, delay);
  }
}

/**
 * What a fatal close means for the user.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeFatal } from "./ws_client.ts";
 * assert.equal(describeFatal(4401, "Unauthorized: no token", undefined).why, "signin");
 * assert.equal(describeFatal(4401, "token expired at 2026-01-01T00:00:00.000Z", "t").why, "expired");
 * assert.equal(describeFatal(4403, "Forbidden: token has no read scope", "t").why, "error");
 * ```
 */
export function describeFatal(
  code: number,
  reason: string,
  token: string | undefined,
): { why: "signin" | "expired" | "error"; code: number; message: string } {
  if (code === 4401 && reason.startsWith("token expired")) {
    const at = reason.slice("token expired at ".length);
    return {
      why: "expired",
      code,
      message: `Your token expired at ${at || "an earlier time"}; paste a new one.`,
    };
  }
  if (code === 4401) {
    return {
      why: "signin",
      code,
      message: token === undefined
        ? "This server needs a token to show its workflows. Paste yours to sign in."
        : "The server did not accept this token. Paste another one.",
    };
  }
  if (code === 4403) {
    return {
      why: "error",
      code,
      message: "Your token may not read any workflow (it has no read scope). " +
        "Ask for a token with a read scope, then sign in again.",
    };
  }
  return {
    why: "error",
    code,
    message: `The server closed the connection (${code}${reason ? `: ${reason}` : ""}). ` +
      "This is not retried automatically; reload the page to try again.",
  };
}

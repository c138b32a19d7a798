/**
 * Serves {@linkcode GraphqlWsConnection}s over Deno WebSockets through Hono,
 * and keeps the count of open connections for `GET /status`.
 *
 * The adapter only moves frames and socket events between Deno's WebSocket
 * and the connection; every protocol rule lives in `connection.ts`.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { WSContext } from "hono/ws";
import type { Limits } from "../config.ts";
import type { Logger } from "../log.ts";
import { type ConnectionLimits, GraphqlWsConnection, type SessionHooks } from "./connection.ts";
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL } from "./protocol.ts";

/** What `GET /status` reports about WebSocket connections. */
export interface ConnectionsStatus {
  /** Connections open now. */
  readonly connections: number;
  /** Subscriptions active now, over all open connections. */
  readonly subscriptions: number;
  /** Frames sent since start, closed connections included. */
  readonly framesSent: number;
  /** UTF-8 bytes of those frames. */
  readonly bytesSent: number;
  /** Connections refused since start because `maxConnections` were open. */
  readonly refused: number;
}

/**
 * The open connections of one server, and its lifetime send counters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnectionRegistry } from "./hono_adapter.ts";
 * const registry = new ConnectionRegistry();
 * assert.deepEqual(registry.status(), {
 *   connections: 0, subscriptions: 0, framesSent: 0, bytesSent: 0, refused: 0,
 * });
 * ```
 */
export class ConnectionRegistry {
  readonly #open = new Set<GraphqlWsConnection>();
  #closedFrames = 0;
  #closedBytes = 0;
  #refused = 0;
  #closedWith: { code: number; reason: string } | undefined;
  #empty: PromiseWithResolvers<void> | undefined;

  /**
   * The number of open connections.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ConnectionRegistry } from "./hono_adapter.ts";
   * assert.equal(new ConnectionRegistry().size, 0);
   * ```
   */
  get size(): number {
    return this.#open.size;
  }

  /**
   * Records an open connection.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GraphqlWsConnection } from "./connection.ts";
   * import { ConnectionRegistry } from "./hono_adapter.ts";
   * const registry = new ConnectionRegistry();
   * const connection = new GraphqlWsConnection({
   *   transport: { send() {}, close() {}, bufferedAmount: () => 0 },
   *   hooks: { onConnect: () => ({ ok: true }), onSubscribe: () => ({ dispose() {} }) },
   *   limits: { maxSubscriptions: 1, maxMessageBytes: 1024, sendBufferBytes: 1024, initTimeoutMs: 1 },
   * });
   * registry.add(connection);
   * await connection.receive('{"type":"ping"}');
   * assert.equal(registry.status().framesSent, 1);
   * registry.delete(connection);
   * assert.equal(registry.size, 0);
   * assert.equal(registry.status().framesSent, 1);
   * ```
   */
  add(connection: GraphqlWsConnection): void {
    this.#open.add(connection);
    // A handshake that was under way when closeAll ran: it gets the same close.
    if (this.#closedWith) connection.close(this.#closedWith.code, this.#closedWith.reason);
  }

  /**
   * Forgets a closed connection, keeping its counters in the totals.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GraphqlWsConnection } from "./connection.ts";
   * import { ConnectionRegistry } from "./hono_adapter.ts";
   * const registry = new ConnectionRegistry();
   * const connection = new GraphqlWsConnection({
   *   transport: { send() {}, close() {}, bufferedAmount: () => 0 },
   *   hooks: { onConnect: () => ({ ok: true }), onSubscribe: () => ({ dispose() {} }) },
   *   limits: { maxSubscriptions: 1, maxMessageBytes: 1024, sendBufferBytes: 1024, initTimeoutMs: 1 },
   * });
   * registry.add(connection);
   * registry.delete(connection);
   * registry.delete(connection); // a second time changes nothing
   * assert.equal(registry.size, 0);
   * ```
   */
  delete(connection: GraphqlWsConnection): void {
    if (!this.#open.delete(connection)) return;
    const stats = connection.stats;
    this.#closedFrames += stats.framesSent;
    this.#closedBytes += stats.bytesSent;
    if (this.#open.size === 0) {
      this.#empty?.resolve();
      this.#empty = undefined;
    }
  }

  /**
   * Resolves once no connection is open (their sockets finished closing).
   *
   * @example
   * ```ts
   * import { ConnectionRegistry } from "./hono_adapter.ts";
   * await new ConnectionRegistry().empty(); // none open: at once
   * ```
   */
  empty(): Promise<void> {
    if (this.#open.size === 0) return Promise.resolve();
    this.#empty ??= Promise.withResolvers<void>();
    return this.#empty.promise;
  }

  /**
   * Closes every open connection with `code` (1012 when the server drains),
   * and every connection added later with the same code.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GraphqlWsConnection } from "./connection.ts";
   * import { ConnectionRegistry } from "./hono_adapter.ts";
   * const registry = new ConnectionRegistry();
   * registry.closeAll(1012, "server restarting");
   * const codes: number[] = [];
   * const late = new GraphqlWsConnection({
   *   transport: { send() {}, close: (code) => void codes.push(code), bufferedAmount: () => 0 },
   *   hooks: { onConnect: () => ({ ok: true }), onSubscribe: () => ({ dispose() {} }) },
   *   limits: { maxSubscriptions: 1, maxMessageBytes: 1024, sendBufferBytes: 1024, initTimeoutMs: 1 },
   * });
   * registry.add(late);
   * assert.deepEqual(codes, [1012]);
   * ```
   */
  closeAll(code: number, reason: string): void {
    this.#closedWith = { code, reason };
    for (const connection of [...this.#open]) connection.close(code, reason);
  }

  /**
   * Counts a connection refused for being over `maxConnections`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ConnectionRegistry } from "./hono_adapter.ts";
   * const registry = new ConnectionRegistry();
   * registry.refuse();
   * assert.equal(registry.status().refused, 1);
   * ```
   */
  refuse(): void {
    this.#refused++;
  }

  /**
   * Totals for `GET /status`; walks the open connections, so it is O(open).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ConnectionRegistry } from "./hono_adapter.ts";
   * assert.equal(new ConnectionRegistry().status().connections, 0);
   * ```
   */
  status(): ConnectionsStatus {
    let subscriptions = 0;
    let framesSent = this.#closedFrames;
    let bytesSent = this.#closedBytes;
    for (const connection of this.#open) {
      const stats = connection.stats;
      subscriptions += stats.subscriptions;
      framesSent += stats.framesSent;
      bytesSent += stats.bytesSent;
    }
    return {
      connections: this.#open.size,
      subscriptions,
      framesSent,
      bytesSent,
      refused: this.#refused,
    };
  }
}

/**
 * Picks the subprotocol to answer a handshake with: `graphql-transport-ws`
 * when offered; otherwise the client's first choice, so that the handshake
 * completes and the client can be told 4406 in a close frame (graphql-ws does
 * the same); `undefined` when nothing was offered.
 *
 * Only names from the header split on `", "` are returned, because that is
 * how `Deno.upgradeWebSocket` reads it, and it throws (answering 500) when
 * given a protocol that is not in its list.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectSubprotocol } from "./hono_adapter.ts";
 * assert.equal(selectSubprotocol("graphql-ws, graphql-transport-ws"), "graphql-transport-ws");
 * assert.equal(selectSubprotocol("graphql-ws"), "graphql-ws");
 * assert.equal(selectSubprotocol(undefined), undefined);
 * ```
 */
export function selectSubprotocol(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const offered = header.split(", ");
  if (offered.includes(GRAPHQL_TRANSPORT_WS_PROTOCOL)) return GRAPHQL_TRANSPORT_WS_PROTOCOL;
  // A token (RFC 7230) or nothing: echoing "a,b" would fail the handshake.
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(offered[0]) ? offered[0] : undefined;
}

/** What {@linkcode graphqlWsRoute} needs besides the hooks. */
export interface GraphqlWsRouteOptions {
  /** Per-connection limits, and `maxConnections` for the server. */
  readonly limits: ConnectionLimits & Pick<Limits, "maxConnections">;
  /** Where connection events and hook failures are logged. */
  readonly log: Logger;
  /** The open connections, shared with `GET /status`. */
  readonly connections: ConnectionRegistry;
}

const decoder = new TextDecoder();

/**
 * A Hono handler serving `graphql-transport-ws` on its route. A request
 * that is not a WebSocket upgrade goes on to the next handler, so the same
 * path can also serve GraphQL over HTTP.
 *
 * `createHooks` runs once per accepted upgrade, with the request's context
 * (for its headers, say); its hooks serve that one connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { silentLogger } from "../log.ts";
 * import { ConnectionRegistry, graphqlWsRoute } from "./hono_adapter.ts";
 * const app = new Hono();
 * const ws = graphqlWsRoute(
 *   () => ({ onConnect: () => ({ ok: true }), onSubscribe: () => ({ dispose() {} }) }),
 *   {
 *     limits: {
 *       maxConnections: 100, maxSubscriptions: 10, maxMessageBytes: 65536,
 *       sendBufferBytes: 1 << 20, initTimeoutMs: 3000,
 *     },
 *     log: silentLogger,
 *     connections: new ConnectionRegistry(),
 *   },
 * );
 * app.get("/graphql", ws, (c) => c.text("GraphQL over HTTP"));
 * const res = await app.request("/graphql");
 * assert.equal(await res.text(), "GraphQL over HTTP");
 * ```
 */
export function graphqlWsRoute(
  createHooks: (c: Context) => SessionHooks,
  options: GraphqlWsRouteOptions,
): MiddlewareHandler {
  const { limits, log, connections } = options;
  return async function graphqlWs(c, next) {
    // Exactly hono/deno's own test: anything it would not upgrade goes on.
    if (c.req.header("upgrade") !== "websocket") return await next();
    const protocol = selectSubprotocol(c.req.header("sec-websocket-protocol"));
    const accepted = protocol === GRAPHQL_TRANSPORT_WS_PROTOCOL;
    const hooks = accepted ? createHooks(c) : undefined;
    let connection: GraphqlWsConnection | undefined;
    return await upgradeWebSocket(c, {
      onOpen(_event, ws: WSContext<WebSocket>) {
        const raw = ws.raw!;
        raw.binaryType = "arraybuffer";
        if (!hooks) {
          ws.close(CloseCode.SubprotocolNotAcceptable, "Subprotocol not acceptable");
          return;
        }
        // Checked at open, not at upgrade, so the check and the add happen
        // in one turn and a burst of handshakes cannot overshoot the limit.
        if (connections.size >= limits.maxConnections) {
          connections.refuse();
          log.warn("connection refused: at maxConnections", { limit: limits.maxConnections });
          ws.close(
            CloseCode.TooManyConnections,
            `Too many connections (limit ${limits.maxConnections})`,
          );
          return;
        }
        connection = new GraphqlWsConnection({
          transport: {
            send: (text) => ws.send(text),
            close: (code, reason) => ws.close(code, reason),
            bufferedAmount: () => raw.bufferedAmount,
          },
          hooks,
          limits,
          log,
        });
        connections.add(connection);
        connection.opened();
      },
      onMessage(event) {
        if (connection === undefined) return; // being closed with 4406 or 1013
        const data = event.data;
        // Binary frames are read as UTF-8 text, as graphql-ws's `ws` binding
        // does; binaryType is "arraybuffer", so a Blob cannot arrive.
        const text = typeof data === "string"
          ? data
          : decoder.decode(data instanceof Blob ? new Uint8Array() : data);
        void connection.receive(text);
      },
      onClose(event) {
        if (connection === undefined) return;
        connection.closed(event.code, event.reason);
        connections.delete(connection);
      },
      onError(event) {
        log.debug("websocket error", { error: (event as ErrorEvent).message });
      },
    }, { protocol });
  };
}

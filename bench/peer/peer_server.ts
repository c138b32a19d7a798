/**
 * The peer: a reference server of the ordinary kind, for `deno task load
 * --peer`. Everything before the fan-out is Overlap's own code (ingest
 * routes, database, triggers, event log, `EventFeed`, `Store`); the fan-out
 * is graphql-ws's server with graphql-js `subscribe` per subscriber:
 *
 * - every event goes into every subscriber's queue (`EventChannel`);
 * - per subscriber, graphql-js executes the subscriber's document against
 *   the event's delta (`executeSubscriptionEvent` inside `subscribe`);
 * - results with nothing but ids, empty lists and nulls are dropped
 *   (`peerSubscribe`); the rest go to graphql-ws, which serializes the
 *   message and sends it.
 *
 * Transports: `ws` (the default) is graphql-ws's `useServer` over npm `ws`
 * on a `node:http` server of its own port, what Node GraphQL servers run;
 * `deno` is graphql-ws's `makeServer` over `Deno.upgradeWebSocket` on the
 * HTTP port (the same sockets Overlap uses), through a copy of graphql-ws's
 * `use/deno` adapter that passes the negotiated subprotocol.
 *
 * Not a product: no tokens (loopback only), no resume, no standard mode,
 * pruned elements are not sent; delta mode is assumed for every
 * `Subscription.workflows`.
 *
 * @module
 */
import { createServer, type Server } from "node:http";
import { CloseCode, makeServer, type ServerOptions } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { createApp, type Services } from "../../src/app.ts";
import { createAccess } from "../../src/auth/tokens.ts";
import type { Config } from "../../src/config.ts";
import { DatabaseAvailability, guardDatabase } from "../../src/db/availability.ts";
import { EventFeed } from "../../src/db/event_feed.ts";
import { loadSnapshot, readEvents, retentionFloor } from "../../src/db/event_log.ts";
import { openDatabase } from "../../src/db/open.ts";
import { RequestGate } from "../../src/drain/request_gate.ts";
import { Hub } from "../../src/fanout/hub.ts";
import { DocumentCache } from "../../src/graphql/documents.ts";
import { createSchema } from "../../src/graphql/schema.ts";
import { type Logger, silentLogger } from "../../src/log.ts";
import { pipelineSources, ServerMetrics } from "../../src/metrics/server_metrics.ts";
import { Store } from "../../src/store/store.ts";
import { ConnectionRegistry } from "../../src/ws/hono_adapter.ts";
import { EventChannel } from "./event_channel.ts";
import { createPeerSchema, type PeerEvent, peerSubscribe, storeAsDelta } from "./peer_schema.ts";

/** How the peer serves WebSockets. */
export type PeerTransport = "ws" | "deno";

/** Options of {@linkcode startPeerServer}. */
export interface PeerOptions {
  /** `ws` (graphql-ws `useServer` over npm `ws`) or `deno` (`makeServer` over Deno sockets). */
  readonly transport: PeerTransport;
  /** Port of the `ws` transport's own listener (0 picks a free one). */
  readonly wsPort?: number;
  /** Logger; silent by default. */
  readonly log?: Logger;
}

/** A running peer. */
export interface RunningPeer {
  /** `http://host:port`: `/healthz`, `POST /api/deltas`, `/status`. */
  readonly url: string;
  /** `ws://host:port/graphql`. */
  readonly wsUrl: string;
  /** Subscriptions now. */
  readonly subscribers: () => number;
  /** Stops everything. */
  close(): Promise<void>;
}

/**
 * graphql-ws's `makeServer` over one Deno WebSocket: graphql-ws's own
 * `use/deno` adapter, except that the negotiated subprotocol is passed in,
 * because a server-side Deno socket reports `protocol` as "" and
 * `makeHandler` then closes every connection with 4406.
 */
function serveDenoSocket(
  server: ReturnType<typeof makeServer>,
  socket: WebSocket,
  protocol: string,
): void {
  let closed: (code?: number, reason?: string) => Promise<void> = () => Promise.resolve();
  socket.onopen = () => {
    closed = server.opened({
      protocol,
      send: (message) => socket.send(message),
      close: (code, reason) => socket.close(code, reason),
      onMessage: (callback) => {
        socket.onmessage = async (event) => {
          try {
            await callback(String(event.data));
          } catch {
            socket.close(CloseCode.InternalServerError, "Internal server error");
          }
        };
      },
    }, { socket });
  };
  socket.onclose = (event) => void closed(event.code, event.reason);
  socket.onerror = () => {};
}

/**
 * Reads `PEER_TRANSPORT`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readTransport } from "./peer_server.ts";
 * assert.equal(readTransport(undefined), "ws");
 * assert.equal(readTransport("deno"), "deno");
 * ```
 */
export function readTransport(value: string | undefined): PeerTransport {
  if (value === undefined || value === "" || value === "ws") return "ws";
  if (value === "deno") return "deno";
  throw new TypeError(`PEER_TRANSPORT must be "ws" or "deno", got ${JSON.stringify(value)}`);
}

/**
 * Starts the peer over `config`'s database (PGlite or `DATABASE_URL`), on
 * `config.host`/`config.port`.
 *
 * @example
 * ```ts ignore
 * const peer = await startPeerServer(loadConfig(), { transport: "ws" });
 * console.log(peer.url, peer.wsUrl);
 * await peer.close();
 * ```
 */
export async function startPeerServer(config: Config, options: PeerOptions): Promise<RunningPeer> {
  const log = options.log ?? silentLogger;
  const rawDb = await openDatabase(config, log.child("db"));
  // The same guard as Overlap's server, so ingest behaves alike (503 while down).
  const availability = new DatabaseAvailability({
    probe: () => rawDb.query("select 1"),
    log: log.child("db"),
  });
  const db = guardDatabase(rawDb, availability);
  const store = new Store();
  store.load(await loadSnapshot(db));
  const channel = new EventChannel<PeerEvent>();
  let snapshot: PeerEvent | undefined;
  const schema = createPeerSchema(channel, () => {
    // One plain copy of the store per seq, shared by the subscriptions that
    // start before the next event.
    if (snapshot?.seq !== store.seq) snapshot = { seq: store.seq, delta: storeAsDelta(store) };
    return snapshot;
  });
  const feed = new EventFeed(db, {
    afterSeq: store.seq,
    pollMs: config.pollMs,
    log: log.child("feed"),
    onEvents(events) {
      for (const event of events) {
        store.apply(event);
        channel.publish({ seq: event.seq, delta: event.delta });
      }
    },
  });
  // Overlap's own HTTP routes, so ingest is byte for byte the same code
  // (request metrics and the drain gate included).
  const overlapSchema = createSchema();
  const connections = new ConnectionRegistry();
  const gate = new RequestGate();
  const hub = new Hub({
    store,
    schema: overlapSchema,
    history: {
      readAfter: (seq, limit) => readEvents(db, seq, limit),
      floor: () => retentionFloor(db),
    },
    log,
  });
  const metrics = new ServerMetrics(
    pipelineSources({ connections, hub, store, feed: () => feed, gate }),
  );
  const services: Services = {
    config,
    log,
    db,
    store,
    hub,
    access: await createAccess([]),
    schema: overlapSchema,
    documents: new DocumentCache(overlapSchema),
    connections,
    metrics,
    gate,
    availability,
    status: () => ({ peer: { transport: options.transport, subscribers: channel.size } }),
  };
  const app = createApp(services);
  const serverOptions: ServerOptions = { schema, subscribe: peerSubscribe };
  let http: Deno.HttpServer | undefined;
  let nodeServer: Server | undefined;
  let closeWs: (() => Promise<void>) | undefined;
  try {
    await feed.start();
    let handle: (request: Request) => Response | Promise<Response> = app.fetch;
    if (options.transport === "deno") {
      const server = makeServer(serverOptions);
      handle = (request) => {
        if (request.headers.get("upgrade") !== "websocket") return app.fetch(request);
        const offered = request.headers.get("sec-websocket-protocol")?.split(", ") ?? [];
        const protocol = offered.includes("graphql-transport-ws")
          ? "graphql-transport-ws"
          : undefined;
        const { socket, response } = Deno.upgradeWebSocket(request, { protocol });
        serveDenoSocket(server, socket, protocol ?? "");
        return response;
      };
    }
    const listening = Promise.withResolvers<Deno.NetAddr>();
    http = Deno.serve(
      { hostname: config.host, port: config.port, onListen: (addr) => listening.resolve(addr) },
      handle,
    );
    const addr = await listening.promise;
    const url = `http://${addr.hostname}:${addr.port}`;
    let wsUrl = `ws://${addr.hostname}:${addr.port}/graphql`;
    if (options.transport === "ws") {
      const server = createServer((_req, res) => {
        res.writeHead(404).end();
      });
      nodeServer = server;
      const wss = new WebSocketServer({ server, path: "/graphql" });
      const disposable = useServer(serverOptions, wss);
      closeWs = async () => await disposable.dispose();
      await new Promise<void>((resolve) =>
        server.listen(options.wsPort ?? 0, config.host, resolve)
      );
      const port = (server.address() as { port: number }).port;
      wsUrl = `ws://${addr.hostname}:${port}/graphql`;
    }
    log.info("peer listening", { url, wsUrl, transport: options.transport, database: db.kind });
    const running = http;
    return {
      url,
      wsUrl,
      subscribers: () => channel.size,
      async close() {
        await feed.stop();
        await closeWs?.();
        nodeServer?.close();
        await running.shutdown();
        services.hub.close();
        await db.close();
      },
    };
  } catch (error) {
    await feed.stop();
    await closeWs?.();
    nodeServer?.close();
    await http?.shutdown();
    await db.close();
    throw error;
  }
}

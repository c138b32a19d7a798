/**
 * Starting and stopping a whole Overlap server: database, store, event feed,
 * fan-out hub and the HTTP/WebSocket listener.
 *
 * Stopping is a graceful drain, bounded by `OVERLAP_DRAIN_TIMEOUT_MS`:
 * 1. new ingest POSTs and WebSocket upgrades get 503 (`Retry-After`), and
 *    extensions that feed the server (the simulator) stop;
 * 2. ingest requests in flight finish: their transactions commit and their
 *    answers are sent;
 * 3. the event feed delivers everything committed so far to the sockets;
 * 4. every WebSocket is closed with 1012 (Service Restart): clients
 *    reconnect and resume from their last seq, so nothing is lost;
 * 5. extensions stop (cache servers, heartbeat monitor), then the feed, the
 *    listener, the hub and the database.
 * If the bound passes first, the sockets are closed with 1012 at once and
 * `close()` resolves with a report of what was cut short.
 *
 * @module
 */
import type { GraphQLFieldConfigMap } from "graphql";
import { createApp, type Services } from "./app.ts";
import { createAccess, isLoopback, loadTokenEntries } from "./auth/tokens.ts";
import type { Config } from "./config.ts";
import type { Database } from "./db/database.ts";
import type { OverlapEvent } from "./db/event_delta.ts";
import { EventFeed } from "./db/event_feed.ts";
import { loadSnapshot, pruneEventLog, readEvents, retentionFloor } from "./db/event_log.ts";
import { openDatabase } from "./db/open.ts";
import { Hub } from "./fanout/hub.ts";
import { DocumentCache } from "./graphql/documents.ts";
import { createSchema } from "./graphql/schema.ts";
import { createLogger, type Logger } from "./log.ts";
import { RateMeter } from "./rate_meter.ts";
import { Store } from "./store/store.ts";
import { ConnectionRegistry } from "./ws/hono_adapter.ts";
import { CloseCode } from "./ws/protocol.ts";
import { RequestGate } from "./drain/request_gate.ts";
import {
  type DrainClock,
  type DrainReport,
  type DrainStep,
  runDrain,
  SYSTEM_DRAIN_CLOCK,
} from "./drain/run_drain.ts";
import type { LatencyClocks } from "./metrics/fanout_latency.ts";
import type { Registry } from "./metrics/registry.ts";
import { ServerMetrics } from "./metrics/server_metrics.ts";

export type { DrainReport } from "./drain/run_drain.ts";

/** Longest the drain waits for clients to answer the close handshake, in ms. */
const CLOSE_HANDSHAKE_MS = 2000;

/** Resolves when `promise` does or after `ms`, whichever is first; clears its timer. */
async function waitAtMost(promise: Promise<void>, ms: number, clock: DrainClock): Promise<void> {
  let timer: unknown;
  const late = new Promise<void>((resolve) => timer = clock.setTimeout(resolve, ms));
  try {
    await Promise.race([promise, late]);
  } finally {
    clock.clearTimeout(timer);
  }
}

/** The close reason sent with 1012 when the server drains. */
export const DRAIN_CLOSE_REASON = "Service restart: reconnect and resume from your last seq";

/** Something started alongside the server and stopped with it (cache pools, monitor, simulator). */
export interface Extension {
  /** Root fields merged into the schema. */
  readonly query?: GraphQLFieldConfigMap<unknown, unknown>;
  /** Subscription fields merged into the schema. */
  readonly subscription?: GraphQLFieldConfigMap<unknown, unknown>;
  /** Figures merged into `GET /status`. */
  status?(): Record<string, unknown>;
  /** Called with every event after the store applied it. */
  onEvents?(events: readonly OverlapEvent[]): void;
  /** Called once the server listens, with its base URL (the simulator talks to it). */
  onListen?(url: string): Promise<void> | void;
  /** Registers its metrics (for `GET /metrics`) in the server's registry; called once at start. */
  metrics?(registry: Registry): void;
  /**
   * Stops sending work to the server (the simulator stops posting); called
   * when a drain starts, before in-flight requests are awaited.
   */
  drain?(): Promise<void> | void;
  /**
   * Stops it. Called while the server drains, after the WebSockets are
   * closed, last started first.
   */
  close?(): Promise<void> | void;
}

/** Hooks to add parts that need the database before the server starts. */
export interface StartOptions {
  /** Logger; a stderr logger at the configured level by default. */
  readonly log?: Logger;
  /** Called once the database is open; returns extensions to wire in. */
  readonly extend?: (
    db: Database,
    log: Logger,
    context: { readonly auth: "open" | "tokens" },
  ) => Promise<Extension[]> | Extension[];
  /** Public pages over browser bundles (the UI, GraphiQL); tests pass them here. */
  readonly web?: Services["web"];
  /** The clock token expiry is judged by (ms since the epoch); `Date.now` by default. */
  readonly now?: () => number;
  /** Called with the services once the app is built (the heartbeat route). */
  readonly services?: (
    services: Services,
  ) => Partial<Pick<Services, "heartbeats" | "web">>;
  /** The drain's timers (tests decide when the bound passes); the real ones by default. */
  readonly drainClock?: DrainClock;
  /** Clocks of the fan-out latency histogram (tests); the real ones by default. */
  readonly latencyClocks?: LatencyClocks;
}

/** A running server. */
export interface RunningServer {
  /** Base URL, `http://host:port`. */
  readonly url: string;
  /** The port bound (useful with `OVERLAP_PORT=0`). */
  readonly port: number;
  /** The services, for tests and tools. */
  readonly services: Services;
  /** The event feed. */
  readonly feed: EventFeed;
  /**
   * Drains and stops the server (see the module documentation). Resolves
   * when the drain is done or its bound passed, whichever is first, with
   * what happened. Idempotent.
   */
  close(): Promise<DrainReport>;
  /** Settles once everything is stopped, even after a drain that timed out. */
  readonly closed: Promise<void>;
}

/**
 * Checks the access policy against the bind address.
 *
 * @throws {TypeError} when the server would listen beyond loopback with no tokens.
 */
export function checkExposure(host: string, tokens: number): "open" | "tokens" {
  if (tokens > 0) return "tokens";
  if (!isLoopback(host)) {
    throw new TypeError(
      `OVERLAP_HOST=${host} is not a loopback address and no tokens are configured; ` +
        "set OVERLAP_TOKENS or OVERLAP_TOKENS_FILE, or bind to 127.0.0.1",
    );
  }
  return "open";
}

/**
 * Starts a server for `config`.
 *
 * @throws {TypeError} for a configuration that must not start (exposed without tokens, bad token file).
 *
 * @example
 * ```ts ignore
 * const server = await startServer(loadConfig());
 * console.log(server.url);
 * await server.close();
 * ```
 */
export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<RunningServer> {
  const log = options.log ?? createLogger("overlap", config.logLevel);
  const entries = await loadTokenEntries(config);
  const exposure = checkExposure(config.host, entries.length);
  if (exposure === "open") {
    log.warn("no tokens configured: access is open to anyone who can reach this loopback address", {
      host: config.host,
    });
  }
  const access = await createAccess(entries, { now: options.now });
  const db = await openDatabase(config, log.child("db"));
  const extensions: Extension[] = [];
  const feedLog = log.child("feed");
  let feed: EventFeed | undefined;
  let retention: ReturnType<typeof setInterval> | undefined;
  let server: Deno.HttpServer | undefined;
  try {
    extensions.push(...(await options.extend?.(db, log, { auth: exposure }) ?? []));
    const store = new Store();
    const snapshot = await loadSnapshot(db);
    store.load(snapshot);
    log.info("store loaded", { seq: store.seq, ...store.counts() });
    const schema = createSchema({
      query: Object.assign({}, ...extensions.map((e) => e.query ?? {})),
      subscription: Object.assign({}, ...extensions.map((e) => e.subscription ?? {})),
    });
    const documents = new DocumentCache(schema);
    const history = {
      readAfter: (seq: number, limit: number) => readEvents(db, seq, limit),
      floor: () => retentionFloor(db),
    };
    const hub = new Hub({ store, schema, history, log: log.child("hub") });
    const rate = new RateMeter();
    const connections = new ConnectionRegistry();
    const gate = new RequestGate();
    const metrics = new ServerMetrics({
      connections: () => connections.status(),
      hub: () => hub.status(),
      store: () => store.counts(),
      feed: () => feed,
      draining: () => gate.closed,
      ingestInFlight: () => gate.inFlight,
    }, options.latencyClocks);
    for (const extension of extensions) extension.metrics?.(metrics.registry);
    const services: Services = {
      config,
      log,
      db,
      store,
      hub,
      access,
      schema,
      documents,
      connections,
      metrics,
      gate,
      web: options.web,
      status: () => ({
        deltasPerSecond: rate.perSecond(),
        feed: { lastSeq: feed?.lastSeq ?? store.seq },
        ...Object.assign({}, ...extensions.map((e) => e.status?.() ?? {})),
      }),
    };
    Object.assign(services, options.services?.(services) ?? {});
    feed = new EventFeed(db, {
      afterSeq: store.seq,
      pollMs: config.pollMs,
      log: feedLog,
      onEvents(events) {
        for (const event of events) {
          store.apply(event);
          const frames = hub.frames;
          hub.publish(event);
          metrics.published(event, hub.frames - frames);
        }
        rate.add(events.length);
        for (const extension of extensions) extension.onEvents?.(events);
      },
    });
    await feed.start();
    const pruneEvery = Math.min(60_000, Math.max(1000, config.eventRetentionS * 100));
    retention = setInterval(() => {
      pruneEventLog(db, config.eventRetentionS, new Date()).catch((error) =>
        log.error("event log retention failed", { error })
      );
    }, pruneEvery);
    const app = createApp(services);
    const listening = Promise.withResolvers<Deno.NetAddr>();
    server = Deno.serve({
      hostname: config.host,
      port: config.port,
      onListen: (addr) => listening.resolve(addr),
    }, app.fetch);
    const addr = await listening.promise;
    const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
    const url = `http://${host}:${addr.port}`;
    log.info("listening", { url, database: db.kind, auth: exposure, seq: store.seq });
    for (const extension of extensions) await extension.onListen?.(url);
    const running = server;
    const runningFeed = feed;
    const timer = retention;
    const closed = Promise.withResolvers<void>();
    let closing: Promise<DrainReport> | undefined;
    const closeSockets = () => connections.closeAll(CloseCode.ServiceRestart, DRAIN_CLOSE_REASON);
    const drainClock = options.drainClock ?? SYSTEM_DRAIN_CLOCK;
    const drain = async (): Promise<DrainReport> => {
      // Synchronously: from here on, new ingest and upgrades get 503.
      gate.close();
      clearInterval(timer);
      log.info("draining", {
        timeoutMs: config.drainTimeoutMs,
        connections: connections.size,
        ingestInFlight: gate.inFlight,
      });
      const steps: DrainStep[] = [
        { name: "feeding extensions stopped", run: () => drainAll(extensions, log) },
        {
          name: "in-flight ingest finished",
          run: () => gate.idle(),
          pending: () => `${gate.inFlight} ingest request(s) in flight`,
        },
        {
          name: "event feed caught up",
          run: () => runningFeed.catchUp(),
          pending: () => `delivered seq ${runningFeed.lastSeq}, committed ${runningFeed.headSeq}`,
        },
        {
          name: "websockets closed with 1012",
          run: async () => {
            closeSockets();
            // Let the close frames go out before the listener shuts down
            // (which would cut the sockets with 1001), but do not wait on a
            // peer that never answers the closing handshake.
            await waitAtMost(connections.empty(), CLOSE_HANDSHAKE_MS, drainClock);
          },
          pending: () => `${connections.size} socket(s) not yet closed`,
        },
        { name: "extensions stopped", run: () => closeAll(extensions, log) },
        { name: "event feed stopped", run: () => runningFeed.stop() },
        { name: "listener shut down", run: () => running.shutdown() },
        { name: "hub closed", run: () => hub.close() },
        { name: "database closed", run: () => db.close() },
      ];
      const { report, finished } = runDrain(steps, {
        timeoutMs: config.drainTimeoutMs,
        log,
        clock: drainClock,
        onTimeout: closeSockets,
      });
      finished.then(() => closed.resolve());
      const result = await report;
      if (result.completed) log.info("stopped", { ms: result.ms, seq: runningFeed.lastSeq });
      else {
        log.error("stopped with the drain incomplete", {
          ms: result.ms,
          timedOut: result.timedOut,
          failed: result.failed.map((f) => `${f.step}: ${f.error}`),
          cutShort: result.cutShort,
        });
      }
      return result;
    };
    return {
      url,
      port: addr.port,
      services,
      feed: runningFeed,
      closed: closed.promise,
      close() {
        closing ??= drain();
        return closing;
      },
    };
  } catch (error) {
    if (retention !== undefined) clearInterval(retention);
    await feed?.stop();
    await server?.shutdown();
    await closeAll(extensions, log);
    await db.close();
    throw error;
  }
}

/** Asks extensions that feed the server to stop feeding it; one that fails is logged. */
async function drainAll(extensions: readonly Extension[], log: Logger): Promise<void> {
  for (const extension of [...extensions].reverse()) {
    try {
      await extension.drain?.();
    } catch (error) {
      log.error("draining an extension failed", { error });
    }
  }
}

/** Stops extensions, last started first; one that fails to stop does not keep the others running. */
async function closeAll(extensions: readonly Extension[], log: Logger): Promise<void> {
  for (const extension of [...extensions].reverse()) {
    try {
      await extension.close?.();
    } catch (error) {
      log.error("stopping an extension failed", { error });
    }
  }
}

/**
 * Starting and stopping a whole Overlap server: database, store, event feed,
 * fan-out hub and the HTTP/WebSocket listener.
 *
 * @module
 */
import type { GraphQLFieldConfigMap } from "graphql";
import { createApp, type Services } from "./app.ts";
import { createAccess, isLoopback, loadTokenEntries } from "./auth/tokens.ts";
import type { Config } from "./config.ts";
import type { Database } from "./db/database.ts";
import type { OverlapEvent } from "./db/event_delta.ts";
import {
  DatabaseAvailability,
  DatabaseUnavailableError,
  guardDatabase,
} from "./db/availability.ts";
import { EventFeed } from "./db/event_feed.ts";
import { loadSnapshot, pruneEventLog, readEvents, retentionFloor } from "./db/event_log.ts";
import { openDatabase } from "./db/open.ts";
import { Hub } from "./fanout/hub.ts";
import { DocumentCache } from "./graphql/documents.ts";
import { createSchema } from "./graphql/schema.ts";
import { createLogger, type Logger } from "./log.ts";
import { processMemory } from "./process_memory.ts";
import { RateMeter } from "./rate_meter.ts";
import { Store } from "./store/store.ts";
import { ConnectionRegistry } from "./ws/hono_adapter.ts";

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
  /** Stops it. Extensions stop before the server does, last started first. */
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
    context: { readonly auth: "open" | "tokens"; readonly availability: DatabaseAvailability },
  ) => Promise<Extension[]> | Extension[];
  /** Called with the services once the app is built (the heartbeat route). */
  readonly services?: (services: Services) => Partial<Pick<Services, "heartbeats">>;
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
  /** Stops listening, closes sockets, the feed and the database. */
  close(): Promise<void>;
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
  const access = await createAccess(entries);
  const rawDb = await openDatabase(config, log.child("db"));
  // Everything above the adapter goes through the guard: while PostgreSQL is
  // down, queries fail at once with DatabaseUnavailableError (HTTP 503).
  const availability = new DatabaseAvailability({
    probe: () => rawDb.query("select 1"),
    log: log.child("db"),
  });
  const db = guardDatabase(rawDb, availability);
  const extensions: Extension[] = [];
  const feedLog = log.child("feed");
  let feed: EventFeed | undefined;
  let retention: ReturnType<typeof setInterval> | undefined;
  let server: Deno.HttpServer | undefined;
  try {
    extensions.push(
      ...(await options.extend?.(db, log, { auth: exposure, availability }) ?? []),
    );
    const store = new Store();
    const snapshot = await loadSnapshot(db);
    store.load(snapshot);
    log.info("store loaded", { seq: store.seq, ...store.counts() });
    const schema = createSchema({
      query: Object.assign({}, ...extensions.map((e) => e.query ?? {})),
      subscription: Object.assign({}, ...extensions.map((e) => e.subscription ?? {})),
    });
    const documents = new DocumentCache(schema, { maxFields: config.limits.maxFields });
    const history = {
      readAfter: (seq: number, limit: number) => readEvents(db, seq, limit),
      floor: () => retentionFloor(db),
    };
    const hub = new Hub({
      store,
      schema,
      history,
      log: log.child("hub"),
      maxResultElements: config.limits.maxResultElements,
    });
    const rate = new RateMeter();
    const connections = new ConnectionRegistry();
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
      availability,
      status: () => ({
        database: availability.status(),
        process: processMemory(),
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
          hub.publish(event);
        }
        rate.add(events.length);
        for (const extension of extensions) extension.onEvents?.(events);
      },
    });
    await feed.start();
    const runningFeedForAvailability = feed;
    // Back from an outage: catch up at once rather than at the next poll.
    availability.onChange((available) => available && runningFeedForAvailability.readNow());
    const pruneEvery = Math.min(60_000, Math.max(1000, config.eventRetentionS * 100));
    retention = setInterval(() => {
      pruneEventLog(db, config.eventRetentionS, new Date()).catch((error) =>
        log[error instanceof DatabaseUnavailableError ? "debug" : "error"](
          "event log retention failed",
          { error },
        )
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
    let closing: Promise<void> | undefined;
    return {
      url,
      port: addr.port,
      services,
      feed: runningFeed,
      close() {
        closing ??= (async () => {
          clearInterval(timer);
          // Extensions first: the simulator still posts to the server and the
          // monitor still writes to the database while they run.
          await closeAll(extensions, log);
          await runningFeed.stop();
          connections.closeAll(1001, "server shutting down");
          await running.shutdown();
          hub.close();
          await db.close();
          log.info("stopped");
        })();
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

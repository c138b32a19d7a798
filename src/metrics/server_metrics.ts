/**
 * The server's metrics: what `GET /metrics` exposes about the realtime
 * pipeline (HTTP, ingest, event feed, store, hub, WebSockets), the process
 * and the engine. Extensions (cache pools, heartbeat monitor) add theirs to
 * the same registry.
 *
 * @module
 */
import { Counter, Histogram } from "prom-client";
import type { ConnectionsStatus } from "../ws/hono_adapter.ts";
import type { HubStatus } from "../fanout/hub.ts";
import {
  FanoutLatency,
  LATENCY_BUCKETS,
  type LatencyClocks,
  type TimedEvent,
} from "./fanout_latency.ts";
import { registerProcessMetrics } from "./process_metrics.ts";
import { counterFrom, gaugeFrom, METRICS_CONTENT_TYPE, Registry } from "./registry.ts";

/** Where the scrape-time figures come from. */
export interface PipelineSources {
  /** WebSocket connections and their send counters. */
  connections(): ConnectionsStatus;
  /** Realms, cohorts, members, payloads. */
  hub(): HubStatus;
  /** Elements in the store, by kind. */
  store(): Readonly<Record<string, number>>;
  /** The event feed's position; `undefined` before it exists. */
  feed(): { readonly lastSeq: number; readonly headSeq: number; readonly lag: number } | undefined;
  /** Whether the server is draining. */
  draining(): boolean;
  /** Ingest requests (`POST /api/*`) in flight now. */
  ingestInFlight(): number;
}

/**
 * Routes counted by name; every other path counts as `other`, so labels stay
 * bounded. An entry ending in `/*` counts every path under it as itself (the
 * pages' static assets: `/assets/<build id>/<file>` is `/assets/*`), never
 * the raw path.
 */
export const COUNTED_ROUTES: readonly string[] = [
  "/healthz",
  "/status",
  "/metrics",
  "/api/deltas",
  "/api/heartbeats",
  "/graphql",
  "/",
  "/assets/*",
  "/graphiql",
  "/graphiql/assets/*",
];

const PREFIXES = COUNTED_ROUTES.filter((route) => route.endsWith("/*")).map((route) =>
  [route.slice(0, -1), route] as const
);

/**
 * The `route` label for a request path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { routeLabel } from "./server_metrics.ts";
 * assert.equal(routeLabel("/api/deltas"), "/api/deltas");
 * assert.equal(routeLabel("/api/deltas/x"), "other");
 * assert.equal(routeLabel("/assets/0123456789abcdef/main.js"), "/assets/*");
 * ```
 */
export function routeLabel(path: string): string {
  if (COUNTED_ROUTES.includes(path) && !path.endsWith("/*")) return path;
  for (const [prefix, route] of PREFIXES) if (path.startsWith(prefix)) return route;
  return "other";
}

/**
 * One server's metrics.
 *
 * @example
 * ```ts ignore
 * const metrics = new ServerMetrics(sources);
 * metrics.request("/api/deltas", 200);
 * metrics.ingested(42, 3);
 * metrics.published(event, 10);
 * console.log(await metrics.text());
 * ```
 */
export class ServerMetrics {
  /** The registry; extensions register their metrics here. */
  readonly registry: Registry = new Registry();
  /** `Content-Type` of {@linkcode ServerMetrics.text}. */
  readonly contentType: string = METRICS_CONTENT_TYPE;
  readonly #requests: Counter<"route" | "code">;
  readonly #deltas: Counter;
  readonly #elements: Counter;
  readonly #events: Counter;
  readonly #latency: FanoutLatency;

  /** Registers the pipeline, process and engine metrics. */
  constructor(sources: PipelineSources, clocks: LatencyClocks = {}) {
    const registers = [this.registry];
    this.#requests = new Counter({
      name: "overlap_http_requests_total",
      help: "HTTP requests answered, by route and status code (101 for WebSocket upgrades).",
      labelNames: ["route", "code"],
      registers,
    });
    this.#deltas = new Counter({
      name: "overlap_deltas_ingested_total",
      help: "Bodies of POST /api/deltas written and committed by this process.",
      registers,
    });
    this.#elements = new Counter({
      name: "overlap_delta_elements_ingested_total",
      help: "Elements (workflows, tasks, families, jobs, edges, pruned ids) in those bodies.",
      registers,
    });
    this.#events = new Counter({
      name: "overlap_events_total",
      help: "Events of the event log applied to the store and published by this process.",
      registers,
    });
    const histogram = new Histogram({
      name: "overlap_fanout_latency_seconds",
      help: "Time from an event's commit to the write of its frames to the sockets, " +
        "per event that reached a subscriber; origin=local: committed by this process " +
        "(exact), origin=log: the event log's time (database clock).",
      labelNames: ["origin"],
      buckets: [...LATENCY_BUCKETS],
      registers,
    });
    this.#latency = new FanoutLatency(histogram, clocks);

    const { registry } = this;
    gaugeFrom(registry, {
      name: "overlap_websocket_connections",
      help: "WebSocket connections open now.",
      read: () => sources.connections().connections,
    });
    counterFrom(registry, {
      name: "overlap_websocket_refused_total",
      help: "WebSocket connections refused because OVERLAP_MAX_CONNECTIONS were open.",
      read: () => sources.connections().refused,
    });
    gaugeFrom(registry, {
      name: "overlap_subscriptions",
      help: "Subscriptions active now over all open connections.",
      read: () => sources.connections().subscriptions,
    });
    counterFrom(registry, {
      name: "overlap_frames_sent_total",
      help: "WebSocket frames sent (counted by each connection as it sends).",
      read: () => sources.connections().framesSent,
    });
    counterFrom(registry, {
      name: "overlap_bytes_sent_total",
      help: "UTF-8 bytes of those frames.",
      read: () => sources.connections().bytesSent,
    });
    gaugeFrom(registry, {
      name: "overlap_realms",
      help: "Read scopes with subscribers (one engine sieve each).",
      read: () => sources.hub().realms,
    });
    gaugeFrom(registry, {
      name: "overlap_cohorts",
      help: "Cohorts: subscriptions sharing a scope, mode and selection, computed once per event.",
      read: () => sources.hub().cohorts,
    });
    gaugeFrom(registry, {
      name: "overlap_hub_members",
      help: "Subscriptions of Subscription.workflows in the hub.",
      read: () => sources.hub().members,
    });
    counterFrom(registry, {
      name: "overlap_fanout_payloads_total",
      help: "Payloads computed by the hub (one per cohort an event overlaps).",
      read: () => sources.hub().payloads,
    });
    gaugeFrom(registry, {
      name: "overlap_event_feed_seq",
      help: "Seq of the last event the feed delivered.",
      read: () => sources.feed()?.lastSeq ?? 0,
    });
    gaugeFrom(registry, {
      name: "overlap_event_feed_head_seq",
      help: "Highest seq known to be committed (from NOTIFY payloads and reads).",
      read: () => sources.feed()?.headSeq ?? 0,
    });
    gaugeFrom(registry, {
      name: "overlap_event_feed_lag_seqs",
      help: "Committed events not yet delivered, in seqs (head seq minus delivered seq).",
      read: () => sources.feed()?.lag ?? 0,
    });
    gaugeFrom(registry, {
      name: "overlap_store_elements",
      help: "Elements held in the in-memory store, by kind.",
      labelNames: ["kind"],
      read: () => Object.entries(sources.store()).map(([kind, n]) => [{ kind }, n] as const),
    });
    gaugeFrom(registry, {
      name: "overlap_ingest_in_flight",
      help: "Ingest requests (POST /api/deltas, /api/heartbeats) being handled now.",
      read: () => sources.ingestInFlight(),
    });
    gaugeFrom(registry, {
      name: "overlap_draining",
      help: "1 while the server drains (SIGTERM): new ingest and WebSockets get 503.",
      read: () => (sources.draining() ? 1 : 0),
    });
    registerProcessMetrics(registry);
  }

  /** Counts one answered HTTP request. */
  request(path: string, code: number): void {
    this.#requests.inc({ route: routeLabel(path), code: String(code) });
  }

  /** Counts one ingested delta body of `elements` elements, committed as `seq` (`null`: no change). */
  ingested(seq: number | null, elements: number): void {
    this.#deltas.inc();
    this.#elements.inc(elements);
    if (seq !== null) this.#latency.committed(seq);
  }

  /** The feed applied and published `event`, whose publish wrote `frames` frames. */
  published(event: TimedEvent, frames: number): void {
    this.#events.inc();
    this.#latency.published(event, frames);
  }

  /** The exposition text. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * The heartbeat monitor wired into a server: the event-log consumer feeds a
 * tracking bus, the monitor listens to it, and `POST /api/heartbeats`
 * writes batches.
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { Database } from "../db/database.ts";
import type { OverlapEvent } from "../db/event_delta.ts";
import { EventBus } from "../events/bus.ts";
import { emitTracking, type TrackingEvents } from "../events/tracking.ts";
import type { Logger } from "../log.ts";
import type { Extension } from "../server.ts";
import { registerHeartbeatMetrics } from "../metrics/heartbeat_metrics.ts";
import type { ApiHandler } from "../app.ts";
import { ingestHeartbeats } from "./ingest.ts";
import { HeartbeatMonitor, type Scheduler } from "./monitor.ts";

/** Test seams of {@linkcode startHeartbeats}; production passes none. */
export interface HeartbeatExtensionOptions {
  /** The monitor's clock, and the default time of a heartbeat with none. */
  readonly now?: () => number;
  /** The monitor's timers. */
  readonly scheduler?: Scheduler;
  /** Time between ticks, in ms; default 1000. */
  readonly tickMs?: number;
}

/** The running monitor as an extension, with the heartbeat route's handler. */
export interface HeartbeatExtension extends Extension {
  /** The monitor (tests tick it). */
  readonly monitor: HeartbeatMonitor;
  /** The handler of `POST /api/heartbeats`: the batch, for a sender who may write its workflows. */
  readonly route: ApiHandler;
}

/**
 * Starts the monitor: subscribes it to the tracking bus, loads every
 * in-flight job and workflow (items that expired while Overlap was down are
 * marked at the first tick) and starts ticking.
 *
 * @example
 * ```ts ignore
 * const heartbeats = await startHeartbeats(config, db, log);
 * // every event read from the log:
 * heartbeats.onEvents([event]);
 * // POST /api/heartbeats:
 * await heartbeats.route({ heartbeats: [{ id: "~u/flow//1/foo/01" }] }, principal);
 * await heartbeats.close();
 * ```
 */
export async function startHeartbeats(
  config: Pick<Config, "heartbeatIntervalS" | "heartbeatBufferS">,
  db: Database,
  log: Logger,
  options: HeartbeatExtensionOptions = {},
): Promise<HeartbeatExtension> {
  const heartbeatLog = log.child("heartbeat");
  // A handler that throws must not stop the feed: log it and go on.
  const bus = new EventBus<TrackingEvents>((error, event) =>
    heartbeatLog.error("tracking handler failed", { event, error })
  );
  const monitor = new HeartbeatMonitor({
    db,
    intervalS: config.heartbeatIntervalS,
    bufferS: config.heartbeatBufferS,
    now: options.now,
    scheduler: options.scheduler,
    tickMs: options.tickMs,
    log: heartbeatLog,
  });
  // Attached before the load: an event between the two is not lost, and the
  // monitor's re-read settles whatever the two race on.
  monitor.attach(bus);
  const loaded = await monitor.loadInFlight();
  monitor.start();
  heartbeatLog.info("heartbeat monitor started", {
    inFlight: loaded,
    intervalS: config.heartbeatIntervalS,
    bufferS: config.heartbeatBufferS,
  });
  return {
    monitor,
    route: async (body, principal) => ({
      ...await ingestHeartbeats(db, body, { now: options.now, mayWrite: principal.write }),
    }),
    onEvents(events: readonly OverlapEvent[]) {
      for (const event of events) emitTracking(bus, event);
    },
    status: () => ({ heartbeats: monitor.stats() }),
    metrics: (registry) => registerHeartbeatMetrics(registry, () => monitor.stats()),
    close: () => monitor.stop(),
  };
}

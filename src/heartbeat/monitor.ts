/**
 * The heartbeat monitor: tracks every in-flight job and workflow by its
 * latest sign of life and marks the ones that fall silent.
 *
 * It learns about items only from the tracking events of the event bus
 * (`track/update`, `untrack`), never by polling the database. Items sit in a
 * {@linkcode DeadlineWheel} keyed by deadline (`lastHeartbeat + interval +
 * buffer`), so a heartbeat moves an item in O(1) and a tick looks only at
 * the items that are due.
 *
 * An item is due when `now − lastHeartbeat > interval + buffer`. The monitor
 * then re-reads it: gone or finished → forgotten; a newer heartbeat → re-armed;
 * otherwise a conditional UPDATE marks a job `failed` or a workflow `stalled`
 * (`heartbeat lost`). The update only matches the status and heartbeat just
 * read, so a late heartbeat or another Overlap instance never causes a wrong
 * or double mark. The change reaches subscribers through the event log like
 * any other.
 *
 * A heartbeat for an item the monitor marked brings it back to `running`.
 *
 * @module
 */
import { DatabaseUnavailableError } from "../db/availability.ts";
import type { Queryable } from "../db/database.ts";
import type { EventBus } from "../events/bus.ts";
import {
  inFlightStatuses,
  type TrackedKind,
  type TrackingEvents,
  type TrackUpdate,
  type Untrack,
} from "../events/tracking.ts";
import { type Logger, silentLogger } from "../log.ts";
import { DeadlineWheel } from "./deadline_wheel.ts";
import {
  HEARTBEAT_LOST,
  JOB_LOST_STATUS,
  loadInFlight,
  markLost,
  readHeartbeat,
  reviveLost,
  WORKFLOW_LOST_STATUS,
} from "./queries.ts";

/** Timer functions; `globalThis` satisfies it. Tests inject a fake. */
export interface Scheduler {
  /** Calls `fn` once after `ms`; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a pending call. */
  clearTimeout(handle: unknown): void;
}

/** Options of a {@linkcode HeartbeatMonitor}. */
export interface HeartbeatMonitorOptions {
  /** Where items are re-read and marked. */
  readonly db: Queryable;
  /** Expected heartbeat interval, in seconds (`OVERLAP_HEARTBEAT_INTERVAL_S`). */
  readonly intervalS: number;
  /** Grace added to the interval, in seconds (`OVERLAP_HEARTBEAT_BUFFER_S`). */
  readonly bufferS: number;
  /** The clock, in ms since the epoch; default `Date.now`. */
  readonly now?: () => number;
  /** Timers used by {@linkcode HeartbeatMonitor.start}; default `globalThis`. */
  readonly scheduler?: Scheduler;
  /** Time between ticks once started, in ms; default 1000. */
  readonly tickMs?: number;
  /** Due items checked against the database at once; default 8. */
  readonly concurrency?: number;
  /** Delay before an item whose check failed (database error) is checked again, in ms; default 5000. */
  readonly retryMs?: number;
  /** Items remembered as finished, so their stray heartbeats cost no query; default 10000. */
  readonly finishedMemory?: number;
  /** Where marks, revivals and errors are logged. */
  readonly log?: Logger;
}

/** What a check of a due item found. */
export type ExpiryResult =
  /** The item was marked failed (job) or stalled (workflow). */
  | "marked"
  /** A newer sign of life was found; the item is watched again. */
  | "refreshed"
  /** The item is gone or no longer in flight; it is forgotten. */
  | "finished"
  /** The database failed; the item is checked again after `retryMs`. */
  | "error";

/** The outcome of one due item of a tick. */
export interface ExpiryOutcome {
  /** Job or workflow. */
  readonly kind: TrackedKind;
  /** Its id. */
  readonly id: string;
  /** What the check found. */
  readonly result: ExpiryResult;
}

interface Item {
  readonly kind: TrackedKind;
  readonly id: string;
  /**
   * The latest sign of life known when the item was last armed; heartbeats
   * since then only moved its deadline on the wheel (`deadline − span`).
   */
  lastHeartbeat: number;
  /** Armed for a retry after an error: the deadline says nothing of heartbeats. */
  retry: boolean;
}

/** Counters of a {@linkcode HeartbeatMonitor}, for `GET /status`. */
export interface MonitorStats {
  /** Jobs watched now. */
  readonly jobs: number;
  /** Workflows watched now. */
  readonly workflows: number;
  /** Due items checked against the database since start. */
  readonly checked: number;
  /** Items marked lost since start. */
  readonly marked: number;
  /** Items brought back to running by a heartbeat after the mark. */
  readonly revived: number;
  /** Checks and revivals that failed on a database error. */
  readonly errors: number;
}

/** An item taken off the wheel while its check runs; events still land here. */
interface Checking {
  readonly item: Item;
  latest: number;
  untracked: boolean;
}

/**
 * Watches in-flight jobs and workflows; see the module documentation.
 *
 * Wiring: `attach(bus)` first, then `await loadInFlight()`, then `start()`.
 * Subscribing before loading loses nothing; whatever the two race on is
 * settled by the re-read before any mark.
 *
 * @example
 * ```ts ignore
 * const monitor = new HeartbeatMonitor({
 *   db,
 *   intervalS: config.heartbeatIntervalS,
 *   bufferS: config.heartbeatBufferS,
 *   log: log.child("heartbeat"),
 * });
 * monitor.attach(bus); // bus: EventBus<TrackingEvents>, fed by emitTracking for each event
 * await monitor.loadInFlight();
 * monitor.start();
 * // … at shutdown:
 * await monitor.stop();
 * ```
 */
export class HeartbeatMonitor {
  /** `interval + buffer`, in ms. */
  readonly spanMs: number;
  readonly #db: Queryable;
  readonly #now: () => number;
  readonly #scheduler: Scheduler;
  readonly #tickMs: number;
  readonly #concurrency: number;
  readonly #retryMs: number;
  readonly #finishedMemory: number;
  readonly #log: Logger;
  // One wheel and one map per kind, keyed by the id itself: building a
  // combined key on every heartbeat would cost more than the wheel.
  readonly #wheels: Record<TrackedKind, DeadlineWheel<Item>>;
  readonly #checking: Record<TrackedKind, Map<string, Checking>> = {
    job: new Map(),
    workflow: new Map(),
  };
  // Insertion-ordered, oldest first: a bounded memory of items that finished
  // in a way no heartbeat can undo (succeeded, pruned, …).
  readonly #finished: Record<TrackedKind, Set<string>> = { job: new Set(), workflow: new Set() };
  readonly #background = new Set<Promise<unknown>>();
  #timer: unknown = undefined;
  #running = false;
  #paused = false;
  /** When the database last came back: silence before it is not held against anyone. */
  #resumedAt = -Infinity;
  #ticking: Promise<unknown> | undefined;
  #counts = { checked: 0, marked: 0, revived: 0, errors: 0 };

  /**
   * Creates a monitor with nothing tracked and no timer running.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { HeartbeatMonitor } from "./monitor.ts";
   * const db = { query: () => Promise.resolve([]) };
   * const monitor = new HeartbeatMonitor({ db, intervalS: 60, bufferS: 30 });
   * assert.equal(monitor.spanMs, 90_000);
   * assert.equal(monitor.size, 0);
   * ```
   */
  constructor(options: HeartbeatMonitorOptions) {
    const { intervalS, bufferS } = options;
    if (!(intervalS > 0) || !(bufferS >= 0)) {
      throw new RangeError(
        `intervalS must be > 0 and bufferS ≥ 0 (seconds), got ${intervalS} and ${bufferS}`,
      );
    }
    this.spanMs = (intervalS + bufferS) * 1000;
    this.#db = options.db;
    this.#now = options.now ?? Date.now;
    this.#scheduler = options.scheduler ?? globalThis;
    this.#tickMs = positive("tickMs", options.tickMs ?? 1000);
    this.#concurrency = positive("concurrency", options.concurrency ?? 8);
    this.#retryMs = positive("retryMs", options.retryMs ?? 5000);
    this.#finishedMemory = options.finishedMemory ?? 10_000;
    this.#log = options.log ?? silentLogger;
    // The wheel covers the span plus the ground one tick covers. Slots finer
    // than an eighth of a tick buy nothing (a tick is when items are looked
    // at) and cost a visit each.
    const spanMs = this.spanMs + this.#tickMs;
    const granularityMs = Math.max(Math.ceil(spanMs / 1024), Math.ceil(this.#tickMs / 8));
    this.#wheels = {
      job: new DeadlineWheel<Item>({ spanMs, granularityMs }),
      workflow: new DeadlineWheel<Item>({ spanMs, granularityMs }),
    };
  }

  /**
   * Number of items watched (including those being checked).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { HeartbeatMonitor } from "./monitor.ts";
   * const monitor = new HeartbeatMonitor({ db: { query: () => Promise.resolve([]) }, intervalS: 1, bufferS: 0 });
   * monitor.update({ kind: "job", id: "~u/f//1/a/01", lastHeartbeat: 0, status: "running" });
   * assert.equal(monitor.size, 1);
   * ```
   */
  get size(): number {
    return this.#wheels.job.size + this.#wheels.workflow.size + this.#checking.job.size +
      this.#checking.workflow.size;
  }

  /**
   * Counters since the monitor was created.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { HeartbeatMonitor } from "./monitor.ts";
   * const monitor = new HeartbeatMonitor({ db: { query: () => Promise.resolve([]) }, intervalS: 1, bufferS: 0 });
   * monitor.update({ kind: "workflow", id: "~u/f", lastHeartbeat: 0, status: "running" });
   * assert.deepEqual(monitor.stats(), { jobs: 0, workflows: 1, checked: 0, marked: 0, revived: 0, errors: 0 });
   * ```
   */
  stats(): MonitorStats {
    return {
      jobs: this.#wheels.job.size + this.#checking.job.size,
      workflows: this.#wheels.workflow.size + this.#checking.workflow.size,
      ...this.#counts,
    };
  }

  /**
   * The deadline of an item in ms (it is due once the clock is past it), or
   * `undefined` when it is not on the wheel.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { HeartbeatMonitor } from "./monitor.ts";
   * const monitor = new HeartbeatMonitor({ db: { query: () => Promise.resolve([]) }, intervalS: 60, bufferS: 30 });
   * monitor.update({ kind: "workflow", id: "~u/f", lastHeartbeat: 1000, status: "running" });
   * assert.equal(monitor.deadlineOf("workflow", "~u/f"), 91_000);
   * ```
   */
  deadlineOf(kind: TrackedKind, id: string): number | undefined {
    return this.#wheels[kind].deadline(id);
  }

  /**
   * Subscribes to `track/update` and `untrack` on `bus`; returns a function
   * that unsubscribes.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EventBus } from "../events/bus.ts";
   * import type { TrackingEvents } from "../events/tracking.ts";
   * import { HeartbeatMonitor } from "./monitor.ts";
   * const bus = new EventBus<TrackingEvents>();
   * const monitor = new HeartbeatMonitor({ db: { query: () => Promise.resolve([]) }, intervalS: 60, bufferS: 0 });
   * const detach = monitor.attach(bus);
   * bus.emit("track/update", { kind: "job", id: "~u/f//1/a/01", lastHeartbeat: 0, status: "submitted" });
   * bus.emit("untrack", { kind: "job", id: "~u/f//1/a/01", reason: "finished", status: "succeeded" });
   * assert.equal(monitor.size, 0);
   * detach();
   * ```
   */
  attach(bus: EventBus<TrackingEvents>): () => void {
    const offUpdate = bus.on("track/update", (update) => this.update(update));
    const offUntrack = bus.on("untrack", (untrack) => this.untrack(untrack));
    return () => {
      offUpdate();
      offUntrack();
    };
  }

  /**
   * Handles `track/update`: starts watching an item that became in flight,
   * or moves its deadline when a newer sign of life arrives. A heartbeat for
   * an item not watched may be one for an item marked lost: the monitor then
   * tries to bring it back (in the background; see {@linkcode idle}).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { HeartbeatMonitor } from "./monitor.ts";
   * const monitor = new HeartbeatMonitor({ db: { query: () => Promise.resolve([]) }, intervalS: 10, bufferS: 5 });
   * monitor.update({ kind: "job", id: "j//1/a/01", lastHeartbeat: 0, status: "running" });
   * monitor.update({ kind: "job", id: "j//1/a/01", lastHeartbeat: 4000 });
   * monitor.update({ kind: "job", id: "j//1/a/01", lastHeartbeat: 2000 }); // older: ignored
   * assert.equal(monitor.deadlineOf("job", "j//1/a/01"), 19_000);
   * ```
   */
  update(update: TrackUpdate): void {
    const { kind, id } = update;
    // The hot path: a heartbeat of a watched item moves its deadline.
    if (this.#wheels[kind].postpone(id, update.lastHeartbeat + this.spanMs)) return;
    const checking = this.#checking[kind].get(id);
    if (checking !== undefined) {
      if (update.lastHeartbeat > checking.latest) checking.latest = update.lastHeartbeat;
      if (update.status !== undefined) checking.untracked = false;
      return;
    }
    if (update.status !== undefined) {
      this.#finished[kind].delete(id);
      this.#arm({ kind, id, lastHeartbeat: update.lastHeartbeat, retry: false });
      return;
    }
    if (!this.#finished[kind].has(id)) this.#inBackground(this.#revive(update));
  }

  /**
   * Handles `untrack`: stops watching an item.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { HeartbeatMonitor } from "./monitor.ts";
   * const monitor = new HeartbeatMonitor({ db: { query: () => Promise.resolve([]) }, intervalS: 10, bufferS: 5 });
   * monitor.update({ kind: "workflow", id: "~u/f", lastHeartbeat: 0, status: "running" });
   * monitor.untrack({ kind: "workflow", id: "~u/f", reason: "finished", status: "stopped" });
   * assert.equal(monitor.size, 0);
   * ```
   */
  untrack(untrack: Untrack): void {
    const { kind, id } = untrack;
    this.#wheels[kind].delete(id);
    const checking = this.#checking[kind].get(id);
    if (checking !== undefined) checking.untracked = true;
    // A status the monitor itself sets may be undone by a later heartbeat;
    // anything else is final, and its stray heartbeats need no query.
    const lost = kind === "job" ? JOB_LOST_STATUS : WORKFLOW_LOST_STATUS;
    if (untrack.reason === "pruned" || untrack.status !== lost) {
      const finished = this.#finished[kind];
      finished.add(id);
      if (finished.size > this.#finishedMemory) finished.delete(finished.values().next().value!);
    }
  }

  /**
   * Loads every in-flight job and workflow from the database (restart
   * safety); returns how many. Items already past their deadline are due at
   * the next tick; items with no sign of life at all get a full interval
   * from now.
   *
   * @example
   * ```ts ignore
   * const n = await monitor.loadInFlight();
   * log.info("heartbeat monitor loaded", { items: n });
   * ```
   */
  async loadInFlight(): Promise<number> {
    const items = await loadInFlight(this.#db);
    const now = this.#now();
    for (const { kind, id, status, lastHeartbeat } of items) {
      this.update({ kind, id, status, lastHeartbeat: lastHeartbeat ?? now });
    }
    return items.length;
  }

  /**
   * Takes every due item off the wheel and checks it against the database;
   * resolves with what each check found. Costs O(due items) plus the wheel
   * slots the clock passed, whatever the number of items watched.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { HeartbeatMonitor } from "./monitor.ts";
   * let now = 0;
   * const monitor = new HeartbeatMonitor({
   *   db: { query: () => Promise.resolve([]) }, // the item no longer exists
   *   intervalS: 10,
   *   bufferS: 5,
   *   now: () => now,
   * });
   * monitor.update({ kind: "job", id: "~u/f//1/a/01", lastHeartbeat: 0, status: "running" });
   * now = 15_000;
   * assert.deepEqual(await monitor.tick(), []);
   * now = 15_001;
   * assert.deepEqual(await monitor.tick(), [{ kind: "job", id: "~u/f//1/a/01", result: "finished" }]);
   * ```
   */
  async tick(): Promise<ExpiryOutcome[]> {
    // While the database is down nothing can be checked, and heartbeats are
    // refused (503): due items wait on the wheel until it is back.
    if (this.#paused) return [];
    const now = this.#now();
    const due: Item[] = [];
    for (const wheel of [this.#wheels.job, this.#wheels.workflow]) {
      for (const { value: item, deadline } of wheel.expire(now)) {
        if (!item.retry) item.lastHeartbeat = Math.max(item.lastHeartbeat, deadline - this.spanMs);
        item.retry = false;
        this.#checking[item.kind].set(item.id, {
          item,
          latest: item.lastHeartbeat,
          untracked: false,
        });
        due.push(item);
      }
    }
    if (due.length === 0) return [];
    const outcomes: ExpiryOutcome[] = new Array(due.length);
    let next = 0;
    const worker = async () => {
      while (next < due.length) {
        const index = next++;
        outcomes[index] = await this.#check(due[index]);
        this.#counts.checked++;
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.#concurrency, due.length) }, worker),
    );
    return outcomes;
  }

  /**
   * The database went away: ticks check nothing until {@linkcode resume}.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { HeartbeatMonitor } from "./monitor.ts";
   * let now = 0;
   * const monitor = new HeartbeatMonitor({
   *   db: { query: () => Promise.reject(new Error("down")) }, intervalS: 1, bufferS: 0, now: () => now,
   * });
   * monitor.update({ kind: "job", id: "~u/f//1/a/01", lastHeartbeat: 0, status: "running" });
   * monitor.pause();
   * now = 60_000;
   * assert.deepEqual(await monitor.tick(), []);
   * ```
   */
  pause(): void {
    this.#paused = true;
  }

  /**
   * The database is back. Heartbeats sent during the outage were refused, so
   * silence before now is not held against any item: none is marked before
   * `interval + buffer` has passed since this call.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { HeartbeatMonitor } from "./monitor.ts";
   * let now = 0;
   * const row = { status: "running", hb: new Date(0), hb_text: "1970-01-01 00:00:00+00" };
   * const monitor = new HeartbeatMonitor({
   *   // deno-lint-ignore no-explicit-any
   *   db: { query: () => Promise.resolve([row] as any) }, intervalS: 10, bufferS: 5, now: () => now,
   * });
   * monitor.update({ kind: "job", id: "~u/f//1/a/01", lastHeartbeat: 0, status: "running" });
   * monitor.pause();
   * now = 60_000;
   * monitor.resume();
   * assert.deepEqual(await monitor.tick(), [{ kind: "job", id: "~u/f//1/a/01", result: "refreshed" }]);
   * assert.equal(monitor.deadlineOf("job", "~u/f//1/a/01"), 75_000);
   * ```
   */
  resume(): void {
    this.#paused = false;
    this.#resumedAt = this.#now();
  }

  /**
   * Ticks every `tickMs` until {@linkcode stop}. A tick starts only after
   * the previous one finished. Calling it twice is harmless.
   *
   * @example
   * ```ts ignore
   * monitor.start();
   * ```
   */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule();
  }

  /**
   * Stops ticking and waits for the running tick and background revivals.
   *
   * @example
   * ```ts ignore
   * await monitor.stop();
   * ```
   */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#scheduler.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#ticking;
    await this.idle();
  }

  /**
   * Resolves once no background revival is running.
   *
   * @example
   * ```ts ignore
   * bus.emit("track/update", { kind: "job", id, lastHeartbeat: Date.now() });
   * await monitor.idle(); // the revival's UPDATE has run
   * ```
   */
  async idle(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }

  #schedule(): void {
    this.#timer = this.#scheduler.setTimeout(() => {
      this.#timer = undefined;
      if (!this.#running) return;
      const ticking = this.tick().catch((error) => {
        this.#log.error("heartbeat tick failed", { error });
      }).finally(() => {
        this.#ticking = undefined;
        if (this.#running) this.#schedule();
      });
      this.#ticking = ticking;
    }, this.#tickMs);
  }

  #arm(item: Item, deadline = item.lastHeartbeat + this.spanMs): void {
    this.#wheels[item.kind].set(item.id, deadline, item);
  }

  async #check(item: Item): Promise<ExpiryOutcome> {
    const { kind, id } = item;
    const checking = this.#checking[kind].get(id)!;
    const outcome = (result: ExpiryResult, rearmAt?: number): ExpiryOutcome => {
      this.#checking[kind].delete(id);
      if (rearmAt !== undefined && !checking.untracked) {
        item.lastHeartbeat = Math.max(item.lastHeartbeat, checking.latest);
        this.#arm(item, Math.max(rearmAt, item.lastHeartbeat + this.spanMs));
      }
      return { kind, id, result };
    };
    try {
      const row = await readHeartbeat(this.#db, kind, id);
      if (row === undefined || !isInFlight(kind, row.status)) return outcome("finished");
      const latest = Math.max(item.lastHeartbeat, row.heartbeat ?? -Infinity, checking.latest);
      item.lastHeartbeat = latest;
      const now = this.#now();
      if (checking.untracked) return outcome("finished");
      if (now - latest <= this.spanMs) return outcome("refreshed", latest + this.spanMs);
      if (now - this.#resumedAt <= this.spanMs) {
        // Silent only across an outage: watch it for a full span from the
        // database's return. The deadline says nothing of its heartbeats.
        item.retry = true;
        return outcome("refreshed", this.#resumedAt + this.spanMs);
      }
      if (await markLost(this.#db, kind, id, row)) {
        this.#counts.marked++;
        this.#log.warn(
          kind === "job"
            ? "job marked failed: heartbeat lost"
            : "workflow marked stalled: heartbeat lost",
          {
            id,
            reason: HEARTBEAT_LOST,
            lastHeartbeat: new Date(latest).toISOString(),
            silentS: Math.round((now - latest) / 1000),
          },
        );
        return outcome("marked");
      }
      // The row changed between the read and the update: a heartbeat, a new
      // status, or another instance's mark. Look again.
      const again = await readHeartbeat(this.#db, kind, id);
      if (again === undefined || !isInFlight(kind, again.status)) return outcome("finished");
      // Still in flight, so something moved it: a sign of life just now.
      return outcome("refreshed", Math.max(now, again.heartbeat ?? -Infinity) + this.spanMs);
    } catch (error) {
      this.#counts.errors++;
      // An outage is logged once where it is detected, not once per item.
      const level = error instanceof DatabaseUnavailableError ? "debug" : "error";
      this.#log[level]("heartbeat check failed; will retry", { kind, id, error });
      this.#checking[kind].delete(id);
      if (!checking.untracked) {
        item.lastHeartbeat = Math.max(item.lastHeartbeat, checking.latest);
        item.retry = true;
        this.#arm(item, this.#now() + this.#retryMs);
      }
      return { kind, id, result: "error" };
    }
  }

  async #revive(update: TrackUpdate): Promise<void> {
    const { kind, id } = update;
    try {
      const heartbeat = await reviveLost(this.#db, kind, id);
      if (heartbeat === undefined) return;
      this.#counts.revived++;
      this.#log.info(`heartbeat after the mark: ${kind} back to running`, {
        id,
        lastHeartbeat: new Date(heartbeat ?? update.lastHeartbeat).toISOString(),
      });
      this.update({
        kind,
        id,
        status: "running",
        lastHeartbeat: Math.max(heartbeat ?? -Infinity, update.lastHeartbeat),
      });
    } catch (error) {
      this.#counts.errors++;
      this.#log.error("reviving after a late heartbeat failed", { kind, id, error });
    }
  }

  #inBackground(promise: Promise<unknown>): void {
    this.#background.add(promise);
    promise.finally(() => this.#background.delete(promise));
  }
}

function isInFlight(kind: TrackedKind, status: string | null): boolean {
  return status !== null && inFlightStatuses(kind).includes(status);
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
  return value;
}

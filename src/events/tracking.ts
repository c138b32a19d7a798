/**
 * What the heartbeat monitor needs to hear from the event log: which jobs and
 * workflows are in flight, their latest sign of life, and when they stop.
 *
 * {@linkcode trackingEvents} turns one event of the log (`OverlapEvent`, see
 * docs/data_model.md) into bus events:
 *
 * - `track/update` when a job becomes `submitted`/`running`, a workflow
 *   becomes `running`, or a `lastHeartbeatTime` arrives for either;
 * - `untrack` when a job or workflow leaves those statuses (succeeded,
 *   failed, stopped, stalled, …) or is pruned.
 *
 * @module
 */
import type { EventBus } from "./bus.ts";

/** The two kinds of element that heartbeat. */
export type TrackedKind = "job" | "workflow";

/** Job statuses in which a job must show signs of life. */
export const JOB_IN_FLIGHT: readonly string[] = Object.freeze(["submitted", "running"]);

/** Workflow statuses in which a workflow's scheduler must show signs of life. */
export const WORKFLOW_IN_FLIGHT: readonly string[] = Object.freeze(["running"]);

/**
 * The statuses in which an element of `kind` is tracked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inFlightStatuses } from "./tracking.ts";
 * assert.deepEqual(inFlightStatuses("job"), ["submitted", "running"]);
 * ```
 */
export function inFlightStatuses(kind: TrackedKind): readonly string[] {
  return kind === "job" ? JOB_IN_FLIGHT : WORKFLOW_IN_FLIGHT;
}

/** Payload of `track/update`: an element is in flight, or showed a sign of life. */
export interface TrackUpdate {
  /** Job or workflow. */
  readonly kind: TrackedKind;
  /** The element's id. */
  readonly id: string;
  /**
   * Its latest sign of life, in ms since the epoch: the heartbeat time when
   * the event carried one, else the event's commit time (becoming submitted
   * or running is a sign of life too).
   */
  readonly lastHeartbeat: number;
  /**
   * The in-flight status the event set, or `undefined` when the event only
   * carried a heartbeat (the element's status did not change).
   */
  readonly status?: string;
}

/** Payload of `untrack`: an element no longer needs watching. */
export interface Untrack {
  /** Job or workflow. */
  readonly kind: TrackedKind;
  /** The element's id. */
  readonly id: string;
  /** `finished` (left the in-flight statuses) or `pruned` (deleted). */
  readonly reason: "finished" | "pruned";
  /** The status it reached (`null` when set to null); absent when pruned. */
  readonly status?: string | null;
}

/** The bus events of tracking. */
export type TrackingEvents = {
  "track/update": TrackUpdate;
  "untrack": Untrack;
};

/** One bus event of tracking, as a tagged value. */
export type TrackingEvent =
  | { readonly name: "track/update"; readonly payload: TrackUpdate }
  | { readonly name: "untrack"; readonly payload: Untrack };

/** An element of an event's delta: its id and changed fields. */
export interface DeltaElement {
  /** The element's id. */
  readonly id: string;
  /** Changed fields, by GraphQL name. */
  readonly [field: string]: unknown;
}

/**
 * The part of an `OverlapEvent` (src/db/event_log.ts) that tracking reads; an
 * `OverlapEvent` is one.
 */
export interface TrackableEvent {
  /** Commit time, ISO 8601. */
  readonly at: string;
  /** The changed elements, nested by workflow. */
  readonly delta: {
    readonly workflows: readonly (DeltaElement & {
      readonly jobs?: readonly DeltaElement[];
      readonly taskProxies?: readonly DeltaElement[];
    })[];
  };
  /** Deleted elements. */
  readonly pruned: readonly { readonly kind: string; readonly id: string }[];
}

/**
 * The tracking events `event` implies, in a stable order: workflows first,
 * then jobs, then pruned elements.
 *
 * A job change appears twice in an event (under the workflow and under its
 * task); it yields one tracking event. Fields not named in the delta did not
 * change, so an event with neither `status` nor `lastHeartbeatTime` of a job
 * yields nothing for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trackingEvents } from "./tracking.ts";
 * const job = { id: "~u/f//1/a/01", status: "running" };
 * const events = trackingEvents({
 *   at: "2024-01-01T00:00:00.000Z",
 *    delta: { workflows: [{ id: "~u/f", jobs: [job], taskProxies: [{ id: "~u/f//1/a", jobs: [job] }] }] },
 *   pruned: [{ kind: "jobs", id: "~u/f//0/a/01" }],
 * });
 * assert.deepEqual(events, [
 *   {
 *     name: "track/update",
 *     payload: { kind: "job", id: "~u/f//1/a/01", lastHeartbeat: 1704067200000, status: "running" },
 *   },
 *   { name: "untrack", payload: { kind: "job", id: "~u/f//0/a/01", reason: "pruned" } },
 * ]);
 * ```
 */
export function trackingEvents(event: TrackableEvent): TrackingEvent[] {
  const at = Date.parse(event.at);
  if (Number.isNaN(at)) {
    throw new TypeError(`event.at: expected an ISO 8601 time, got ${JSON.stringify(event.at)}`);
  }
  const out: TrackingEvent[] = [];
  const jobs = new Map<string, Record<string, unknown>>();
  for (const workflow of event.delta.workflows) {
    classify("workflow", workflow, at, out);
    // Merge the two places a job change appears; either may carry the fields.
    const collect = (job: DeltaElement) => {
      const seen = jobs.get(job.id) ?? {};
      for (const field of JOB_FIELDS) if (field in job) seen[field] = job[field];
      jobs.set(job.id, seen);
    };
    for (const job of workflow.jobs ?? []) collect(job);
    for (const task of workflow.taskProxies ?? []) {
      if (Array.isArray(task.jobs)) { for (const job of task.jobs as DeltaElement[]) collect(job); }
    }
  }
  for (const [id, fields] of jobs) classify("job", { id, ...fields }, at, out);
  for (const { kind, id } of event.pruned) {
    if (kind === "jobs") {
      out.push({ name: "untrack", payload: { kind: "job", id, reason: "pruned" } });
    } else if (kind === "workflows") {
      out.push({ name: "untrack", payload: { kind: "workflow", id, reason: "pruned" } });
    }
  }
  return out;
}

// What tracking reads of a job change.
const JOB_FIELDS = ["status", "lastHeartbeatTime", "submittedTime", "startedTime"] as const;

function time(value: unknown): number {
  return typeof value === "string" ? Date.parse(value) : NaN;
}

function classify(kind: TrackedKind, element: DeltaElement, at: number, out: TrackingEvent[]) {
  const hasStatus = "status" in element && element.status !== undefined;
  const heartbeat = time(element.lastHeartbeatTime);
  if (hasStatus) {
    const status = element.status as string | null;
    if (status === null || !inFlightStatuses(kind).includes(status)) {
      out.push({ name: "untrack", payload: { kind, id: element.id, reason: "finished", status } });
      return;
    }
    // The latest time the scheduler gave with the change, as the restart
    // load reads it (docs/heartbeat.md), so both agree on the scheduler's
    // clock; the commit time only when it gave none.
    const given = [heartbeat, time(element.submittedTime), time(element.startedTime)]
      .filter((t) => !Number.isNaN(t));
    const lastHeartbeat = given.length > 0 ? Math.max(...given) : at;
    out.push({ name: "track/update", payload: { kind, id: element.id, lastHeartbeat, status } });
    return;
  }
  // A heartbeat alone: the status did not change in this event.
  if (!Number.isNaN(heartbeat)) {
    out.push({ name: "track/update", payload: { kind, id: element.id, lastHeartbeat: heartbeat } });
  }
}

/**
 * Emits on `bus` the tracking events of `event`; returns how many.
 * The event-log consumer calls this for every event it reads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventBus } from "./bus.ts";
 * import { emitTracking, type TrackingEvents } from "./tracking.ts";
 * const bus = new EventBus<TrackingEvents>();
 * const gone: string[] = [];
 * bus.on("untrack", ({ id }) => gone.push(id));
 * emitTracking(bus, {
 *   at: "2024-01-01T00:00:00Z",
 *   delta: { workflows: [{ id: "~u/f", status: "stopped" }] },
 *   pruned: [],
 * });
 * assert.deepEqual(gone, ["~u/f"]);
 * ```
 */
export function emitTracking(bus: EventBus<TrackingEvents>, event: TrackableEvent): number {
  const events = trackingEvents(event);
  for (const e of events) {
    if (e.name === "track/update") bus.emit("track/update", e.payload);
    else bus.emit("untrack", e.payload);
  }
  return events.length;
}

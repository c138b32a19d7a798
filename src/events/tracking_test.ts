import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { EventBus } from "./bus.ts";
import {
  emitTracking,
  type TrackableEvent,
  type TrackingEvents,
  trackingEvents,
} from "./tracking.ts";

const AT = "2024-05-01T12:00:00.000Z";
const AT_MS = Date.parse(AT);
const WF = "~u/flow";
const JOB = "~u/flow//1/foo/01";

function event(
  workflows: TrackableEvent["delta"]["workflows"],
  pruned: TrackableEvent["pruned"] = [],
): TrackableEvent {
  return { at: AT, delta: { workflows }, pruned };
}

Deno.test("a job becoming submitted or running is tracked from the event's commit time", () => {
  for (const status of ["submitted", "running"]) {
    assertEquals(trackingEvents(event([{ id: WF, jobs: [{ id: JOB, status }] }])), [
      { name: "track/update", payload: { kind: "job", id: JOB, lastHeartbeat: AT_MS, status } },
    ]);
  }
});

Deno.test("the scheduler's submitted/started time is the sign of life, the latest given winning", () => {
  const submitted = "2024-05-01T11:58:00.000Z";
  const started = "2024-05-01T11:59:00.000Z";
  assertEquals(
    trackingEvents(event([{
      id: WF,
      jobs: [{ id: JOB, status: "submitted", submittedTime: submitted }],
      taskProxies: [{ id: "~u/flow//1/foo", jobs: [{ id: JOB, startedTime: started }] }],
    }])),
    [{
      name: "track/update",
      payload: { kind: "job", id: JOB, lastHeartbeat: Date.parse(started), status: "submitted" },
    }],
  );
  // A time alone, with no status change, is no heartbeat.
  assertEquals(trackingEvents(event([{ id: WF, jobs: [{ id: JOB, startedTime: started }] }])), []);
});

Deno.test("a heartbeat in the same event is the sign of life instead of the commit time", () => {
  const hb = "2024-05-01T11:59:58.500Z";
  const job = { id: JOB, status: "running", lastHeartbeatTime: hb };
  assertEquals(trackingEvents(event([{ id: WF, jobs: [job] }])), [
    {
      name: "track/update",
      payload: { kind: "job", id: JOB, lastHeartbeat: Date.parse(hb), status: "running" },
    },
  ]);
});

Deno.test("a heartbeat alone gives an update without a status", () => {
  const hb = "2024-05-01T11:59:00.000Z";
  assertEquals(
    trackingEvents(
      event([{ id: WF, lastHeartbeatTime: hb, jobs: [{ id: JOB, lastHeartbeatTime: hb }] }]),
    ),
    [
      {
        name: "track/update",
        payload: { kind: "workflow", id: WF, lastHeartbeat: Date.parse(hb) },
      },
      { name: "track/update", payload: { kind: "job", id: JOB, lastHeartbeat: Date.parse(hb) } },
    ],
  );
});

Deno.test("a job change listed under the workflow and its task yields one event, fields merged", () => {
  const hb = "2024-05-01T11:59:00.000Z";
  const events = trackingEvents(event([{
    id: WF,
    jobs: [{ id: JOB, status: "running" }],
    taskProxies: [{ id: "~u/flow//1/foo", jobs: [{ id: JOB, lastHeartbeatTime: hb }] }],
  }]));
  assertEquals(events, [{
    name: "track/update",
    payload: { kind: "job", id: JOB, lastHeartbeat: Date.parse(hb), status: "running" },
  }]);
});

Deno.test("finishing statuses untrack jobs and workflows, null status too", () => {
  for (const status of ["succeeded", "failed", "submit-failed", null]) {
    assertEquals(trackingEvents(event([{ id: WF, jobs: [{ id: JOB, status }] }])), [
      { name: "untrack", payload: { kind: "job", id: JOB, reason: "finished", status } },
    ]);
  }
  for (const status of ["stopped", "stalled", "paused"]) {
    assertEquals(trackingEvents(event([{ id: WF, status }])), [
      { name: "untrack", payload: { kind: "workflow", id: WF, reason: "finished", status } },
    ]);
  }
});

Deno.test("a workflow becoming running is tracked", () => {
  assertEquals(trackingEvents(event([{ id: WF, status: "running" }])), [
    {
      name: "track/update",
      payload: { kind: "workflow", id: WF, lastHeartbeat: AT_MS, status: "running" },
    },
  ]);
});

Deno.test("pruned jobs and workflows are untracked; other pruned kinds are ignored", () => {
  const events = trackingEvents(event([], [
    { kind: "jobs", id: JOB },
    { kind: "workflows", id: WF },
    { kind: "taskProxies", id: "~u/flow//1/foo" },
  ]));
  assertEquals(events, [
    { name: "untrack", payload: { kind: "job", id: JOB, reason: "pruned" } },
    { name: "untrack", payload: { kind: "workflow", id: WF, reason: "pruned" } },
  ]);
});

Deno.test("changes of other fields yield nothing; a null heartbeat is no sign of life", () => {
  assertEquals(
    trackingEvents(event([{ id: WF, jobs: [{ id: JOB, lastHeartbeatTime: null }] }])),
    [],
  );
  assertEquals(trackingEvents(event([{ id: WF }])), []);
});

Deno.test("an unparsable commit time is refused with the value", () => {
  assertThrows(
    () => trackingEvents({ at: "yesterday", delta: { workflows: [] }, pruned: [] }),
    TypeError,
    'event.at: expected an ISO 8601 time, got "yesterday"',
  );
});

Deno.test("emitTracking puts each tracking event on the bus", () => {
  const bus = new EventBus<TrackingEvents>();
  const seen: string[] = [];
  bus.on("track/update", (u) => seen.push(`track ${u.kind} ${u.id}`));
  bus.on("untrack", (u) => seen.push(`untrack ${u.kind} ${u.id}`));
  const n = emitTracking(
    bus,
    event([{ id: WF, status: "running", jobs: [{ id: JOB, status: "succeeded" }] }]),
  );
  assertEquals(n, 2);
  assertEquals(seen, [`track workflow ${WF}`, `untrack job ${JOB}`]);
});

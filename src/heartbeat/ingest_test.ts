import { dbCases } from "../../tests/db_fixture.ts";
import { assertEquals, assertRejects, assertThrows } from "../../tests/assert.ts";
import type { Queryable } from "../db/database.ts";
import { heartbeatKind, ingestHeartbeats, parseHeartbeats, parseIsoTime } from "./ingest.ts";

const NOW = Date.parse("2024-05-01T12:00:00.000Z");
const JOB = "~u/flow//1/foo/01";
const WF = "~u/flow";

function refused(body: unknown, ErrorClass: typeof TypeError | typeof RangeError, message: string) {
  const error = assertThrows(() => parseHeartbeats(body, NOW, { maxHeartbeats: 3 }), ErrorClass);
  assertEquals(error.message, message);
}

Deno.test("validation errors name the path, what was expected and what came", () => {
  refused(
    [],
    TypeError,
    'expected a JSON object { "heartbeats": [{ "id": …, "time"?: … }] }, got an array',
  );
  refused(
    null,
    TypeError,
    'expected a JSON object { "heartbeats": [{ "id": …, "time"?: … }] }, got null',
  );
  refused(
    { heartbeats: [], extra: 1 },
    TypeError,
    'unknown field "extra"; expected only "heartbeats"',
  );
  refused({}, TypeError, "heartbeats: expected an array, got nothing");
  refused({ heartbeats: "x" }, TypeError, 'heartbeats: expected an array, got "x"');
  refused(
    { heartbeats: [{ id: WF }, { id: WF }, { id: WF }, { id: WF }] },
    RangeError,
    "heartbeats: expected at most 3 per batch, got 4; send several batches",
  );
  refused(
    { heartbeats: [{ id: WF }, 7] },
    TypeError,
    'heartbeats[1]: expected an object { "id": …, "time"?: … }, got 7',
  );
  refused(
    { heartbeats: [{ id: WF, status: "running" }] },
    TypeError,
    'heartbeats[0]: unknown field "status"; expected "id" and "time"',
  );
  refused({ heartbeats: [{}] }, TypeError, "heartbeats[0].id: expected a string, got nothing");
  refused({ heartbeats: [{ id: 12 }] }, TypeError, "heartbeats[0].id: expected a string, got 12");
  refused(
    { heartbeats: [{ id: "~u/flow//1/foo" }] },
    TypeError,
    'heartbeats[0].id: expected a job id (~owner/flow//cycle/task/NN) or a workflow id (~owner/flow), got "~u/flow//1/foo"',
  );
  refused(
    { heartbeats: [{ id: `~u/${"x".repeat(600)}` }] },
    TypeError,
    "heartbeats[0].id: expected at most 512 characters, got 603",
  );
  refused(
    { heartbeats: [{ id: JOB, time: "yesterday" }] },
    TypeError,
    'heartbeats[0].time: expected an ISO 8601 time with a time zone (e.g. 2024-05-01T12:00:00Z) or no time, got "yesterday"',
  );
  refused(
    { heartbeats: [{ id: JOB, time: 1714564800000 }] },
    TypeError,
    "heartbeats[0].time: expected an ISO 8601 time with a time zone (e.g. 2024-05-01T12:00:00Z) or no time, got 1714564800000",
  );
  refused(
    { heartbeats: [{ id: JOB, time: "2024-05-01T12:10:00Z" }] },
    RangeError,
    "heartbeats[0].time: expected a time at most 300 s after the server's clock (2024-05-01T12:00:00.000Z), got \"2024-05-01T12:10:00Z\"; check the sender's clock",
  );
});

Deno.test("ids: jobs and workflows are told apart; other element ids are refused", () => {
  assertEquals(heartbeatKind("~u/flow"), "workflow");
  assertEquals(heartbeatKind("~u/a/b/c"), "workflow");
  assertEquals(heartbeatKind("~u/flow//20240101T0000Z/foo/123"), "job");
  assertEquals(heartbeatKind("~u/a/b//1/foo/01"), "job");
  for (
    const bad of [
      "u/flow",
      "~u",
      "~u/flow/",
      "~u//flow",
      "~u/flow//1/foo",
      "~u/flow//1/foo/1",
      "~u/flow//1/foo/ab",
      "~u/flow//$edge|1/a|1/b",
      "~u/fl ow",
      "~u/fl\u0001ow",
    ]
  ) {
    assertEquals(heartbeatKind(bad), undefined, bad);
  }
});

Deno.test("times: ISO 8601 with a zone; impossible dates and local times are refused", () => {
  assertEquals(parseIsoTime("2024-05-01T12:00:00Z"), NOW);
  // PostgreSQL has no year 0.
  assertEquals(parseIsoTime("0000-06-01T00:00:00Z"), undefined);
  assertEquals(parseIsoTime("0001-01-01T00:00:00Z"), -62135596800000);
  assertEquals(parseIsoTime("2024-05-01T14:00+02:00"), NOW);
  assertEquals(parseIsoTime("2024-05-01T12:00:00.123456Z"), NOW + 123);
  for (
    const bad of [
      "2024-05-01T12:00:00",
      "2024-02-30T00:00:00Z",
      "2024-01-01T24:00:00Z",
      "2024-13-01T00:00:00Z",
      "2024-05-01",
      "2024-05-01T12:00:00+0200",
    ]
  ) {
    assertEquals(parseIsoTime(bad), undefined, bad);
  }
});

Deno.test("a batch keeps the latest time per id; absent or null time is the server's clock", () => {
  const parsed = parseHeartbeats({
    heartbeats: [
      { id: JOB, time: "2024-05-01T11:00:00Z" },
      { id: JOB, time: "2024-05-01T11:30:00Z" },
      { id: JOB, time: "2024-05-01T11:10:00Z" },
      { id: WF },
      { id: "~u/other", time: null },
    ],
  }, NOW);
  assertEquals([...parsed.jobs], [[JOB, Date.parse("2024-05-01T11:30:00Z")]]);
  assertEquals([...parsed.workflows], [[WF, NOW], ["~u/other", NOW]]);
});

async function seed(db: Queryable) {
  await db.query("insert into workflows (id, status) values ($1, 'running')", [WF]);
  await db.query(
    `insert into jobs (id, workflow_id, task_id, status, last_heartbeat_time)
     values ($1, $2, '~u/flow//1/foo', 'running', '2024-05-01T11:00:00Z')`,
    [JOB, WF],
  );
}

for (const dbCase of dbCases()) {
  Deno.test(`heartbeats move last_heartbeat_time forward only, and count unknown ids (${dbCase.name})`, async () => {
    const { db, drop } = await dbCase.open();
    try {
      await seed(db);
      const now = () => NOW;
      const counts = await ingestHeartbeats(db, {
        heartbeats: [
          { id: JOB, time: "2024-05-01T11:59:00Z" },
          { id: WF },
          { id: "~u/flow//1/nope/01" },
          { id: "~nobody/flow" },
        ],
      }, { now });
      assertEquals(counts, { received: 4, updated: 2, unknown: 2, stale: 0 });
      const rows = await db.query<{ id: string; hb: Date }>(
        `select id, last_heartbeat_time as hb from jobs
         union all select id, last_heartbeat_time from workflows order by id`,
      );
      assertEquals(rows.map((r) => [r.id, r.hb.toISOString()]), [
        [WF, "2024-05-01T12:00:00.000Z"],
        [JOB, "2024-05-01T11:59:00.000Z"],
      ]);
      // An older heartbeat (a late batch) changes nothing and writes no event.
      const [{ n: before }] = await db.query<{ n: number }>(
        "select count(*)::int as n from overlap_event_log",
      );
      assertEquals(
        await ingestHeartbeats(db, { heartbeats: [{ id: JOB, time: "2024-05-01T11:30:00Z" }] }, {
          now,
        }),
        { received: 1, updated: 0, unknown: 0, stale: 1 },
      );
      const [{ n: after }] = await db.query<{ n: number }>(
        "select count(*)::int as n from overlap_event_log",
      );
      assertEquals(after, before);
      assertEquals(await ingestHeartbeats(db, { heartbeats: [] }), {
        received: 0,
        updated: 0,
        unknown: 0,
        stale: 0,
      });
    } finally {
      await drop();
    }
  });

  Deno.test(`a batch with an id outside the sender's write scope is refused whole (${dbCase.name})`, async () => {
    const { db, drop } = await dbCase.open();
    try {
      await seed(db);
      const before = await db.query("select id, last_heartbeat_time from jobs order by id");
      const mayWrite = (workflowId: string) => workflowId === "~u/other";
      await assertRejects(
        () => ingestHeartbeats(db, { heartbeats: [{ id: JOB }] }, { now: () => NOW, mayWrite }),
        Deno.errors.PermissionDenied,
        `may not write workflow ${WF} (heartbeat for ${JOB}); the batch was not written`,
      );
      assertEquals(await db.query("select id, last_heartbeat_time from jobs order by id"), before);
      const counts = await ingestHeartbeats(db, { heartbeats: [{ id: JOB }] }, {
        now: () => NOW,
        mayWrite: (workflowId) => workflowId === WF,
      });
      assertEquals(counts.updated, 1);
    } finally {
      await drop();
    }
  });

  Deno.test(`a batch is one event carrying only lastHeartbeatTime changes (${dbCase.name})`, async () => {
    const { db, drop } = await dbCase.open();
    try {
      await seed(db);
      const [{ seq: last }] = await db.query<{ seq: number }>(
        "select max(seq)::int8 as seq from overlap_event_log",
      );
      await ingestHeartbeats(db, { heartbeats: [{ id: JOB }, { id: WF }] }, { now: () => NOW });
      const rows = await db.query<{ seq: number; tbl: string; data: Record<string, unknown> }>(
        "select seq, tbl, data from overlap_event_log where seq > $1 order by ord",
        [last],
      );
      assertEquals(new Set(rows.map((r) => r.seq)).size, 1);
      assertEquals(rows.map((r) => [r.tbl, Object.keys(r.data)]), [
        ["jobs", ["last_heartbeat_time"]],
        ["workflows", ["last_heartbeat_time"]],
      ]);
    } finally {
      await drop();
    }
  });
}

import { assertEquals, assertThrows } from "../../tests/assert.ts";
import {
  fieldsFromColumns,
  KIND_OF_TABLE,
  KINDS,
  normaliseTime,
  SCHEMA,
  sqlType,
} from "./schema.ts";

Deno.test("schema: columns are the snake_case forms of the GraphQL fields", () => {
  assertEquals(SCHEMA.workflows.fields.map((f) => f.column), [
    "name",
    "owner",
    "host",
    "status",
    "status_msg",
    "last_heartbeat_time",
    "state_totals",
  ]);
  assertEquals(KINDS.map((kind) => KIND_OF_TABLE[SCHEMA[kind].table]), KINDS);
  assertEquals(sqlType("taskProxies", "is_held"), "boolean");
  assertThrows(() => sqlType("edges", "status"), RangeError, 'edges has no column "status"');
});

Deno.test("normaliseTime: every form PostgreSQL and clients produce", () => {
  const expected = "2024-01-02T03:04:05.678Z";
  for (
    const value of [
      new Date(expected),
      "2024-01-02 03:04:05.678+00",
      "2024-01-02T03:04:05.678+00:00",
      "2024-01-02T05:04:05.678+02:00",
      "2024-01-02T03:04:05.678912Z",
    ]
  ) {
    assertEquals(normaliseTime(value), expected, String(value));
  }
  assertThrows(() => normaliseTime("soon"), TypeError, 'expected a time, got "soon"');
});

Deno.test("fieldsFromColumns: skips non-fields, keeps nulls", () => {
  assertEquals(
    fieldsFromColumns("taskProxies", {
      id: "x",
      workflow_id: "w",
      is_held: null,
      first_parent: "p",
    }),
    { isHeld: null, firstParent: "p" },
  );
});

import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { checkWorkflowSpec, cyclePoint, DEFAULT_WORKFLOWS } from "./workflows.ts";

Deno.test("cycle points: integers from 1, datetimes every 6 hours from 2024-01-01", () => {
  assertEquals([0, 1, 2].map((i) => cyclePoint("integer", i)), ["1", "2", "3"]);
  assertEquals([0, 4].map((i) => cyclePoint("datetime", i)), ["20240101T0000Z", "20240102T0000Z"]);
});

Deno.test("the default workflows are valid and have families, edges and a nested flow name", () => {
  for (const spec of DEFAULT_WORKFLOWS) checkWorkflowSpec(spec);
  assertEquals(DEFAULT_WORKFLOWS.some((w) => w.name.includes("/")), true);
  assertEquals(DEFAULT_WORKFLOWS.every((w) => w.families.length > 0), true);
});

Deno.test("broken specs are refused with what is wrong", () => {
  const base = { name: "x", cycling: "integer" as const };
  assertThrows(
    () => checkWorkflowSpec({ ...base, families: [{ name: "A" }, { name: "A" }], tasks: [] }),
    TypeError,
    'workflow "x": family "A" is defined twice',
  );
  assertThrows(
    () => checkWorkflowSpec({ ...base, families: [{ name: "B", parent: "A" }], tasks: [] }),
    TypeError,
    'family "B" has parent "A", which is not an earlier family',
  );
  assertThrows(
    () => checkWorkflowSpec({ ...base, families: [], tasks: [{ name: "a", family: "F" }] }),
    TypeError,
    'task "a" is in family "F", which is not defined',
  );
  assertThrows(
    () => checkWorkflowSpec({ ...base, families: [], tasks: [] }),
    TypeError,
    "expected at least one task, got none",
  );
});

import { assert, assertEquals } from "../../../tests/assert.ts";
import { repeatsStatus, totalsOf } from "./workflow_text.ts";

Deno.test("totals: counted statuses only; none reported is no totals, not no tasks", () => {
  assertEquals(totalsOf({ waiting: 11, running: 2, succeeded: 0 }), [["waiting", 11], [
    "running",
    2,
  ]]);
  assertEquals(totalsOf(null), []);
  assertEquals(totalsOf("5000"), []);
});

Deno.test("a status message that only repeats the status is not shown twice", () => {
  assert(repeatsStatus("running", "running"));
  assert(repeatsStatus(" HELD", "held"));
  assert(!repeatsStatus("paused by operator", "paused"));
  assert(!repeatsStatus(undefined, "running"));
});

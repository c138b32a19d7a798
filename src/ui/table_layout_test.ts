import { assert, assertEquals } from "../../tests/assert.ts";
import { tableLayout } from "./table_layout.ts";

Deno.test("short columns are as wide as their longest value; the task name takes the rest", () => {
  const layout = tableLayout(["name", "cyclePoint", "status", "job"], {
    cyclePoint: "20240101T0000Z".length,
    status: "succeeded".length,
    job: "job 1".length,
  });
  assertEquals(
    layout.template,
    "minmax(7rem, 1fr) max(5.5rem, calc(14ch + .6rem)) calc(9.9ch + 1.6rem) " +
      "max(6.5rem, calc(5ch + 1.6rem))",
  );
  // 7 + 9 + 7.54 + 6.5 + 5 gaps of .4 = 32.04 → 33rem before it scrolls sideways.
  assertEquals(layout.minWidth, "33rem");
});

Deno.test("a wider value widens its column; few columns need little room", () => {
  const narrow = tableLayout(["status"], { cyclePoint: 0, status: 7, job: 0 });
  const wide = tableLayout(["status"], { cyclePoint: 0, status: "submit-failed".length, job: 0 });
  assertEquals(narrow.template, "calc(7.7ch + 1.6rem)");
  assertEquals(wide.template, "calc(14.3ch + 1.6rem)");
  assert(parseFloat(wide.minWidth) > parseFloat(narrow.minWidth));
  // Cycle points as short as "1" keep room for the header and its sort arrow.
  assertEquals(
    tableLayout(["cyclePoint"], { cyclePoint: 1, status: 0, job: 0 }).template,
    "max(5.5rem, calc(3ch + .6rem))",
  );
});

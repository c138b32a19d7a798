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
    "minmax(5rem, 1fr) max(4.5rem, calc(14ch + .3rem)) calc(9ch + 1.3rem) " +
      "max(4.5rem, calc(5ch + 1.3rem))",
  );
  // 5 + 8.7 + 6.7 + 4.5 + 5 × .4 = 26.9 → 27rem (405 px): beside the Tree at
  // 1280 px the table's panel is about 420 px wide, so nothing scrolls.
  assertEquals(layout.minWidth, "27rem");
});

Deno.test("a wider value widens its column; few columns need little room", () => {
  const narrow = tableLayout(["status"], { cyclePoint: 0, status: 7, job: 0 });
  const wide = tableLayout(["status"], { cyclePoint: 0, status: "submit-failed".length, job: 0 });
  assertEquals(narrow.template, "calc(7ch + 1.3rem)");
  assertEquals(wide.template, "calc(13ch + 1.3rem)");
  assert(parseFloat(wide.minWidth) > parseFloat(narrow.minWidth));
  // Cycle points as short as "1" keep room for the header and its sort arrow.
  assertEquals(
    tableLayout(["cyclePoint"], { cyclePoint: 1, status: 0, job: 0 }).template,
    "max(4.5rem, calc(3ch + .3rem))",
  );
});

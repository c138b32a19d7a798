import assert from "node:assert/strict";
import { markdownTable, show } from "./table.ts";

Deno.test("columns with a text cell are left-aligned, numeric ones right-aligned", () => {
  const table = markdownTable(["a", "b"], [["x", 1], [2, 1234.5]]);
  assert.equal(
    table,
    "| a   |       b |\n| --- | ------: |\n| x   |       1 |\n| 2   | 1,234.5 |",
  );
});

Deno.test("numbers", () => {
  assert.equal(show(0.004), "0");
  assert.equal(show(Infinity), "∞");
});

/**
 * Markdown tables for the load script's output, so its figures paste into
 * the README as printed.
 *
 * @module
 */

/**
 * Formats rows under headers as a Markdown table, numbers right-aligned.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { markdownTable } from "./table.ts";
 * assert.equal(
 *   markdownTable(["server", "p99"], [["overlap", 12.5], ["peer", 120]]),
 *   "| server  |  p99 |\n| ------- | ---: |\n| overlap | 12.5 |\n| peer    |  120 |",
 * );
 * ```
 */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const cells = rows.map((row) => row.map((cell) => typeof cell === "number" ? show(cell) : cell));
  const numeric = headers.map((_, c) =>
    rows.length > 0 && rows.every((row) => typeof row[c] === "number")
  );
  const widths = headers.map((h, c) => Math.max(h.length, 3, ...cells.map((row) => row[c].length)));
  const pad = (text: string, c: number) =>
    numeric[c] ? text.padStart(widths[c]) : text.padEnd(widths[c]);
  const line = (row: readonly string[]) => `| ${row.map(pad).join(" | ")} |`;
  const rule = `| ${
    widths.map((w, c) => numeric[c] ? "-".repeat(w - 1) + ":" : "-".repeat(w)).join(" | ")
  } |`;
  return [line(headers), rule, ...cells.map(line)].join("\n");
}

/**
 * A number for a table: thousands separated, at most 2 decimals, `—` for NaN.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { show } from "./table.ts";
 * assert.equal(show(20011), "20,011");
 * assert.equal(show(3.14159), "3.14");
 * assert.equal(show(NaN), "—");
 * ```
 */
export function show(value: number): string {
  if (Number.isNaN(value)) return "—";
  return value.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

/**
 * The Table's column widths. Every row is its own CSS grid (the list is
 * virtualized), so widths cannot come from the content of a shared table:
 * they are computed here, from the longest value each short column holds,
 * in `ch` (cycle points and status words are mostly digits and lower-case
 * letters, about one `ch` each). The task name takes what is left, and the
 * table scrolls sideways on a narrow screen instead of clipping.
 *
 * @module
 */
import type { ColumnKey } from "./view_queries.ts";

/** The longest text of the columns whose width follows their content. */
export interface Longest {
  /** Characters of the longest cycle point. */
  readonly cyclePoint: number;
  /** Characters of the longest status word. */
  readonly status: number;
  /** Characters of the longest latest-job label ("job 12"). */
  readonly job: number;
}

/** The grid template, and the narrowest width the table keeps (then it scrolls). */
export interface TableLayout {
  /** `grid-template-columns` for the header and every row. */
  readonly template: string;
  /** The table's `min-width` (CSS length). */
  readonly minWidth: string;
}

/** Room for the status glyph and its gap beside the word. */
const GLYPH = "1.6rem";
/** Space between columns and inside the row (the rows' `gap` and padding). */
const GAP_REM = 0.4;

/**
 * One column's track and its least width in rem-ish units (ch counted as
 * 0.6 rem, the system font's digit width at the table's size, rounded up).
 */
function track(key: ColumnKey, longest: Longest): { track: string; min: number } {
  switch (key) {
    case "name":
      return { track: "minmax(7rem, 1fr)", min: 7 };
    case "cyclePoint": {
      // Bold headers are wider than their text: "Cycle ▲" needs 5.5rem.
      const ch = Math.max(longest.cyclePoint, 3);
      return { track: `max(5.5rem, calc(${ch}ch + .6rem))`, min: Math.max(5.5, ch * 0.6 + 0.6) };
    }
    case "status": {
      const ch = Math.max(longest.status, 6);
      // The word is bold: 1.1 ch a letter.
      const width = (ch * 11) / 10;
      return { track: `calc(${width}ch + ${GLYPH})`, min: width * 0.6 + 1.6 };
    }
    case "job": {
      const ch = Math.max(longest.job, 5);
      return {
        track: `max(6.5rem, calc(${ch}ch + ${GLYPH}))`,
        min: Math.max(6.5, ch * 0.6 + 1.6),
      };
    }
    case "isHeld":
      return { track: "4rem", min: 4 };
    case "firstParent":
      return { track: "minmax(6rem, 1fr)", min: 6 };
  }
}

/**
 * The layout of the shown columns for the longest values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tableLayout } from "./table_layout.ts";
 * const layout = tableLayout(["name", "cyclePoint", "status"], { cyclePoint: 14, status: 9, job: 0 });
 * assert.equal(layout.template, "minmax(7rem, 1fr) max(5.5rem, calc(14ch + .6rem)) calc(9.9ch + 1.6rem)");
 * ```
 */
export function tableLayout(columns: readonly ColumnKey[], longest: Longest): TableLayout {
  const tracks = columns.map((key) => track(key, longest));
  const min = tracks.reduce((sum, t) => sum + t.min, 0) + GAP_REM * (tracks.length + 1);
  return {
    template: tracks.map((t) => t.track).join(" "),
    minWidth: `${Math.ceil(min)}rem`,
  };
}

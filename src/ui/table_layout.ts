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
const GLYPH = "1.3rem";
const GLYPH_REM = 1.3;
/** Space between columns and inside the row (the rows' `gap` and padding). */
const GAP_REM = 0.4;
/** A `ch` in rem, rounded up (the table's type is 0.9 rem). */
const CH_REM = 0.6;

/**
 * One column's track, and its least width in rem (to know when the table
 * must scroll sideways rather than squeeze).
 */
function track(key: ColumnKey, longest: Longest): { track: string; min: number } {
  switch (key) {
    case "name":
      return { track: "minmax(5rem, 1fr)", min: 5 };
    case "cyclePoint": {
      // The bold header and its sort arrow ("Cycle ▲") need 4.5rem.
      const ch = Math.max(longest.cyclePoint, 3);
      return { track: `max(4.5rem, calc(${ch}ch + .3rem))`, min: Math.max(4.5, ch * CH_REM + .3) };
    }
    case "status": {
      // Bold lower-case letters are about one ch each.
      const ch = Math.max(longest.status, 6);
      return { track: `calc(${ch}ch + ${GLYPH})`, min: ch * CH_REM + GLYPH_REM };
    }
    case "job": {
      const ch = Math.max(longest.job, 5);
      return {
        track: `max(4.5rem, calc(${ch}ch + ${GLYPH}))`,
        min: Math.max(4.5, ch * CH_REM + GLYPH_REM),
      };
    }
    case "isHeld":
      return { track: "3.5rem", min: 3.5 };
    case "firstParent":
      return { track: "minmax(5rem, 1fr)", min: 5 };
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
 * assert.equal(layout.template, "minmax(5rem, 1fr) max(4.5rem, calc(14ch + .3rem)) calc(9ch + 1.3rem)");
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

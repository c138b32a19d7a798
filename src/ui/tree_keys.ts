/**
 * Keyboard navigation of the Tree view, per the WAI-ARIA tree pattern
 * (https://www.w3.org/WAI/ARIA/apg/patterns/treeview/): one row is the
 * tab stop (roving tabindex) and the keys move it or open and close rows.
 *
 * - Down / Up: the next / previous visible row.
 * - Right: a closed row opens; an open row moves to its first child; a row
 *   without children does nothing.
 * - Left: an open row closes; any other row moves to its parent.
 * - Home / End: the first / last visible row.
 * - Enter / Space: the row's action (a job opens its detail; a row with
 *   children opens or closes).
 *
 * Pure, so it is tested without a browser.
 *
 * @module
 */

/** What the keys need to know of a visible row. */
export interface NavRow {
  readonly id: string;
  /** 0 for the top level. */
  readonly depth: number;
  /** Whether it has children to show. */
  readonly expandable: boolean;
}

/** What a key does. */
export type TreeKeyAction =
  | { readonly kind: "move"; readonly index: number }
  | { readonly kind: "open"; readonly index: number }
  | { readonly kind: "close"; readonly index: number }
  | { readonly kind: "activate"; readonly index: number };

/**
 * The action of `key` on the row at `index` (`undefined`: the key is not
 * the tree's, let it through).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { treeKeyAction } from "./tree_keys.ts";
 * const rows = [
 *   { id: "c", depth: 0, expandable: true },
 *   { id: "t", depth: 1, expandable: false },
 * ];
 * const open = (i: number) => i === 0;
 * assert.deepEqual(treeKeyAction(rows, 0, "ArrowDown", open), { kind: "move", index: 1 });
 * assert.deepEqual(treeKeyAction(rows, 1, "ArrowLeft", open), { kind: "move", index: 0 });
 * assert.deepEqual(treeKeyAction(rows, 0, "ArrowLeft", open), { kind: "close", index: 0 });
 * ```
 */
export function treeKeyAction(
  rows: readonly NavRow[],
  index: number,
  key: string,
  isOpen: (index: number) => boolean,
): TreeKeyAction | undefined {
  if (rows.length === 0) return undefined;
  const at = Math.min(Math.max(index, 0), rows.length - 1);
  const row = rows[at];
  switch (key) {
    case "ArrowDown":
      return { kind: "move", index: Math.min(at + 1, rows.length - 1) };
    case "ArrowUp":
      return { kind: "move", index: Math.max(at - 1, 0) };
    case "Home":
      return { kind: "move", index: 0 };
    case "End":
      return { kind: "move", index: rows.length - 1 };
    case "ArrowRight":
      if (!row.expandable) return { kind: "move", index: at };
      if (!isOpen(at)) return { kind: "open", index: at };
      // Open: its first child is the next row, when it is deeper.
      return {
        kind: "move",
        index: at + 1 < rows.length && rows[at + 1].depth > row.depth ? at + 1 : at,
      };
    case "ArrowLeft":
      if (row.expandable && isOpen(at)) return { kind: "close", index: at };
      return { kind: "move", index: parentIndex(rows, at) ?? at };
    case "Enter":
    case " ":
      return { kind: "activate", index: at };
    default:
      return undefined;
  }
}

/**
 * The index of the row's parent: the nearest row above it that is one level
 * up; `undefined` for a top-level row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parentIndex } from "./tree_keys.ts";
 * const rows = [0, 1, 2, 1].map((depth, i) => ({ id: `${i}`, depth, expandable: false }));
 * assert.equal(parentIndex(rows, 3), 0);
 * assert.equal(parentIndex(rows, 2), 1);
 * assert.equal(parentIndex(rows, 0), undefined);
 * ```
 */
export function parentIndex(rows: readonly NavRow[], index: number): number | undefined {
  const depth = rows[index]?.depth ?? 0;
  for (let i = index - 1; i >= 0; i--) if (rows[i].depth < depth) return i;
  return undefined;
}

import { assertEquals } from "../../tests/assert.ts";
import { type NavRow, treeKeyAction } from "./tree_keys.ts";

// cycle 1 (open) > FAM (open) > a (closed, has jobs), b; cycle 2 (closed)
const ROWS: NavRow[] = [
  { id: "cycle 1", depth: 0, expandable: true },
  { id: "FAM", depth: 1, expandable: true },
  { id: "a", depth: 2, expandable: true },
  { id: "b", depth: 2, expandable: false },
  { id: "cycle 2", depth: 0, expandable: true },
];
const OPEN = new Set([0, 1]);
const isOpen = (i: number) => OPEN.has(i);
const act = (index: number, key: string) => treeKeyAction(ROWS, index, key, isOpen);

Deno.test("Up and Down move through the visible rows and stop at the ends", () => {
  assertEquals(act(0, "ArrowDown"), { kind: "move", index: 1 });
  assertEquals(act(3, "ArrowDown"), { kind: "move", index: 4 });
  assertEquals(act(4, "ArrowDown"), { kind: "move", index: 4 });
  assertEquals(act(2, "ArrowUp"), { kind: "move", index: 1 });
  assertEquals(act(0, "ArrowUp"), { kind: "move", index: 0 });
});

Deno.test("Right opens a closed row, enters an open one, and does nothing on a leaf", () => {
  assertEquals(act(2, "ArrowRight"), { kind: "open", index: 2 });
  assertEquals(act(4, "ArrowRight"), { kind: "open", index: 4 });
  assertEquals(act(0, "ArrowRight"), { kind: "move", index: 1 });
  assertEquals(act(1, "ArrowRight"), { kind: "move", index: 2 });
  assertEquals(act(3, "ArrowRight"), { kind: "move", index: 3 });
});

Deno.test("Left closes an open row, else moves to the parent; a closed top row stays", () => {
  assertEquals(act(1, "ArrowLeft"), { kind: "close", index: 1 });
  assertEquals(act(3, "ArrowLeft"), { kind: "move", index: 1 });
  assertEquals(act(2, "ArrowLeft"), { kind: "move", index: 1 }, "closed: to its parent");
  assertEquals(act(4, "ArrowLeft"), { kind: "move", index: 4 });
});

Deno.test("Home, End, Enter and Space; other keys pass through", () => {
  assertEquals(act(3, "Home"), { kind: "move", index: 0 });
  assertEquals(act(1, "End"), { kind: "move", index: 4 });
  assertEquals(act(2, "Enter"), { kind: "activate", index: 2 });
  assertEquals(act(2, " "), { kind: "activate", index: 2 });
  assertEquals(act(2, "a"), undefined);
  assertEquals(act(2, "Tab"), undefined);
  assertEquals(treeKeyAction([], 0, "ArrowDown", isOpen), undefined);
  // An index past the end (rows went away) acts on the last row.
  assertEquals(act(99, "ArrowUp"), { kind: "move", index: 3 });
});

import { assert, assertEquals } from "../../tests/assert.ts";
import {
  borderPoint,
  drawMode,
  edgeBetweenBoxes,
  fitViewport,
  layoutBounds,
  MAX_SCALE,
  minScale,
  nodeAt,
  panBy,
  type PlacedNode,
  viewBox,
  visibleEdges,
  visibleNodes,
  visibleRect,
  zoomAt,
} from "./graph_viewport.ts";

function assertAlmostEquals(actual: number, expected: number, tolerance: number, message = "") {
  assert(
    Math.abs(actual - expected) <= tolerance,
    `${actual} is not within ${tolerance} of ${expected} ${message}`,
  );
}

/** A grid of `n` nodes spaced as the layout spaces them (120 × 100), `cols` wide. */
function grid(n: number, cols: number): PlacedNode[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `n${i}`,
    x: (i % cols) * 120,
    y: Math.floor(i / cols) * 100,
  }));
}

Deno.test("fit: the whole layout inside the panel, never clipped on the right", () => {
  const nodes = grid(60, 12); // 1440 × 500 layout units: wider than a panel
  const size = { width: 420, height: 416 };
  const bounds = layoutBounds(nodes);
  const view = fitViewport(bounds, size);
  const shown = visibleRect(view, size);
  assert(shown.minX <= bounds.minX && shown.maxX >= bounds.maxX, "all columns fit");
  assert(shown.minY <= bounds.minY && shown.maxY >= bounds.maxY, "all rows fit");
  assertEquals(visibleNodes(nodes, shown).length, 60);
  // A small graph is not blown up past its natural size.
  assertEquals(fitViewport(layoutBounds(grid(2, 2)), size).scale, 1);
  // The viewBox has the panel's aspect ratio: the SVG fills its box exactly.
  const [, , w, h] = viewBox(view, size).split(" ").map(Number);
  assertAlmostEquals(w / h, size.width / size.height, 1e-3);
});

Deno.test("zoom keeps the point under the pointer in place, within the limits", () => {
  const size = { width: 400, height: 300 };
  const view = { cx: 500, cy: 200, scale: 0.5 };
  const at = { x: 300, y: 120 };
  const under = (v: typeof view) => ({
    x: v.cx + (at.x - size.width / 2) / v.scale,
    y: v.cy + (at.y - size.height / 2) / v.scale,
  });
  const zoomed = zoomAt(view, 1.25, at, size, 0.1);
  assertAlmostEquals(zoomed.scale, 0.625, 1e-9);
  assertAlmostEquals(under(zoomed).x, under(view).x, 1e-9);
  assertAlmostEquals(under(zoomed).y, under(view).y, 1e-9);
  assertEquals(zoomAt(view, 100, at, size, 0.1).scale, MAX_SCALE);
  assertEquals(zoomAt(view, 0.0001, at, size, 0.1).scale, 0.1);
  const bounds = layoutBounds(grid(5000, 100));
  assertAlmostEquals(minScale(bounds, size), fitViewport(bounds, size).scale / 2, 1e-12);
});

Deno.test("pan follows the drag in screen pixels whatever the zoom", () => {
  const view = { cx: 0, cy: 0, scale: 0.25 };
  const size = { width: 400, height: 300 };
  const before = visibleRect(view, size);
  const after = visibleRect(panBy(view, 100, 50), size);
  assertAlmostEquals(before.minX - after.minX, 400, 1e-9, "100 px right is 400 units at 1/4");
  assertAlmostEquals(before.minY - after.minY, 200, 1e-9);
});

Deno.test("culling: 5,000 nodes zoomed in keep a screenful; edges by their extent", () => {
  const nodes = grid(5000, 100); // 12,000 × 5,000 units
  const size = { width: 600, height: 400 };
  const view = { cx: 6000, cy: 2500, scale: 1 };
  const rect = visibleRect(view, size);
  const shown = visibleNodes(nodes, rect);
  assert(shown.length > 0 && shown.length <= 6 * 5, `${shown.length} nodes in a 600 × 400 view`);
  for (const n of shown) {
    assert(n.x + 56 >= rect.minX && n.x - 56 <= rect.maxX, n.id);
  }
  assertEquals(drawMode(shown.length, view.scale), "detail");
  const fitted = fitViewport(layoutBounds(nodes), size);
  const all = visibleNodes(nodes, visibleRect(fitted, size));
  assertEquals(all.length, 5000);
  assertEquals(drawMode(all.length, fitted.scale), "overview", "5,000 nodes: blocks, no text");

  const edges = [
    { source: "a", target: "b", points: [{ x: 5900, y: 2400 }, { x: 6100, y: 2600 }] },
    { source: "c", target: "d", points: [{ x: 0, y: 0 }, { x: 120, y: 100 }] },
    // Crosses the view without a point inside it.
    { source: "e", target: "f", points: [{ x: 0, y: 2500 }, { x: 12000, y: 2500 }] },
  ];
  assertEquals(visibleEdges(edges, rect).map((e) => e.source), ["a", "e"]);
});

Deno.test("nodeAt finds the node under a layout point", () => {
  const nodes = grid(4, 2);
  assertEquals(nodeAt(nodes, 120 + 50, 100 - 20)?.id, "n3");
  assertEquals(nodeAt(nodes, 60, 50), undefined, "between nodes");
});

Deno.test("edges end on the node borders, so their arrowheads show", () => {
  // Straight down from (0, 0) to (0, 100): leaves the first box at its
  // bottom, enters the second at its top.
  assertEquals(edgeBetweenBoxes([{ x: 0, y: 0 }, { x: 0, y: 100 }]), [
    { x: 0, y: 26 },
    { x: 0, y: 74 },
  ]);
  // A steep diagonal meets the top or bottom; a flat one the side.
  const steep = borderPoint({ x: 60, y: -100 }, { x: 0, y: 0 });
  assertAlmostEquals(steep.x, 15.6, 1e-9);
  assertEquals(steep.y, -26);
  const flat = borderPoint({ x: 200, y: 20 }, { x: 0, y: 0 });
  assertAlmostEquals(flat.x, 56, 1e-9);
  assertAlmostEquals(flat.y, 5.6, 1e-9);
  // Waypoints in between stay.
  const bent = edgeBetweenBoxes([{ x: 0, y: 0 }, { x: 120, y: 100 }, { x: 120, y: 200 }]);
  assertEquals(bent[1], { x: 120, y: 100 });
  assertEquals(bent[2], { x: 120, y: 174 });
});

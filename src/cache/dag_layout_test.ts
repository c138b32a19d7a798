import { assert, assertEquals } from "../../tests/assert.ts";
import { layoutDag } from "./dag_layout.ts";

const layersOf = (layout: ReturnType<typeof layoutDag>) =>
  Object.fromEntries(layout.nodes.map((node) => [node.id, node.layer]));

Deno.test("longest-path layers of a diamond with a long edge", () => {
  const layout = layoutDag(["a", "b", "c", "d"], [["a", "b"], ["a", "c"], ["b", "d"], ["c", "d"], [
    "a",
    "d",
  ]]);
  assertEquals(layersOf(layout), { a: 0, b: 1, c: 1, d: 2 });
  assertEquals(layout.layers, 3);
  assertEquals(layout.crossings, 0);
  const long = layout.edges.find((edge) => edge.source === "a" && edge.target === "d")!;
  assertEquals(long.points.length, 3);
  assertEquals(long.points.map((point) => point.y), [0, 100, 200]);
  // y follows the layer, x is distinct within a layer.
  for (const node of layout.nodes) assertEquals(node.y, node.layer * 100);
  const layer1 = layout.nodes.filter((node) => node.layer === 1).map((node) => node.x);
  assertEquals(new Set(layer1).size, layer1.length);
});

Deno.test("barycentre sweeps remove avoidable crossings", () => {
  // Ordered by id, a1→b2 and a2→b1 cross; the sweep uncrosses them.
  const layout = layoutDag([], [["a1", "b2"], ["a2", "b1"], ["a1", "c2"], ["a2", "c1"]]);
  assertEquals(layout.crossings, 0);
  const x = Object.fromEntries(layout.nodes.map((node) => [node.id, node.x]));
  assertEquals(x.a1 < x.a2, x.b2 < x.b1);
});

Deno.test("cycles are broken by reversing an edge, self-loops and duplicates dropped", () => {
  const layout = layoutDag([], [["a", "b"], ["b", "c"], ["c", "a"], ["a", "a"], ["a", "b"]]);
  assertEquals(layout.edges.length, 3);
  const reversed = layout.edges.filter((edge) => edge.reversed);
  assertEquals(reversed.length, 1);
  const back = reversed[0];
  // The reversed edge is still drawn from its source to its target.
  const bySource = layout.nodes.find((node) => node.id === back.source)!;
  assertEquals(back.points[0], { x: bySource.x, y: bySource.y });
  assertEquals(layersOf(layout), { a: 0, b: 1, c: 2 });
});

Deno.test("isolated nodes and an empty graph", () => {
  assertEquals(layoutDag([], []).nodes.length, 0);
  const layout = layoutDag(["x", "y"], []);
  assertEquals(layersOf(layout), { x: 0, y: 0 });
  assert(layout.width > 0 && layout.height === 0);
});

Deno.test("a large graph lays out deterministically", () => {
  const edges: [string, string][] = [];
  for (let i = 0; i < 300; i++) edges.push([`n${i}`, `n${(i * 7 + 3) % 300}`]);
  const one = layoutDag([], edges);
  const two = layoutDag([], [...edges].reverse());
  assertEquals(one, two);
});

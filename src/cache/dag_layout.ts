/**
 * Layered ("Sugiyama") layout of a workflow graph for the UI's graph view:
 *
 * 1. cycles are broken by reversing DFS back edges (Cylc graphs are acyclic
 *    across cycle points, but a bad graph must still lay out);
 * 2. longest-path layering: a node sits one layer below its deepest parent;
 * 3. edges spanning several layers get a dummy node in each layer between,
 *    which later become the edge's waypoints;
 * 4. crossing reduction: alternating down/up barycentre sweeps, keeping the
 *    order with the fewest crossings;
 * 5. coordinates: `x` from the order within the layer (layers centred on the
 *    widest), `y` from the layer.
 *
 * Everything is deterministic (ids are sorted first), so a layout is a pure
 * function of the graph and can be cached by a version of the edges.
 *
 * @module
 */

/** A placed node. */
export interface LayoutNode {
  readonly id: string;
  /** Layer, 0 at the top. */
  readonly layer: number;
  /** Position within the layer, 0 at the left (dummy nodes count). */
  readonly order: number;
  readonly x: number;
  readonly y: number;
}

/** A point of a routed edge. */
export interface LayoutPoint {
  readonly x: number;
  readonly y: number;
}

/** A routed edge: from the source's point through waypoints to the target's. */
export interface LayoutEdge {
  readonly source: string;
  readonly target: string;
  readonly points: readonly LayoutPoint[];
  /** The edge was reversed to break a cycle (it points up). */
  readonly reversed: boolean;
}

/** A complete layout. */
export interface DagLayout {
  readonly nodes: readonly LayoutNode[];
  readonly edges: readonly LayoutEdge[];
  /** Number of layers. */
  readonly layers: number;
  readonly width: number;
  readonly height: number;
  /** Edge crossings left after crossing reduction (counted between adjacent layers). */
  readonly crossings: number;
}

/** Spacing of the layout, in abstract units. */
export interface LayoutOptions {
  /** Horizontal distance between neighbours in a layer (default 120). */
  readonly xSpacing?: number;
  /** Vertical distance between layers (default 100). */
  readonly ySpacing?: number;
  /** Most crossing-reduction sweeps (default 24). */
  readonly maxSweeps?: number;
}

/**
 * Lays out the graph `nodes` + `edges` (`[source, target]` id pairs; ids
 * named only by edges become nodes too; self-loops and duplicates are dropped).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layoutDag } from "./dag_layout.ts";
 * const layout = layoutDag(["a", "b", "c"], [["a", "b"], ["b", "c"], ["a", "c"]]);
 * assert.deepEqual(layout.nodes.map((n) => [n.id, n.layer]), [["a", 0], ["b", 1], ["c", 2]]);
 * const long = layout.edges.find((e) => e.source === "a" && e.target === "c")!;
 * assert(long.points.length === 3); // through one dummy node in layer 1
 * ```
 */
export function layoutDag(
  nodes: readonly string[],
  edges: readonly (readonly [string, string])[],
  options: LayoutOptions = {},
): DagLayout {
  const xSpacing = options.xSpacing ?? 120;
  const ySpacing = options.ySpacing ?? 100;
  const maxSweeps = options.maxSweeps ?? 24;

  // Index real nodes in id order so everything below is deterministic.
  const ids = [...new Set([...nodes, ...edges.flat()])].sort();
  const index = new Map(ids.map((id, i) => [id, i]));
  const n = ids.length;
  const seen = new Set<string>();
  const pairs: [number, number][] = [];
  for (const [source, target] of edges) {
    const key = `${source}\0${target}`;
    if (source === target || seen.has(key)) continue;
    seen.add(key);
    pairs.push([index.get(source)!, index.get(target)!]);
  }
  pairs.sort((p, q) => p[0] - q[0] || p[1] - q[1]);

  const reversed = breakCycles(n, pairs);
  const directed = pairs.map(([s, t], i) => reversed[i] ? [t, s] : [s, t]);
  const layer = longestPathLayers(n, directed);

  // Dummy nodes: index n + k, each with its layer; chains per edge.
  const layerOf = [...layer];
  const chains: number[][] = [];
  const links: [number, number][] = []; // unit-span edges between adjacent layers
  for (const [s, t] of directed) {
    const chain = [s];
    for (let l = layer[s] + 1; l < layer[t]; l++) {
      chain.push(layerOf.length);
      layerOf.push(l);
    }
    chain.push(t);
    chains.push(chain);
    for (let i = 0; i + 1 < chain.length; i++) links.push([chain[i], chain[i + 1]]);
  }
  const layerCount = n === 0 ? 0 : Math.max(...layerOf) + 1;
  const up: number[][] = layerOf.map(() => []);
  const down: number[][] = layerOf.map(() => []);
  for (const [a, b] of links) {
    down[a].push(b);
    up[b].push(a);
  }

  // Initial order: layer 0 by id, then each layer by barycentre of the one above.
  const layers: number[][] = Array.from({ length: layerCount }, () => []);
  for (let v = 0; v < layerOf.length; v++) layers[layerOf[v]].push(v);
  const position = new Float64Array(layerOf.length);
  const setPositions = (layerNodes: number[]) => layerNodes.forEach((v, i) => position[v] = i);
  if (layerCount > 0) setPositions(layers[0]);
  for (let l = 1; l < layerCount; l++) {
    orderByBarycentre(layers[l], up, position);
    setPositions(layers[l]);
  }

  let best = layers.map((layerNodes) => [...layerNodes]);
  let bestCrossings = countAll(layers, down, position);
  for (let sweep = 0; sweep < maxSweeps && bestCrossings > 0; sweep++) {
    if (sweep % 2 === 0) {
      for (let l = 1; l < layerCount; l++) {
        orderByBarycentre(layers[l], up, position);
        setPositions(layers[l]);
      }
    } else {
      for (let l = layerCount - 2; l >= 0; l--) {
        orderByBarycentre(layers[l], down, position);
        setPositions(layers[l]);
      }
    }
    const crossings = countAll(layers, down, position);
    if (crossings < bestCrossings) {
      bestCrossings = crossings;
      best = layers.map((layerNodes) => [...layerNodes]);
    }
  }
  for (const layerNodes of best) setPositions(layerNodes);

  const widest = Math.max(0, ...best.map((layerNodes) => layerNodes.length));
  const xOf = (v: number) => (position[v] + (widest - best[layerOf[v]].length) / 2) * xSpacing;
  const yOf = (v: number) => layerOf[v] * ySpacing;

  const placed: LayoutNode[] = ids.map((id, v) => ({
    id,
    layer: layerOf[v],
    order: position[v],
    x: xOf(v),
    y: yOf(v),
  }));
  placed.sort((a, b) => a.layer - b.layer || a.order - b.order);
  const routed: LayoutEdge[] = pairs.map(([s, t], i) => {
    const points = chains[i].map((v) => ({ x: xOf(v), y: yOf(v) }));
    if (reversed[i]) points.reverse();
    return { source: ids[s], target: ids[t], points, reversed: reversed[i] };
  });
  return {
    nodes: placed,
    edges: routed,
    layers: layerCount,
    width: Math.max(0, widest - 1) * xSpacing,
    height: Math.max(0, layerCount - 1) * ySpacing,
    crossings: bestCrossings,
  };
}

/** Marks the edges to reverse so the graph is acyclic (iterative DFS back edges). */
function breakCycles(n: number, pairs: readonly [number, number][]): boolean[] {
  const out: number[][] = Array.from({ length: n }, () => []);
  pairs.forEach(([s], i) => out[s].push(i));
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const reversed = pairs.map(() => false);
  for (let root = 0; root < n; root++) {
    if (state[root] !== 0) continue;
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [v, next] = top;
      if (next === out[v].length) {
        state[v] = 2;
        stack.pop();
        continue;
      }
      top[1]++;
      const edge = out[v][next];
      const w = pairs[edge][1];
      if (state[w] === 1) reversed[edge] = true;
      else if (state[w] === 0) {
        state[w] = 1;
        stack.push([w, 0]);
      }
    }
  }
  return reversed;
}

/** Layer of each node: 0 for sources, else one more than its deepest parent (Kahn order). */
function longestPathLayers(n: number, edges: readonly number[][]): number[] {
  const out: number[][] = Array.from({ length: n }, () => []);
  const indegree = new Int32Array(n);
  for (const [s, t] of edges) {
    out[s].push(t);
    indegree[t]++;
  }
  const layer = new Array<number>(n).fill(0);
  const queue: number[] = [];
  for (let v = 0; v < n; v++) if (indegree[v] === 0) queue.push(v);
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head];
    for (const w of out[v]) {
      if (layer[v] + 1 > layer[w]) layer[w] = layer[v] + 1;
      if (--indegree[w] === 0) queue.push(w);
    }
  }
  return layer;
}

/** Sorts `layerNodes` by the mean position of their neighbours; nodes without any keep their place. */
function orderByBarycentre(
  layerNodes: number[],
  neighbours: readonly number[][],
  position: Float64Array,
): void {
  const keyOf = new Map<number, number>();
  layerNodes.forEach((v, i) => {
    const ns = neighbours[v];
    keyOf.set(v, ns.length === 0 ? i : ns.reduce((sum, w) => sum + position[w], 0) / ns.length);
  });
  const current = new Map(layerNodes.map((v, i) => [v, i]));
  layerNodes.sort((a, b) => keyOf.get(a)! - keyOf.get(b)! || current.get(a)! - current.get(b)!);
}

/** Crossings between all adjacent layer pairs, by counting inversions with a Fenwick tree. */
function countAll(
  layers: readonly number[][],
  down: readonly number[][],
  position: Float64Array,
): number {
  let total = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    const pairs: [number, number][] = [];
    for (const v of layers[l]) for (const w of down[v]) pairs.push([position[v], position[w]]);
    pairs.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
    const size = layers[l + 1].length;
    const tree = new Int32Array(size + 1);
    let seenCount = 0;
    for (const [, lower] of pairs) {
      // Earlier edges ending right of `lower` cross this one.
      let atOrBelow = 0;
      for (let i = lower + 1; i > 0; i -= i & -i) atOrBelow += tree[i];
      total += seenCount - atOrBelow;
      for (let i = lower + 1; i <= size; i += i & -i) tree[i]++;
      seenCount++;
    }
  }
  return total;
}

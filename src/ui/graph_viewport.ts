/**
 * The Graph view's geometry, without the DOM: which part of the layout the
 * panel shows (a centre and a scale), fitting, zooming about a point,
 * panning, and culling what lies outside the view, so a 5,000-node graph
 * costs only what is on screen.
 *
 * Coordinates: the layout's (from `GetDag`, node centres) and the screen's
 * (CSS pixels inside the panel's drawing area). `scale` is screen pixels
 * per layout unit.
 *
 * @module
 */

/** What part of the layout is shown. */
export interface Viewport {
  /** The layout point at the centre of the drawing area. */
  readonly cx: number;
  readonly cy: number;
  /** Screen pixels per layout unit. */
  readonly scale: number;
}

/** A drawing area's size in CSS pixels. */
export interface Size {
  readonly width: number;
  readonly height: number;
}

/** An axis-aligned rectangle in layout coordinates. */
export interface Rect {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

/** A laid-out node (its centre). */
export interface PlacedNode {
  readonly id: string;
  readonly x: number;
  readonly y: number;
}

/** A laid-out edge (its polyline). */
export interface PlacedEdge {
  readonly source: string;
  readonly target: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

/** Node box size in layout units (the layout spaces centres 120 × 100 apart). */
export const NODE_W = 112;
/** Node box height in layout units. */
export const NODE_H = 52;
/** Space around the graph when fitted, in layout units. */
export const MARGIN = 24;
/** The largest zoom (nodes drawn at twice their size). */
export const MAX_SCALE = 2;
/** A fitted small graph is drawn at most at its natural size. */
export const FIT_MAX_SCALE = 1;

/**
 * The layout's extent, node boxes and margin included.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layoutBounds, MARGIN, NODE_H, NODE_W } from "./graph_viewport.ts";
 * const b = layoutBounds([{ id: "a", x: 0, y: 0 }, { id: "b", x: 120, y: 100 }]);
 * assert.deepEqual(b, {
 *   minX: -NODE_W / 2 - MARGIN, minY: -NODE_H / 2 - MARGIN,
 *   maxX: 120 + NODE_W / 2 + MARGIN, maxY: 100 + NODE_H / 2 + MARGIN,
 * });
 * ```
 */
export function layoutBounds(nodes: readonly PlacedNode[]): Rect {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const n of nodes) {
    if (n.x < minX) minX = n.x;
    if (n.x > maxX) maxX = n.x;
    if (n.y < minY) minY = n.y;
    if (n.y > maxY) maxY = n.y;
  }
  if (nodes.length === 0) {
    minX =
      minY =
      maxX =
      maxY =
        0;
  }
  return {
    minX: minX - NODE_W / 2 - MARGIN,
    minY: minY - NODE_H / 2 - MARGIN,
    maxX: maxX + NODE_W / 2 + MARGIN,
    maxY: maxY + NODE_H / 2 + MARGIN,
  };
}

/**
 * The smallest scale allowed: half of what fits the whole layout (there is
 * nothing to see further out).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { minScale } from "./graph_viewport.ts";
 * assert.equal(minScale({ minX: 0, minY: 0, maxX: 2000, maxY: 500 }, { width: 400, height: 400 }), 0.1);
 * ```
 */
export function minScale(bounds: Rect, size: Size): number {
  return fitViewport(bounds, size).scale / 2;
}

/**
 * The viewport that shows all of `bounds` in `size`, centred, at most at
 * {@linkcode FIT_MAX_SCALE}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fitViewport } from "./graph_viewport.ts";
 * const v = fitViewport({ minX: 0, minY: 0, maxX: 2000, maxY: 500 }, { width: 400, height: 400 });
 * assert.deepEqual(v, { cx: 1000, cy: 250, scale: 0.2 });
 * ```
 */
export function fitViewport(bounds: Rect, size: Size): Viewport {
  const w = Math.max(1, bounds.maxX - bounds.minX);
  const h = Math.max(1, bounds.maxY - bounds.minY);
  const scale = Math.min(FIT_MAX_SCALE, size.width / w, size.height / h);
  return {
    cx: (bounds.minX + bounds.maxX) / 2,
    cy: (bounds.minY + bounds.maxY) / 2,
    scale: scale > 0 && Number.isFinite(scale) ? scale : FIT_MAX_SCALE,
  };
}

/**
 * The rectangle of the layout the drawing area shows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { visibleRect } from "./graph_viewport.ts";
 * assert.deepEqual(visibleRect({ cx: 0, cy: 0, scale: 2 }, { width: 400, height: 200 }), {
 *   minX: -100, minY: -50, maxX: 100, maxY: 50,
 * });
 * ```
 */
export function visibleRect(view: Viewport, size: Size): Rect {
  const halfW = size.width / 2 / view.scale;
  const halfH = size.height / 2 / view.scale;
  return {
    minX: view.cx - halfW,
    minY: view.cy - halfH,
    maxX: view.cx + halfW,
    maxY: view.cy + halfH,
  };
}

/**
 * The SVG `viewBox` for `view` in `size`: exactly the visible rectangle, so
 * the SVG can fill its box with no letterboxing and culling is exact.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { viewBox } from "./graph_viewport.ts";
 * assert.equal(viewBox({ cx: 100, cy: 50, scale: 2 }, { width: 400, height: 200 }), "0 0 200 100");
 * ```
 */
export function viewBox(view: Viewport, size: Size): string {
  const r = visibleRect(view, size);
  const round = (n: number) => Math.round(n * 100) / 100;
  return `${round(r.minX)} ${round(r.minY)} ${round(r.maxX - r.minX)} ${round(r.maxY - r.minY)}`;
}

/**
 * Zooms by `factor` keeping the layout point under the screen point `at`
 * (CSS pixels from the drawing area's top left) where it is; the scale stays
 * within `[min, MAX_SCALE]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { zoomAt } from "./graph_viewport.ts";
 * const size = { width: 200, height: 100 };
 * // The top-left corner shows layout (0, 0) before and after.
 * const v = zoomAt({ cx: 100, cy: 50, scale: 1 }, 2, { x: 0, y: 0 }, size, 0.1);
 * assert.deepEqual(v, { cx: 50, cy: 25, scale: 2 });
 * ```
 */
export function zoomAt(
  view: Viewport,
  factor: number,
  at: { readonly x: number; readonly y: number },
  size: Size,
  min: number,
): Viewport {
  const scale = Math.min(MAX_SCALE, Math.max(min, view.scale * factor));
  // The layout point under `at`, before: it must stay under `at`.
  const lx = view.cx + (at.x - size.width / 2) / view.scale;
  const ly = view.cy + (at.y - size.height / 2) / view.scale;
  return {
    cx: lx - (at.x - size.width / 2) / scale,
    cy: ly - (at.y - size.height / 2) / scale,
    scale,
  };
}

/**
 * Moves the view so the picture follows a drag of `dx`, `dy` screen pixels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { panBy } from "./graph_viewport.ts";
 * assert.deepEqual(panBy({ cx: 0, cy: 0, scale: 2 }, 10, -20), { cx: -5, cy: 10, scale: 2 });
 * ```
 */
export function panBy(view: Viewport, dx: number, dy: number): Viewport {
  return { cx: view.cx - dx / view.scale, cy: view.cy - dy / view.scale, scale: view.scale };
}

/** Whether two rectangles overlap (touching counts). */
function overlaps(a: Rect, b: Rect): boolean {
  return a.minX <= b.maxX && b.minX <= a.maxX && a.minY <= b.maxY && b.minY <= a.maxY;
}

/**
 * The nodes whose box lies at least partly inside `rect`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { visibleNodes } from "./graph_viewport.ts";
 * const nodes = [{ id: "in", x: 0, y: 0 }, { id: "out", x: 1000, y: 0 }];
 * const rect = { minX: -100, minY: -100, maxX: 100, maxY: 100 };
 * assert.deepEqual(visibleNodes(nodes, rect).map((n) => n.id), ["in"]);
 * ```
 */
export function visibleNodes<N extends PlacedNode>(nodes: readonly N[], rect: Rect): N[] {
  const out: N[] = [];
  for (const n of nodes) {
    const box = {
      minX: n.x - NODE_W / 2,
      minY: n.y - NODE_H / 2,
      maxX: n.x + NODE_W / 2,
      maxY: n.y + NODE_H / 2,
    };
    if (overlaps(box, rect)) out.push(n);
  }
  return out;
}

/**
 * The edges whose polyline's bounding box lies at least partly inside `rect`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { visibleEdges } from "./graph_viewport.ts";
 * const edge = { source: "a", target: "b", points: [{ x: 0, y: 0 }, { x: 0, y: 100 }] };
 * assert.equal(visibleEdges([edge], { minX: -10, minY: 40, maxX: 10, maxY: 60 }).length, 1);
 * assert.equal(visibleEdges([edge], { minX: 50, minY: 0, maxX: 90, maxY: 100 }).length, 0);
 * ```
 */
export function visibleEdges<E extends PlacedEdge>(edges: readonly E[], rect: Rect): E[] {
  const out: E[] = [];
  for (const e of edges) {
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (const p of e.points) {
      if (p.x < minX) minX = p.x;
      if (p.x > maxX) maxX = p.x;
      if (p.y < minY) minY = p.y;
      if (p.y > maxY) maxY = p.y;
    }
    if (overlaps({ minX, minY, maxX, maxY }, rect)) out.push(e);
  }
  return out;
}

/** Above this many visible nodes, the overview is drawn (text for each is too slow). */
export const DETAIL_MAX_NODES = 400;
/** From this scale up, nodes show name, status word and cycle point. */
export const DETAIL_MIN_SCALE = 0.7;
/** From this scale up to the detail, nodes show glyph and name in a larger type. */
export const COMPACT_MIN_SCALE = 0.5;

/** How nodes are drawn. */
export type DrawMode = "detail" | "compact" | "overview";

/**
 * How to draw the visible nodes: one by one with name, status word and
 * cycle point (`detail`); one by one with glyph and name in a type that
 * stays readable when zoomed out (`compact`: a fitted graph of a dozen
 * tasks in half a screen); or as blocks coloured and counted by status
 * (`overview`), when there are too many to draw text for, or they are too
 * small to read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { drawMode } from "./graph_viewport.ts";
 * assert.equal(drawMode(30, 1), "detail");
 * assert.equal(drawMode(12, 0.5), "compact");
 * assert.equal(drawMode(5000, 1), "overview");
 * assert.equal(drawMode(30, 0.2), "overview");
 * ```
 */
export function drawMode(visible: number, scale: number): DrawMode {
  if (visible > DETAIL_MAX_NODES) return "overview";
  if (scale >= DETAIL_MIN_SCALE) return "detail";
  return scale >= COMPACT_MIN_SCALE ? "compact" : "overview";
}

/**
 * The node whose box contains the layout point (`x`, `y`), if any (the
 * pointer's read-out under the drawing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nodeAt } from "./graph_viewport.ts";
 * assert.equal(nodeAt([{ id: "a", x: 0, y: 0 }], 10, 5)?.id, "a");
 * assert.equal(nodeAt([{ id: "a", x: 0, y: 0 }], 300, 5), undefined);
 * ```
 */
export function nodeAt<N extends PlacedNode>(
  nodes: readonly N[],
  x: number,
  y: number,
): N | undefined {
  for (const n of nodes) {
    if (Math.abs(n.x - x) <= NODE_W / 2 && Math.abs(n.y - y) <= NODE_H / 2) return n;
  }
  return undefined;
}

/**
 * Where the segment from `from` towards the centre of a node box at `to`
 * meets the box's border: edges end there, so their arrowheads show
 * instead of hiding under the node.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { borderPoint, NODE_H } from "./graph_viewport.ts";
 * assert.deepEqual(borderPoint({ x: 0, y: -100 }, { x: 0, y: 0 }), { x: 0, y: -NODE_H / 2 });
 * ```
 */
export function borderPoint(
  from: { readonly x: number; readonly y: number },
  to: { readonly x: number; readonly y: number },
): { x: number; y: number } {
  const dx = from.x - to.x, dy = from.y - to.y;
  if (dx === 0 && dy === 0) return { x: to.x, y: to.y };
  // The smallest t in (0, 1] at which (to + t·d) leaves the box.
  const tx = dx === 0 ? Infinity : (NODE_W / 2) / Math.abs(dx);
  const ty = dy === 0 ? Infinity : (NODE_H / 2) / Math.abs(dy);
  const t = Math.min(1, tx, ty);
  return { x: to.x + dx * t, y: to.y + dy * t };
}

/**
 * An edge's polyline with its ends moved from the node centres to the node
 * borders.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { edgeBetweenBoxes, NODE_H } from "./graph_viewport.ts";
 * const [from, to] = edgeBetweenBoxes([{ x: 0, y: 0 }, { x: 0, y: 100 }]);
 * assert.deepEqual([from.y, to.y], [NODE_H / 2, 100 - NODE_H / 2]);
 * ```
 */
export function edgeBetweenBoxes(
  points: readonly { readonly x: number; readonly y: number }[],
): { x: number; y: number }[] {
  if (points.length < 2) return points.map((p) => ({ x: p.x, y: p.y }));
  const out = points.map((p) => ({ x: p.x, y: p.y }));
  out[0] = borderPoint(points[1], points[0]);
  out[out.length - 1] = borderPoint(points[points.length - 2], points[points.length - 1]);
  return out;
}

/**
 * The view a graph opens with: the whole of it, fitted, unless that makes a
 * graph small enough to name every node (at most {@linkcode DETAIL_MAX_NODES})
 * too small to read; then its middle at the smallest readable scale, and the
 * rest a drag (or the Fit button) away.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { COMPACT_MIN_SCALE, openingViewport } from "./graph_viewport.ts";
 * const wide = { minX: 0, minY: 0, maxX: 4000, maxY: 400 };
 * const size = { width: 400, height: 400 };
 * assert.equal(openingViewport(wide, size, 30).scale, COMPACT_MIN_SCALE);
 * assert.equal(openingViewport(wide, size, 5000).scale, 0.1);
 * ```
 */
export function openingViewport(bounds: Rect, size: Size, nodes: number): Viewport {
  const fit = fitViewport(bounds, size);
  if (nodes > DETAIL_MAX_NODES || fit.scale >= COMPACT_MIN_SCALE) return fit;
  return { ...fit, scale: COMPACT_MIN_SCALE };
}

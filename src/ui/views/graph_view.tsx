/** @jsxRuntime automatic */
/** @jsxImportSource preact */
/// <reference lib="dom" />
/**
 * The Graph view: the workflow's DAG as SVG, laid out by the cache's
 * `GetDag` action (`dag(workflowId)`), nodes coloured by live status with
 * the status's glyph and word in the node, so colour is never the only
 * sign. The layout is fetched again when tasks or edges come or go.
 *
 * The drawing fits the panel (its `viewBox` is the part of the layout in
 * view; a graph too wide to read whole opens on its middle at a readable
 * scale, and Fit shows all of it) and zooms and pans: buttons, the wheel (about the pointer), a drag,
 * and the keyboard (arrows move, `+` `-` zoom, `0` fits). Only what is in
 * view is drawn. Zoomed out, nodes show their glyph and name in a larger
 * type; when more than a few hundred nodes are in view, or they are too
 * small to read, they are drawn as blocks (a few SVG paths in all), counted
 * by status in the legend, and the pointer's node is named under the
 * drawing. So a 5,000-node graph stays responsive.
 *
 * @module
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { useServices, useStoreVersion, useViewSubscription } from "../context.tsx";
import {
  drawMode,
  edgeBetweenBoxes,
  fitViewport,
  layoutBounds,
  minScale,
  NODE_H,
  NODE_W,
  nodeAt,
  openingViewport,
  panBy,
  type PlacedEdge,
  type PlacedNode,
  type Size,
  viewBox,
  type Viewport,
  visibleEdges,
  visibleNodes,
  visibleRect,
  zoomAt,
} from "../graph_viewport.ts";
import { runQuery } from "../graphql_http.ts";
import type { NormalizedStore } from "../normalized_store.ts";
import { statusGlyph } from "../status_icon.tsx";
import { graphQuery } from "../view_queries.ts";

interface Layout {
  readonly version: string;
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
}

const DAG_QUERY = `query Dag($id: ID!) { dag(workflowId: $id) {
  version width height nodes { id x y } edges { source target points { x y } } } }`;

/** Waits this long after the graph changed before asking for a new layout. */
const RELAYOUT_MS = 400;
/** One zoom step (button, key). */
const ZOOM_STEP = 1.25;
/** One arrow-key move, as a share of the drawing area. */
const PAN_STEP = 0.15;

/** Props of the Graph. */
export interface GraphViewProps {
  readonly workflowId: string;
}

/** The Graph view. */
export function GraphView(props: GraphViewProps) {
  const { workflowId } = props;
  useViewSubscription("graph", "Graph", workflowId, graphQuery(workflowId));
  const { store, token } = useServices();
  useStoreVersion();
  const graphVersion = store.index(workflowId).graphVersion;
  const [layout, setLayout] = useState<Layout | null | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => {
      runQuery<{ dag: Layout | null }>(DAG_QUERY, { id: workflowId }, token())
        .then((data) => {
          if (cancelled) return;
          setLayout(data.dag);
          setError(undefined);
        })
        .catch((e) => !cancelled && setError((e as Error).message));
    }, layout === undefined ? 0 : RELAYOUT_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [workflowId, graphVersion]);
  let body;
  if (error) body = <p class="error" role="alert">The layout could not be loaded: {error}</p>;
  else if (layout === undefined) body = <p class="empty" role="status">Laying out the graph…</p>;
  else if (layout === null || layout.nodes.length === 0) {
    body = <p class="empty">No graph for this workflow yet.</p>;
  } else body = <GraphCanvas layout={layout} workflowId={workflowId} store={store} />;
  return (
    <section class="panel graph-panel" aria-labelledby="graph-title" data-view="graph">
      <h2 id="graph-title">Graph</h2>
      {body}
    </section>
  );
}

/** A task's status and names, as the graph shows them. */
function describe(store: NormalizedStore, workflowId: string, id: string) {
  const task = store.tasks.get(id);
  const status = String(task?.status ?? "unknown");
  return {
    status,
    css: status.replace(/[^a-z-]/g, ""),
    name: String(task?.name ?? id.slice(id.lastIndexOf("/") + 1)),
    point: id.slice(workflowId.length + 2).split("/")[0],
  };
}

/** The compact label's type size (layout units) and the width it may take. */
const COMPACT_FONT = 18;
const COMPACT_WIDTH = NODE_W - 14;

/**
 * Squeezes a compact label that would overflow its box (a name of up to ten
 * characters, whole, rather than cut where names differ: `shard_1`, `shard_2`).
 */
function squeeze(name: string): { textLength?: number; lengthAdjust?: string } {
  // Glyph, space and name at about 0.62 em a character in the bold system font.
  const estimate = (Math.min(name.length, 10) + 2) * 0.62 * COMPACT_FONT;
  return estimate > COMPACT_WIDTH
    ? { textLength: COMPACT_WIDTH, lengthAdjust: "spacingAndGlyphs" }
    : {};
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The drawing, its controls, legend and read-out. */
function GraphCanvas(props: { layout: Layout; workflowId: string; store: NormalizedStore }) {
  const { layout, workflowId, store } = props;
  const box = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState<Size>({ width: 600, height: 400 });
  // null: the opening view (follows the panel's size and the layout); else
  // where the user put it ("fit" follows them too).
  const [chosen, setChosen] = useState<Viewport | "fit" | null>(null);
  const [hover, setHover] = useState<string | undefined>(undefined);
  const drag = useRef<{ x: number; y: number; id: number } | null>(null);
  const bounds = useMemo(() => layoutBounds(layout.nodes), [layout]);
  const view = chosen === null
    ? openingViewport(bounds, size, layout.nodes.length)
    : chosen === "fit"
    ? fitViewport(bounds, size)
    : chosen;
  const lowest = minScale(bounds, size);
  // Handlers registered once read the latest values here.
  const latest = useRef({ view, size, lowest });
  latest.current = { view, size, lowest };

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const measure = () => {
      const width = element.clientWidth, height = element.clientHeight;
      if (width > 0 && height > 0) setSize({ width, height });
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    // The wheel zooms the drawing, not the page: a listener that may cancel.
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const { view, size, lowest } = latest.current;
      const lines = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? size.height : 1;
      const factor = Math.exp(-event.deltaY * lines * 0.0015);
      const at = pointIn(element, event);
      setChosen(zoomAt(view, factor, at, size, lowest));
    };
    element.addEventListener("wheel", onWheel, { passive: false });
    return () => {
      observer.disconnect();
      element.removeEventListener("wheel", onWheel);
    };
  }, []);

  const zoom = (factor: number) =>
    setChosen(zoomAt(view, factor, { x: size.width / 2, y: size.height / 2 }, size, lowest));
  const onKeyDown = (event: KeyboardEvent) => {
    const step = { x: size.width * PAN_STEP, y: size.height * PAN_STEP };
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [step.x, 0],
      ArrowRight: [-step.x, 0],
      ArrowUp: [0, step.y],
      ArrowDown: [0, -step.y],
    };
    if (event.key in moves) setChosen(panBy(view, ...moves[event.key]));
    else if (event.key === "+" || event.key === "=") zoom(ZOOM_STEP);
    else if (event.key === "-" || event.key === "_") zoom(1 / ZOOM_STEP);
    else if (event.key === "0") setChosen("fit");
    else return;
    event.preventDefault();
  };
  const onPointerDown = (event: PointerEvent) => {
    if (event.button !== 0) return;
    drag.current = { x: event.clientX, y: event.clientY, id: event.pointerId };
    (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
  };
  const onPointerMove = (event: PointerEvent) => {
    const d = drag.current;
    if (d && d.id === event.pointerId) {
      setChosen(panBy(view, event.clientX - d.x, event.clientY - d.y));
      drag.current = { ...d, x: event.clientX, y: event.clientY };
      return;
    }
    const at = pointIn(event.currentTarget as HTMLElement, event);
    const x = view.cx + (at.x - size.width / 2) / view.scale;
    const y = view.cy + (at.y - size.height / 2) / view.scale;
    setHover(nodeAt(shownNodes, x, y)?.id);
  };
  const endDrag = (event: PointerEvent) => {
    if (drag.current?.id !== event.pointerId) return;
    drag.current = null;
    (event.currentTarget as HTMLElement).releasePointerCapture(event.pointerId);
  };

  const rect = visibleRect(view, size);
  const at = [layout, rect.minX, rect.minY, rect.maxX, rect.maxY];
  const shownNodes = useMemo(() => visibleNodes(layout.nodes, rect), at);
  const shownEdges = useMemo(() => visibleEdges(layout.edges, rect), at);
  const mode = drawMode(shownNodes.length, view.scale);
  const counts = new Map<string, number>();
  for (const node of layout.nodes) {
    const status = describe(store, workflowId, node.id).status;
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  const hovered = hover ? describe(store, workflowId, hover) : undefined;
  const percent = Math.round(view.scale * 100);
  return (
    <div class="graph-wrap">
      <div class="graph-tools" role="toolbar" aria-label="Graph zoom">
        <button type="button" aria-label="Zoom out" onClick={() => zoom(1 / ZOOM_STEP)}>
          −
        </button>
        <button type="button" aria-label="Zoom in" onClick={() => zoom(ZOOM_STEP)}>+</button>
        <button
          type="button"
          aria-pressed={chosen === "fit"}
          title="Show the whole graph (key 0)"
          onClick={() => setChosen("fit")}
        >
          Fit
        </button>
        <span class="muted" data-zoom={percent}>{percent} %</span>
        <span class="muted graph-count">
          {layout.nodes.length} tasks, {layout.edges.length} edges
          {mode === "overview" ? " · zoom in for names" : ""}
        </span>
      </div>
      <div
        class="graph-canvas"
        ref={box}
        tabIndex={0}
        role="group"
        aria-label={`Graph of ${workflowId}. Drag or use the arrow keys to move; ` +
          "+ and − zoom, 0 fits the graph to the panel."}
        aria-keyshortcuts="ArrowLeft ArrowRight ArrowUp ArrowDown + - 0"
        data-mode={mode}
        data-drawn={shownNodes.length}
        onKeyDown={onKeyDown}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={endDrag}
        onPointerCancel={endDrag}
        onPointerLeave={() => setHover(undefined)}
      >
        <svg
          class="graph"
          width={size.width}
          height={size.height}
          viewBox={viewBox(view, size)}
          role="img"
          aria-label={`${layout.nodes.length} tasks, ${layout.edges.length} edges; ${
            [...counts].map(([status, n]) => `${n} ${status}`).join(", ")
          }`}
        >
          <defs>
            <marker
              id="arrow"
              viewBox="0 0 8 8"
              refX="8"
              refY="4"
              markerWidth="7"
              markerHeight="7"
              orient="auto"
            >
              <path d="M0,0 L8,4 L0,8 z" class="arrowhead" />
            </marker>
          </defs>
          {mode !== "overview"
            ? (
              <DetailDrawing
                nodes={shownNodes}
                edges={shownEdges}
                store={store}
                workflowId={workflowId}
                compact={mode === "compact"}
              />
            )
            : (
              <OverviewDrawing
                nodes={shownNodes}
                edges={shownEdges}
                store={store}
                workflowId={workflowId}
              />
            )}
        </svg>
      </div>
      <p class="graph-readout muted" data-hover={hover ?? ""}>
        {hovered
          ? (
            <>
              <span class={`status status-${hovered.css}`}>
                <span aria-hidden="true">{statusGlyph(hovered.status)}</span> {hovered.status}
              </span>{" "}
              {hovered.name} <span class="muted">cycle {hovered.point}</span>
            </>
          )
          : "Point at a task to name it."}
      </p>
      <ul class="legend" aria-label="Tasks by status">
        {[...counts].sort((a, b) => b[1] - a[1]).map(([status, n]) => (
          <li key={status} class={`status status-${status.replace(/[^a-z-]/g, "")}`}>
            <span aria-hidden="true" class="swatch" />
            <span aria-hidden="true">{statusGlyph(status)}</span> {status} {n}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The pointer's position inside `element`, in CSS pixels. */
function pointIn(element: HTMLElement, event: MouseEvent): { x: number; y: number } {
  const r = element.getBoundingClientRect();
  return { x: event.clientX - r.left, y: event.clientY - r.top };
}

interface DrawingProps {
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
  readonly store: NormalizedStore;
  readonly workflowId: string;
  /** Glyph and name only, in a larger type (zoomed out). */
  readonly compact?: boolean;
}

/**
 * Nodes one by one: box, glyph, name, status word and cycle point; or,
 * compact, glyph and name in a type that stays readable zoomed out.
 */
function DetailDrawing(props: DrawingProps) {
  const { store, workflowId } = props;
  return (
    <>
      {props.edges.map((e) => (
        <polyline
          key={`${e.source}>${e.target}`}
          class="edge"
          points={edgeBetweenBoxes(e.points).map((p) => `${p.x},${p.y}`).join(" ")}
          marker-end="url(#arrow)"
        />
      ))}
      {props.nodes.map((n) => {
        const d = describe(store, workflowId, n.id);
        return (
          <g
            key={n.id}
            class={`node status-${d.css}`}
            transform={`translate(${n.x - NODE_W / 2},${n.y - NODE_H / 2})`}
            data-id={n.id}
          >
            <title>{`${n.id}: ${d.status}`}</title>
            <rect width={NODE_W} height={NODE_H} rx="6" />
            {props.compact
              ? (
                <text x="8" y="32" class="node-compact" {...squeeze(d.name)}>
                  <tspan class="node-glyph">{statusGlyph(d.status)}</tspan> {cut(d.name, 10)}
                </text>
              )
              : (
                <>
                  <text x="8" y="21" class="node-glyph">{statusGlyph(d.status)}</text>
                  <text x="26" y="17" class="node-label">{cut(d.name, 12)}</text>
                  <text x="26" y="32" class="node-status">{cut(d.status, 13)}</text>
                  <text x="26" y="45" class="node-point">{cut(d.point, 15)}</text>
                </>
              )}
          </g>
        );
      })}
    </>
  );
}

/**
 * Nodes as blocks: one path per status (its colour; the legend counts them
 * with glyph and word) and one path for all edges, so thousands of nodes
 * are a handful of elements.
 */
function OverviewDrawing(props: DrawingProps) {
  const { store, workflowId } = props;
  const byStatus = new Map<string, string[]>();
  for (const n of props.nodes) {
    const css = describe(store, workflowId, n.id).css;
    const parts = byStatus.get(css) ?? [];
    parts.push(`M${n.x - NODE_W / 2} ${n.y - NODE_H / 2}h${NODE_W}v${NODE_H}h${-NODE_W}z`);
    byStatus.set(css, parts);
  }
  const edges = props.edges.map((e) =>
    e.points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x} ${p.y}`).join("")
  ).join("");
  return (
    <>
      <path class="edge" d={edges} />
      {[...byStatus].map(([css, parts]) => (
        <path key={css} class={`block status-${css}`} d={parts.join("")} />
      ))}
    </>
  );
}

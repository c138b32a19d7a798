/** @jsxRuntime automatic */
/** @jsxImportSource preact */
/// <reference lib="dom" />
/**
 * The Graph view: the workflow's DAG as SVG, laid out by the cache's
 * `GetDag` action (`dag(workflowId)`), nodes coloured by live status, with
 * the status glyph in the node so colour is not the only sign. The layout
 * is fetched again when tasks or edges come or go.
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import { useServices, useStoreVersion, useViewSubscription } from "../context.tsx";
import { runQuery } from "../graphql_http.ts";
import { statusGlyph } from "../status_icon.tsx";
import { graphQuery } from "../view_queries.ts";

interface Layout {
  readonly version: string;
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly { id: string; x: number; y: number }[];
  readonly edges: readonly {
    source: string;
    target: string;
    points: readonly { x: number; y: number }[];
  }[];
}

const DAG_QUERY = `query Dag($id: ID!) { dag(workflowId: $id) {
  version width height nodes { id x y } edges { source target points { x y } } } }`;

/** Waits this long after the graph changed before asking for a new layout. */
const RELAYOUT_MS = 400;
const NODE_W = 104;
const NODE_H = 40;
const MARGIN = 64;

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
  } else {
    const width = layout.width + 2 * MARGIN;
    const height = layout.height + 2 * MARGIN;
    body = (
      <div class="graph-scroll" tabIndex={0} aria-label="Graph, scrollable">
        <svg
          class="graph"
          width={width}
          height={height}
          viewBox={`${-MARGIN} ${-MARGIN} ${width} ${height}`}
          role="img"
          aria-label={`Graph of ${workflowId}: ${layout.nodes.length} tasks, ${layout.edges.length} edges`}
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
          {layout.edges.map((e) => (
            <polyline
              key={`${e.source}>${e.target}`}
              class="edge"
              points={e.points.map((p) => `${p.x},${p.y}`).join(" ")}
              marker-end="url(#arrow)"
            />
          ))}
          {layout.nodes.map((n) => {
            const task = store.tasks.get(n.id);
            const status = String(task?.status ?? "unknown");
            const name = String(task?.name ?? n.id.slice(n.id.lastIndexOf("/") + 1));
            const point = n.id.slice(workflowId.length + 2).split("/")[0];
            return (
              <g
                key={n.id}
                class={`node status-${status}`}
                transform={`translate(${n.x - NODE_W / 2},${n.y - NODE_H / 2})`}
                data-id={n.id}
              >
                <title>{`${n.id}: ${status}`}</title>
                <rect width={NODE_W} height={NODE_H} rx="6" />
                <text x="8" y="24" class="node-glyph">{statusGlyph(status)}</text>
                <text x="24" y="17" class="node-label">{name.slice(0, 12)}</text>
                <text x="24" y="32" class="node-point">{point.slice(0, 14)}</text>
              </g>
            );
          })}
        </svg>
      </div>
    );
  }
  return (
    <section class="panel graph-panel" aria-labelledby="graph-title" data-view="graph">
      <h2 id="graph-title">Graph</h2>
      {body}
    </section>
  );
}

/**
 * `GetDag`: lays out a workflow's graph. The client read the graph from the
 * database (the worker has no database connection) and sent it in the
 * payload; the key carries a version of the edges, so a changed graph is a
 * new key.
 *
 * @module
 */
import { layoutDag } from "../dag_layout.ts";
import type { ActionContext, ActionEntry } from "./action.ts";

/**
 * Runs `GetDag`; the entry's body is the layout as JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getDag } from "./get_dag.ts";
 * const [entry] = await getDag({
 *   keys: ["dag:~u/f:v"], jobDir: "", progress: () => {},
 *   payload: { workflowId: "~u/f", version: "v", nodes: ["a", "b"], edges: [["a", "b"]] },
 *   settings: { artifactRoots: [], logRoots: [], artifactMaxBytes: 1, artifactHosts: [], s3Region: "x" },
 * });
 * assert(JSON.parse(entry.body as string).layers === 2);
 * ```
 */
export function getDag(context: ActionContext): Promise<ActionEntry[]> {
  const payload = context.payload as {
    workflowId: string;
    version: string;
    nodes: string[];
    edges: [string, string][];
  };
  const layout = layoutDag(payload.nodes, payload.edges);
  const body = JSON.stringify({
    workflowId: payload.workflowId,
    version: payload.version,
    ...layout,
  });
  return Promise.resolve([{
    key: context.keys[0],
    meta: { workflowId: payload.workflowId, version: payload.version },
    body,
  }]);
}

/**
 * The `dag` pool's action as a method: `getDag(workflowId)`.
 *
 * The worker has no database connection (PGlite lives in the server's
 * process), so the graph is read here, hashed into a version for the key,
 * and sent in the payload only on a miss.
 *
 * @module
 */
import type { Queryable } from "../db/database.ts";
import type { CacheClient } from "./client.ts";
import type { CacheFuture } from "./future.ts";
import { keyHash } from "./key_layout.ts";
import { dagKey } from "./protocol.ts";
import type { DagLayout } from "./dag_layout.ts";
import type { CallOptions } from "./artifact_cache.ts";

/** A workflow's layout, as cached. */
export interface WorkflowDag extends DagLayout {
  readonly workflowId: string;
  /** Version of the graph the layout was made from. */
  readonly version: string;
}

/** A workflow's graph as read from the database. */
export interface WorkflowGraph {
  /** Task proxy ids, sorted. */
  readonly nodes: string[];
  /** `[source, target]` pairs, sorted. */
  readonly edges: [string, string][];
  /** sha-256 (hex, 32 chars) of the sorted nodes and edges. */
  readonly version: string;
}

const decoder = new TextDecoder();

/**
 * Reads a workflow's graph (`task_proxies` ids and `edges`) and its version.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readWorkflowGraph } from "./dag_cache.ts";
 * const db = {
 *   query: (sql: string) => Promise.resolve(
 *     sql.includes("from edges") ? [{ source: "a", target: "b" }] : [{ id: "a" }, { id: "b" }],
 *   ),
 * };
 * // deno-lint-ignore no-explicit-any
 * const graph = await readWorkflowGraph(db as any, "~u/f");
 * assert.deepEqual(graph.edges, [["a", "b"]]);
 * assert(graph.version.length === 32);
 * ```
 */
export async function readWorkflowGraph(db: Queryable, workflowId: string): Promise<WorkflowGraph> {
  const [nodeRows, edgeRows] = await Promise.all([
    db.query<{ id: string }>(
      "select id from task_proxies where workflow_id = $1 order by id",
      [workflowId],
    ),
    db.query<{ source: string | null; target: string | null }>(
      "select source, target from edges where workflow_id = $1 order by source, target",
      [workflowId],
    ),
  ]);
  const nodes = nodeRows.map((row) => row.id).sort();
  const edges = edgeRows
    .filter((row) => typeof row.source === "string" && typeof row.target === "string")
    .map((row) => [row.source, row.target] as [string, string])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const version = keyHash(JSON.stringify([nodes, edges])).slice(0, 32);
  return { nodes, edges, version };
}

/**
 * The DAG action on the `dag` pool.
 *
 * @example
 * ```ts ignore
 * const dag = await pools.dag.getDag("~user/flow");
 * console.log(dag.layers, dag.nodes[0].x, dag.nodes[0].y);
 * ```
 */
export class DagCache {
  /** The pool's client (for stats). */
  readonly client: CacheClient;
  readonly #db: Queryable;

  /** Wraps `client` (a `dag` pool client) reading graphs from `db`. */
  constructor(client: CacheClient, db: Queryable) {
    this.client = client;
    this.#db = db;
  }

  /**
   * The layered layout of the workflow's graph, cached per graph version.
   *
   * @example
   * ```ts ignore
   * const dag = await pools.dag.getDag("~user/flow");
   * ```
   */
  getDag(workflowId: string, options: CallOptions = {}): CacheFuture<WorkflowDag> {
    return this.client.request(
      readWorkflowGraph(this.#db, workflowId).then((graph) => ({
        action: "GetDag",
        keys: [dagKey(workflowId, graph.version)],
        payload: () => ({ workflowId, ...graph }),
        decode: ([entry]) => JSON.parse(decoder.decode(entry.body)) as WorkflowDag,
        ...options,
      })),
    );
  }
}

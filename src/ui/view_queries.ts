/**
 * Each view's subscription: exactly the fields it shows. The service merges
 * the ones that watch the same workflow.
 *
 * @module
 */

/** A workflow id as a GraphQL string literal. */
function literal(id: string): string {
  return JSON.stringify(id);
}

/**
 * The Workflows list: every workflow's status, state totals and last heartbeat.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workflowsQuery } from "./view_queries.ts";
 * assert(workflowsQuery().includes("stateTotals"));
 * ```
 */
export function workflowsQuery(): string {
  return "subscription { workflows { id name owner status statusMsg stateTotals lastHeartbeatTime } }";
}

/**
 * The Tree: families → tasks → jobs, with what the icons need.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { treeQuery } from "./view_queries.ts";
 * assert(treeQuery("~u/f").startsWith('subscription { workflows(ids: ["~u/f"])'));
 * ```
 */
export function treeQuery(workflowId: string): string {
  return `subscription { workflows(ids: [${literal(workflowId)}]) { id ` +
    "familyProxies { id name cyclePoint status firstParent { id } } " +
    "taskProxies { id name cyclePoint status isHeld firstParent { id } jobs { id submitNum status } } } }";
}

/**
 * The Graph: nodes with their status, and the edges (the layout comes from `dag`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { graphQuery } from "./view_queries.ts";
 * assert(graphQuery("~u/f").includes("nodesEdges"));
 * ```
 */
export function graphQuery(workflowId: string): string {
  return `subscription { workflows(ids: [${literal(workflowId)}]) { id ` +
    "taskProxies { id name status } nodesEdges { nodes { id } edges { id source target } } } }";
}

/** The Table's columns, and the fields each needs. */
export const TABLE_COLUMNS = [
  { key: "name", label: "Task", fields: "name" },
  { key: "cyclePoint", label: "Cycle", fields: "cyclePoint" },
  { key: "status", label: "Status", fields: "status" },
  { key: "isHeld", label: "Held", fields: "isHeld" },
  { key: "firstParent", label: "Family", fields: "firstParent { id }" },
  { key: "job", label: "Last job", fields: "jobs { id submitNum status }" },
] as const;

/** A Table column key. */
export type ColumnKey = typeof TABLE_COLUMNS[number]["key"];

/**
 * The Table: tasks with the visible columns only, so hiding a column
 * changes the subscription.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tableQuery } from "./view_queries.ts";
 * const q = tableQuery("~u/f", ["name", "status"]);
 * assert(q.includes("name status") && !q.includes("cyclePoint"));
 * ```
 */
export function tableQuery(workflowId: string, columns: readonly ColumnKey[]): string {
  const fields = TABLE_COLUMNS.filter((c) => columns.includes(c.key)).map((c) => c.fields);
  return `subscription { workflows(ids: [${literal(workflowId)}]) { id taskProxies { id ${
    fields.join(" ")
  } } } }`;
}

/**
 * Job detail: one job's fields.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jobQuery } from "./view_queries.ts";
 * assert(jobQuery("~u/f//1/a/01").includes('jobs(ids: ["~u/f//1/a/01"])'));
 * ```
 */
export function jobQuery(jobId: string): string {
  const workflowId = jobId.slice(0, jobId.indexOf("//"));
  return `subscription { workflows(ids: [${literal(workflowId)}]) { id jobs(ids: [${
    literal(jobId)
  }]) { id submitNum status statusMsg platform submittedTime startedTime finishedTime lastHeartbeatTime } } }`;
}

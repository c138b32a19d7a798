/**
 * The GraphQL schema the benchmark's subscriptions are written against: a
 * cut-down Cylc data model (workflows, task and family proxies, jobs, edges).
 *
 * The engine itself is schema-agnostic; the schema exists so that (c), the
 * graphql-js baseline, can validate and execute the same documents, and so
 * that the generated subscriptions are known to be valid GraphQL.
 *
 * @module
 */
import { buildSchema, type GraphQLSchema } from "graphql";

/**
 * The schema in SDL. Every list field takes `ids` / `exids`, as in Cylc, and
 * every field is nullable, because a delta carries only what changed.
 *
 * @example
 * ```ts
 * import { SCHEMA_SDL } from "./schema.ts";
 * console.assert(SCHEMA_SDL.includes("type Subscription"));
 * ```
 */
export const SCHEMA_SDL: string = `
"""Any JSON value, sent as is (Cylc's GenericScalar)."""
scalar GenericScalar

type Query {
  workflows(ids: [ID], exids: [ID]): [Workflow]
  taskProxies(ids: [ID], exids: [ID]): [TaskProxy]
  familyProxies(ids: [ID], exids: [ID]): [FamilyProxy]
  jobs(ids: [ID], exids: [ID]): [Job]
  edges(ids: [ID], exids: [ID]): [Edge]
}

type Subscription {
  workflows(ids: [ID], exids: [ID]): [Workflow]
  taskProxies(ids: [ID], exids: [ID]): [TaskProxy]
  familyProxies(ids: [ID], exids: [ID]): [FamilyProxy]
  jobs(ids: [ID], exids: [ID]): [Job]
  edges(ids: [ID], exids: [ID]): [Edge]
}

type Workflow {
  id: ID
  name: String
  owner: String
  host: String
  status: String
  statusMsg: String
  lastHeartbeatTime: String
  stateTotals: GenericScalar
  taskProxies(ids: [ID], exids: [ID]): [TaskProxy]
  familyProxies(ids: [ID], exids: [ID]): [FamilyProxy]
  jobs(ids: [ID], exids: [ID]): [Job]
  edges(ids: [ID], exids: [ID]): [Edge]
  nodesEdges: NodesEdges
}

type NodesEdges {
  nodes(ids: [ID], exids: [ID]): [TaskProxy]
  edges(ids: [ID], exids: [ID]): [Edge]
}

type TaskProxy {
  id: ID
  name: String
  cyclePoint: String
  status: String
  isHeld: Boolean
  firstParent: FamilyProxy
  jobs(ids: [ID], exids: [ID]): [Job]
}

type FamilyProxy {
  id: ID
  name: String
  cyclePoint: String
  status: String
  firstParent: FamilyProxy
  childTasks(ids: [ID], exids: [ID]): [TaskProxy]
}

type Job {
  id: ID
  submitNum: Int
  status: String
  platform: String
  submittedTime: String
  startedTime: String
  finishedTime: String
  lastHeartbeatTime: String
}

type Edge {
  id: ID
  source: ID
  target: ID
}
`;

/**
 * Builds the executable schema from {@linkcode SCHEMA_SDL}. Resolvers are not
 * attached here: the graphql-js baseline passes one `fieldResolver` for all
 * fields (read the property, apply `ids` / `exids`).
 *
 * @example
 * ```ts
 * import { buildBenchSchema } from "./schema.ts";
 * const schema = buildBenchSchema();
 * console.assert(schema.getSubscriptionType()?.name === "Subscription");
 * ```
 */
export function buildBenchSchema(): GraphQLSchema {
  return buildSchema(SCHEMA_SDL);
}

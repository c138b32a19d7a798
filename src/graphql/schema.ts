/**
 * The GraphQL schema of the data model (docs/data_model.md), resolved from
 * the in-memory store: a query never goes to the database.
 *
 * @module
 */
import {
  buildSchema,
  type GraphQLFieldConfigMap,
  type GraphQLFieldResolver,
  GraphQLObjectType,
  GraphQLSchema,
} from "graphql";
import { type ElementRecord, type Store, workflowOf, type WorkflowRecord } from "../store/store.ts";

/** The schema's SDL: the data model, one root for queries and one for subscriptions. */
export const SCHEMA_SDL = `
"""Marks a subscription as delta mode: a snapshot first, then only the overlap of each delta."""
directive @deltas on SUBSCRIPTION

"""Any JSON value (used for stateTotals: status name to count)."""
scalar JSON

type Workflow {
  id: ID!
  name: String
  owner: String
  host: String
  status: String
  statusMsg: String
  lastHeartbeatTime: String
  stateTotals: JSON
  taskProxies(ids: [ID], exids: [ID]): [TaskProxy!]!
  familyProxies(ids: [ID], exids: [ID]): [FamilyProxy!]!
  jobs(ids: [ID], exids: [ID]): [Job!]!
  edges(ids: [ID], exids: [ID]): [Edge!]!
  nodesEdges: NodesEdges!
}

"""The workflow's graph: its task proxies and the edges between them."""
type NodesEdges {
  nodes(ids: [ID], exids: [ID]): [TaskProxy!]!
  edges(ids: [ID], exids: [ID]): [Edge!]!
}

type TaskProxy {
  id: ID!
  name: String
  cyclePoint: String
  status: String
  isHeld: Boolean
  firstParent(ids: [ID], exids: [ID]): FamilyProxy
  jobs(ids: [ID], exids: [ID]): [Job!]!
}

type FamilyProxy {
  id: ID!
  name: String
  cyclePoint: String
  status: String
  firstParent(ids: [ID], exids: [ID]): FamilyProxy
  childTasks(ids: [ID], exids: [ID]): [TaskProxy!]!
}

type Job {
  id: ID!
  submitNum: Int
  status: String
  "Why the job is in its status ('heartbeat lost' when Overlap marked it failed)."
  statusMsg: String
  platform: String
  submittedTime: String
  startedTime: String
  finishedTime: String
  lastHeartbeatTime: String
}

type Edge {
  id: ID!
  source: String
  target: String
}

type Query {
  """Workflows the caller may read, optionally filtered by id."""
  workflows(ids: [ID], exids: [ID]): [Workflow!]!
  """One workflow by id, or null."""
  workflow(id: ID!): Workflow
}

type Subscription {
  """Workflows the caller may read. Add @deltas to the operation for delta mode."""
  workflows(ids: [ID], exids: [ID]): [Workflow!]!
}
`;

/** What resolvers need from a request. */
export interface GraphqlContext {
  /** The store to read. */
  readonly store: Store;
  /** Whether the caller may read the workflow with this id. */
  canRead(workflowId: string): boolean;
  /** Whether the caller may read every workflow (resources tied to no workflow need it). */
  readonly readAll: boolean;
  /** Bounds the list elements of one result (`OVERLAP_MAX_RESULT_ELEMENTS`); none when absent. */
  readonly budget?: ResultBudget;
}

/**
 * The result of one execution would hold more list elements than allowed.
 * A `RangeError`, so callers answer it as a client error (HTTP 400).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ResultTooLargeError } from "./schema.ts";
 * assert(new ResultTooLargeError(10) instanceof RangeError);
 * ```
 */
export class ResultTooLargeError extends RangeError {
  /** Creates the error for a budget of `limit` elements. */
  constructor(readonly limit: number) {
    super(
      `the result would hold more than ${limit} list elements (OVERLAP_MAX_RESULT_ELEMENTS); ` +
        "select fewer list fields or aliases, or filter with ids",
    );
    this.name = "ResultTooLargeError";
  }
}

/**
 * The list elements one execution may still produce. Every list resolver
 * charges the elements it returns; once the budget is spent, the rest of the
 * execution fails fast, so an aliased bomb (a list field selected under a
 * thousand aliases) costs the budget, not a thousand times the store.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ResultBudget, ResultTooLargeError } from "./schema.ts";
 * const budget = new ResultBudget(3);
 * budget.charge(2);
 * assert.throws(() => budget.charge(2), ResultTooLargeError);
 * assert(budget.exceeded);
 * ```
 */
export class ResultBudget {
  #remaining: number;
  #exceeded = false;

  /** A budget of `limit` list elements. */
  constructor(readonly limit: number) {
    this.#remaining = limit;
  }

  /** Whether a charge went over the limit. */
  get exceeded(): boolean {
    return this.#exceeded;
  }

  /** Takes `elements` from the budget; throws {@linkcode ResultTooLargeError} past the limit. */
  charge(elements: number): void {
    this.#remaining -= elements;
    if (this.#remaining < 0 || this.#exceeded) {
      this.#exceeded = true;
      throw new ResultTooLargeError(this.limit);
    }
  }
}

/**
 * Whether an execution result failed on its {@linkcode ResultBudget}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { overBudget } from "./schema.ts";
 * assert.equal(overBudget({ errors: [{ originalError: new TypeError("other") }] }), undefined);
 * ```
 */
export function overBudget(
  result: { readonly errors?: readonly { readonly originalError?: unknown }[] },
): ResultTooLargeError | undefined {
  for (const error of result.errors ?? []) {
    if (error.originalError instanceof ResultTooLargeError) return error.originalError;
  }
  return undefined;
}

/** Extra root fields (for example the cache's) merged into the schema. */
export interface ExtraFields {
  /** Fields added to `Query`. */
  readonly query?: GraphQLFieldConfigMap<unknown, unknown>;
  /** Fields added to `Subscription`. */
  readonly subscription?: GraphQLFieldConfigMap<unknown, unknown>;
}

interface IdArgs {
  ids?: readonly string[] | null;
  exids?: readonly string[] | null;
}

// A filter with the engine's semantics (docs/engine.md): `ids` keeps only the
// ids listed, `exids` drops the ids listed; ids are matched exactly.
function byIds<T extends { id: string }>(
  items: Iterable<T>,
  args: IdArgs,
  context?: GraphqlContext,
): T[] {
  // Spent already: fail before walking the list.
  if (context?.budget?.exceeded) context.budget.charge(0);
  const ids = args.ids ? new Set(args.ids) : undefined;
  const exids = args.exids ? new Set(args.exids) : undefined;
  const out: T[] = [];
  for (const item of items) {
    if (ids && !ids.has(item.id)) continue;
    if (exids && exids.has(item.id)) continue;
    out.push(item);
  }
  context?.budget?.charge(out.length);
  return out;
}

function readable(context: GraphqlContext, items: Iterable<WorkflowRecord>): WorkflowRecord[] {
  const out: WorkflowRecord[] = [];
  for (const item of items) if (context.canRead(item.id)) out.push(item);
  return out;
}

function field(source: { fields: Record<string, unknown> }, name: string): unknown {
  return source.fields[name] ?? null;
}

// A link to an element the store does not hold (a parent named before it was
// sent) still resolves its id, as the delta `{ id }` does.
function linked(store: Store, id: unknown, args: IdArgs): ElementRecord | null {
  if (typeof id !== "string") return null;
  const record = store.element("familyProxies", id) ??
    { id, workflowId: workflowOf(id), fields: {} };
  return byIds([record], args).length ? record : null;
}

type Resolver = GraphQLFieldResolver<unknown, GraphqlContext, Record<string, unknown>>;
type Resolvers = Record<string, Record<string, Resolver>>;

const RESOLVERS: Resolvers = {
  Query: {
    workflows: (_s, args, ctx) => byIds(readable(ctx, ctx.store.workflows()), args, ctx),
    workflow: (_s, args, ctx) => {
      const id = String(args.id);
      return ctx.canRead(id) ? ctx.store.workflow(id) ?? null : null;
    },
  },
  Workflow: {
    taskProxies: (s, args, ctx) => byIds((s as WorkflowRecord).taskProxies.values(), args, ctx),
    familyProxies: (s, args, ctx) => byIds((s as WorkflowRecord).familyProxies.values(), args, ctx),
    jobs: (s, args, ctx) => byIds((s as WorkflowRecord).jobs.values(), args, ctx),
    edges: (s, args, ctx) => byIds((s as WorkflowRecord).edges.values(), args, ctx),
    nodesEdges: (s) => s,
  },
  NodesEdges: {
    nodes: (s, args, ctx) => byIds((s as WorkflowRecord).taskProxies.values(), args, ctx),
    edges: (s, args, ctx) => byIds((s as WorkflowRecord).edges.values(), args, ctx),
  },
  TaskProxy: {
    firstParent: (s, args, ctx) => linked(ctx.store, (s as ElementRecord).fields.firstParent, args),
    jobs: (s, args, ctx) => byIds(ctx.store.jobsOf((s as ElementRecord).id), args, ctx),
  },
  FamilyProxy: {
    firstParent: (s, args, ctx) => linked(ctx.store, (s as ElementRecord).fields.firstParent, args),
    childTasks: (s, args, ctx) => byIds(ctx.store.childTasksOf((s as ElementRecord).id), args, ctx),
  },
};

/**
 * Builds the executable schema, with `extra` root fields merged in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { execute, parse } from "graphql";
 * import { createSchema } from "./schema.ts";
 * import { Store } from "../store/store.ts";
 * const store = new Store();
 * store.apply({ seq: 1, delta: { workflows: [{ id: "~u/f", status: "running" }] }, pruned: [] });
 * const result = await execute({
 *   schema: createSchema(),
 *   document: parse("{ workflows { id status } }"),
 *   contextValue: { store, canRead: () => true },
 * });
 * assert.equal(JSON.stringify(result.data), `{"workflows":[{"id":"~u/f","status":"running"}]}`);
 * ```
 */
export function createSchema(extra: ExtraFields = {}): GraphQLSchema {
  const built = buildSchema(SCHEMA_SDL);
  // Attach resolvers to the built fields in place (as graphql-tools does), so
  // every type keeps its identity and the SDL stays the one source of truth.
  for (const type of Object.values(built.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || type.name.startsWith("__")) continue;
    const resolvers = RESOLVERS[type.name] ?? {};
    for (const [name, fieldDef] of Object.entries(type.getFields())) {
      fieldDef.resolve = (resolvers[name] ?? defaultResolver(name)) as GraphQLFieldResolver<
        unknown,
        unknown
      >;
    }
  }
  if (!extra.query && !extra.subscription) return built;
  const config = built.toConfig();
  const query = built.getQueryType()!.toConfig();
  const subscription = built.getSubscriptionType()!.toConfig();
  return new GraphQLSchema({
    ...config,
    types: config.types.filter((type) => type.name !== "Query" && type.name !== "Subscription"),
    query: new GraphQLObjectType({ ...query, fields: { ...query.fields, ...extra.query } }),
    subscription: new GraphQLObjectType({
      ...subscription,
      fields: { ...subscription.fields, ...extra.subscription },
    }),
  });
}

function defaultResolver(name: string): Resolver {
  if (name === "id") return (s) => (s as { id: string }).id;
  return (s) => field(s as ElementRecord, name);
}

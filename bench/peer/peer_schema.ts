/**
 * The peer's GraphQL side: Overlap's own SDL, resolved the ordinary way.
 * `Subscription.workflows` subscribes to the event channel; graphql-js then
 * executes the subscriber's document against every event (the event's
 * delta is the root value), and {@linkcode peerSubscribe} drops results
 * with nothing in them, so a subscriber gets a `next` only when its
 * selection overlaps the event (as cylc-uiserver does).
 *
 * @module
 */
import {
  type ExecutionArgs,
  type ExecutionResult,
  getNullableType,
  GraphQLList,
  GraphQLObjectType,
  type GraphQLSchema,
  subscribe,
} from "graphql";
import { buildSchema } from "graphql";
import { SCHEMA_SDL } from "../../src/graphql/schema.ts";
import type { Store } from "../../src/store/store.ts";
import type { EventChannel } from "./event_channel.ts";

/** What goes through the channel: an event's delta, or the snapshot a subscription starts with. */
export interface PeerEvent {
  /** The event's seq (the store's, for a snapshot). */
  readonly seq: number;
  /** Plain objects nested like the data model: only changed fields, or everything for a snapshot. */
  readonly delta: { readonly workflows?: readonly Record<string, unknown>[] };
}

type Plain = Record<string, unknown>;

function byIds(items: unknown, args: Record<string, unknown>): unknown {
  if (!Array.isArray(items)) return items;
  const ids = args.ids as readonly string[] | null | undefined;
  const exids = args.exids as readonly string[] | null | undefined;
  if (ids == null && exids == null) return items;
  return items.filter((item: Plain) =>
    (ids == null || ids.includes(item.id as string)) &&
    (exids == null || !exids.includes(item.id as string))
  );
}

/**
 * Builds the peer's schema over `channel`; `snapshot()` is the first event of
 * every new subscription.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse } from "graphql";
 * import { EventChannel } from "./event_channel.ts";
 * import { createPeerSchema, peerSubscribe, type PeerEvent } from "./peer_schema.ts";
 * const channel = new EventChannel<PeerEvent>();
 * const schema = createPeerSchema(channel, () => ({ seq: 0, delta: { workflows: [] } }));
 * const results = await peerSubscribe({
 *   schema,
 *   document: parse("subscription { workflows { status } }"),
 * }) as AsyncIterableIterator<unknown>;
 * assert.equal(JSON.stringify((await results.next()).value), `{"data":{"workflows":[]}}`);
 * await results.return!();
 * ```
 */
export function createPeerSchema(
  channel: EventChannel<PeerEvent>,
  snapshot: () => PeerEvent,
): GraphQLSchema {
  const schema = buildSchema(SCHEMA_SDL);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      const list = getNullableType(field.type) instanceof GraphQLList;
      // A delta carries only what changed: a list it lacks is empty, an
      // object it lacks (nodesEdges) is empty, a scalar it lacks is null.
      field.resolve = (source, args, _context, info) => {
        const value = (source as Plain)[info.fieldName];
        if (value === undefined) return list ? [] : info.fieldName === "nodesEdges" ? {} : null;
        return byIds(value, args);
      };
    }
  }
  const workflows = schema.getSubscriptionType()!.getFields().workflows;
  workflows.subscribe = () => channel.subscribe(snapshot());
  workflows.resolve = (event, args) => byIds((event as PeerEvent).delta.workflows ?? [], args);
  return schema;
}

/**
 * Whether a result's data holds anything besides ids, empty lists and nulls.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hasContent } from "./peer_schema.ts";
 * assert.equal(hasContent({ workflows: [{ id: "~u/f", taskProxies: [] }] }), false);
 * assert.equal(hasContent({ workflows: [{ taskProxies: [{ status: "running" }] }] }), true);
 * ```
 */
export function hasContent(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.some(hasContent);
  if (typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      if (key !== "id" && hasContent(inner)) return true;
    }
    return false;
  }
  return true;
}

/**
 * graphql-js `subscribe`, with empty results dropped: the first result (the
 * snapshot) and results with errors always pass. This is graphql-ws's
 * `subscribe` option in the peer.
 *
 * @example
 * ```ts ignore
 * makeServer({ schema, subscribe: peerSubscribe });
 * ```
 */
export async function peerSubscribe(
  args: ExecutionArgs,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const result = await subscribe(args);
  if (!(Symbol.asyncIterator in result)) return result as ExecutionResult;
  const source = result as AsyncGenerator<ExecutionResult>;
  let first = true;
  const filtered: AsyncIterableIterator<ExecutionResult> = {
    async next(): Promise<IteratorResult<ExecutionResult>> {
      while (true) {
        const step = await source.next();
        if (step.done) return step;
        if (first || step.value.errors || hasContent(step.value.data)) {
          first = false;
          return step;
        }
      }
    },
    return: () => source.return(undefined),
    throw: (error?: unknown) => source.throw(error),
    [Symbol.asyncIterator]: () => filtered,
  };
  return filtered;
}

/**
 * The store as one plain delta-shaped object: what a new subscription's
 * first execution runs against.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Store } from "../../src/store/store.ts";
 * import { storeAsDelta } from "./peer_schema.ts";
 * const store = new Store();
 * store.apply({ seq: 1, delta: { workflows: [{ id: "~u/f", taskProxies: [{ id: "~u/f//1/a", status: "x" }] }] }, pruned: [] });
 * assert.equal(storeAsDelta(store).workflows[0].taskProxies.length, 1);
 * ```
 */
export function storeAsDelta(store: Store): { workflows: (Plain & { taskProxies: Plain[] })[] } {
  const workflows = [];
  for (const workflow of store.workflows()) {
    const element = (e: { id: string; fields: Plain }): Plain => {
      const out: Plain = { id: e.id, ...e.fields };
      if (typeof e.fields.firstParent === "string") out.firstParent = { id: e.fields.firstParent };
      return out;
    };
    const taskProxies = [...workflow.taskProxies.values()].map((task) => ({
      ...element(task),
      jobs: [...store.jobsOf(task.id)].map(element),
    }));
    const edges = [...workflow.edges.values()].map(element);
    workflows.push({
      id: workflow.id,
      ...workflow.fields,
      taskProxies,
      familyProxies: [...workflow.familyProxies.values()].map(element),
      jobs: [...workflow.jobs.values()].map(element),
      edges,
      nodesEdges: { nodes: taskProxies, edges },
    });
  }
  return { workflows };
}

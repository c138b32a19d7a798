/**
 * Baseline (c) of the engine benchmark: what GraphQL servers do today with a
 * subscription event. graphql-js `subscribe` maps each source event through
 * `executeSubscriptionEvent` (the event as `rootValue`, the subscriber's
 * pre-validated document and variables), once per subscriber; the server
 * then serialises each result. Only that per-event work is timed: parsing,
 * validation and variable coercion happen once per subscriber at setup, as
 * they do in a server.
 *
 * @module
 */
import {
  executeSubscriptionEvent,
  type ExecutionResult,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  parse,
  validate,
  type ValidatedSubscriptionArgs,
  validateSubscriptionArgs,
} from "graphql";
import type { SubscriptionFixture } from "./fixtures.ts";

/**
 * The one resolver every field uses: read the property of the same name,
 * and apply `ids` / `exids` to lists, as a Cylc-like server would.
 *
 * @example
 * ```ts
 * import { fieldResolver } from "./graphql_execute.ts";
 * console.assert(typeof fieldResolver === "function");
 * ```
 */
export const fieldResolver: GraphQLFieldResolver<unknown, unknown> = function resolve(
  source,
  args,
  _context,
  info,
) {
  const value = (source as Record<string, unknown> | null)?.[info.fieldName];
  const ids = args.ids as string[] | null | undefined;
  const exids = args.exids as string[] | null | undefined;
  if ((ids == null && exids == null) || !Array.isArray(value)) return value;
  return value.filter((item) => {
    const id = item?.id;
    if (ids != null && !ids.includes(id)) return false;
    return exids == null || !exids.includes(id);
  });
};

/**
 * Parses, validates and coerces each subscriber's document once, as a
 * server does when the subscription starts.
 *
 * @throws {Error} when a document is invalid against `schema`.
 *
 * @example
 * ```ts
 * import { prepareSubscribers } from "./graphql_execute.ts";
 * import { buildBenchSchema } from "./schema.ts";
 * const prepared = prepareSubscribers(buildBenchSchema(), [
 *   { query: "subscription { workflows { id status } }" },
 * ]);
 * console.assert(prepared.length === 1);
 * ```
 */
export function prepareSubscribers(
  schema: GraphQLSchema,
  subscriptions: readonly SubscriptionFixture[],
): ValidatedSubscriptionArgs[] {
  return subscriptions.map(({ query, variables }, i) => {
    const document = parse(query);
    const errors = validate(schema, document);
    if (errors.length > 0) throw new Error(`subscription ${i}: ${errors[0].message}`);
    const args = validateSubscriptionArgs({
      schema,
      document,
      variableValues: variables,
      fieldResolver,
    });
    if (!("schema" in args)) throw new Error(`subscription ${i}: ${args[0].message}`);
    return args;
  });
}

/**
 * Runs one event through every subscriber: `JSON.parse` once, then per
 * subscriber `executeSubscriptionEvent` and `JSON.stringify`, exactly what
 * `subscribe`'s per-event mapping and the transport do.
 *
 * @example
 * ```ts
 * import { executeForAll, prepareSubscribers } from "./graphql_execute.ts";
 * import { buildBenchSchema } from "./schema.ts";
 * const prepared = prepareSubscribers(buildBenchSchema(), [
 *   { query: "subscription { workflows { status } }" },
 * ]);
 * const [out] = executeForAll(prepared, '{"workflows":[{"status":"ok"}]}');
 * console.assert(out === '{"data":{"workflows":[{"status":"ok"}]}}');
 * ```
 */
export function executeForAll(
  prepared: readonly ValidatedSubscriptionArgs[],
  deltaJson: string,
): string[] {
  const payload = JSON.parse(deltaJson);
  const out = new Array<string>(prepared.length);
  for (let i = 0; i < prepared.length; i++) {
    const result = executeSubscriptionEvent({ ...prepared[i], rootValue: payload });
    // Every resolver is synchronous, so the result is never a promise.
    out[i] = JSON.stringify(result as ExecutionResult);
  }
  return out;
}

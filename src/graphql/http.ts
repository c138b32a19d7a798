/**
 * GraphQL queries over HTTP: `POST /graphql` with a JSON body
 * `{ query, variables?, operationName? }`, or `GET /graphql?query=…`.
 * Subscriptions need the WebSocket on the same path.
 *
 * @module
 */
import { execute, type GraphQLSchema } from "graphql";
import type { Principal } from "../auth/tokens.ts";
import type { Limits } from "../config.ts";
import type { Store } from "../store/store.ts";
import { overBudget, ResultBudget } from "./schema.ts";
import { type DocumentCache, selectOperation } from "./documents.ts";

/** A GraphQL-over-HTTP request, before validation. */
export interface HttpGraphqlRequest {
  /** The document. */
  readonly query: unknown;
  /** Variables. */
  readonly variables?: unknown;
  /** Operation to run. */
  readonly operationName?: unknown;
}

/** The HTTP status and JSON body to answer. */
export interface HttpGraphqlResponse {
  /** 200 for an executed operation (field errors included), 400 for a bad request. */
  readonly status: 200 | 400;
  /** The ExecutionResult (or `{ errors }`). */
  readonly body: Record<string, unknown>;
}

/** What the handler needs. */
export interface HttpGraphqlDeps {
  /** The executable schema. */
  readonly schema: GraphQLSchema;
  /** Parsed and validated documents. */
  readonly documents: DocumentCache;
  /** The store. */
  readonly store: Store;
  /** Limits; `maxResultElements` bounds each result (none when absent). */
  readonly config?: { readonly limits: Pick<Limits, "maxResultElements"> };
}

function bad(message: string): HttpGraphqlResponse {
  return { status: 400, body: { errors: [{ message }] } };
}

/**
 * Runs one query for `principal`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runHttpGraphql } from "./http.ts";
 * import { createSchema } from "./schema.ts";
 * import { DocumentCache } from "./documents.ts";
 * import { Store } from "../store/store.ts";
 * import { OPEN_PRINCIPAL } from "../auth/tokens.ts";
 * const schema = createSchema();
 * const deps = { schema, documents: new DocumentCache(schema), store: new Store() };
 * const ok = await runHttpGraphql(deps, OPEN_PRINCIPAL, { query: "{ workflows { id } }" });
 * assert(ok.status === 200);
 * const bad = await runHttpGraphql(deps, OPEN_PRINCIPAL, { query: 42 });
 * assert(bad.status === 400);
 * ```
 */
export async function runHttpGraphql(
  deps: HttpGraphqlDeps,
  principal: Principal,
  request: HttpGraphqlRequest,
): Promise<HttpGraphqlResponse> {
  const { query, variables, operationName } = request;
  if (typeof query !== "string") return bad("query must be a string holding a GraphQL document");
  if (
    variables !== undefined && variables !== null &&
    (typeof variables !== "object" || Array.isArray(variables))
  ) {
    return bad("variables must be a JSON object");
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") {
    return bad("operationName must be a string");
  }
  const compiled = deps.documents.get(query);
  if ("errors" in compiled) {
    return {
      status: 400,
      body: { errors: compiled.errors.map((e) => e.toJSON()) },
    };
  }
  let operation;
  try {
    operation = selectOperation(compiled.document, operationName).operation;
  } catch (error) {
    return bad((error as Error).message);
  }
  if (operation.operation !== "query") {
    return bad(
      `${operation.operation} operations are not served over HTTP; use the WebSocket on /graphql`,
    );
  }
  const max = deps.config?.limits.maxResultElements;
  const result = await execute({
    schema: deps.schema,
    document: compiled.document,
    operationName: operationName ?? undefined,
    variableValues: (variables ?? {}) as Record<string, unknown>,
    contextValue: {
      store: deps.store,
      canRead: principal.read,
      readAll: principal.readAll,
      budget: max === undefined ? undefined : new ResultBudget(max),
    },
  });
  // Too large: refuse the whole request rather than answer partial data.
  const tooLarge = overBudget(result);
  if (tooLarge) return bad(tooLarge.message);
  // No data at all is a request error (variables that do not fit the
  // operation): the client's mistake, so 400 as for a document that does
  // not validate.
  const status = result.data === undefined ? 400 : 200;
  return { status, body: JSON.parse(JSON.stringify(result)) };
}

/**
 * Reads a GET request's search parameters as a GraphQL request.
 *
 * @throws {TypeError} when `variables` is not JSON.
 */
export function requestFromSearch(params: URLSearchParams): HttpGraphqlRequest {
  const variables = params.get("variables");
  let parsed: unknown;
  if (variables) {
    try {
      parsed = JSON.parse(variables);
    } catch {
      throw new TypeError("variables must be JSON");
    }
  }
  return {
    query: params.get("query") ?? undefined,
    variables: parsed,
    operationName: params.get("operationName") ?? undefined,
  };
}

/**
 * GraphiQL's connection to Overlap: queries as `POST /graphql` (JSON, through
 * `@graphiql/toolkit`'s fetcher), and subscriptions over the
 * `graphql-transport-ws` WebSocket on `/graphql` (the npm `graphql-ws`
 * client).
 *
 * A token, when given, goes as `Authorization: Bearer <token>` on HTTP and
 * as `{ token }` in the `connection_init` payload; never in a URL. Refusals
 * (HTTP 401/403, WebSocket close 4401/4403) are reported to `onAuthProblem`
 * so the page can say what to do, besides GraphiQL showing the error.
 *
 * @module
 */
import {
  createGraphiQLFetcher,
  type Fetcher,
  type FetcherParams,
  type Observable,
} from "@graphiql/toolkit";
import {
  type DocumentNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  parse,
} from "graphql";
import { type Client, createClient, type ExecutionResult } from "graphql-ws";

/** How to reach the server, and whom to tell about refusals. */
export interface OverlapFetcherOptions {
  /** The HTTP endpoint (`/graphql`, or an absolute URL). */
  readonly httpUrl: string;
  /** The WebSocket endpoint (`ws://host:port/graphql`). */
  readonly wsUrl: string;
  /** The token to present, if any. */
  readonly token?: string;
  /**
   * Whether the server has tokens. Without a token nothing is sent then:
   * every operation answers at once that a token is needed (rather than a
   * request the server can only refuse).
   */
  readonly tokenNeeded?: boolean;
  /** Called with a sentence when the server refuses the token (or its absence). */
  readonly onAuthProblem?: (message: string) => void;
  /** `fetch` (default: the global one). */
  readonly fetch?: typeof fetch;
  /** The WebSocket constructor (default: the global one). */
  readonly webSocketImpl?: unknown;
}

/** A fetcher for GraphiQL, and how to release its WebSocket. */
export interface OverlapConnection {
  /** The fetcher to give GraphiQL. */
  readonly fetcher: Fetcher;
  /** The `graphql-ws` client behind subscriptions. */
  readonly wsClient: Client;
  /** Closes the WebSocket (when the token changes or the page goes away). */
  dispose(): Promise<void>;
}

/** What every operation answers when the server needs a token and none is set. */
export const TOKEN_NEEDED_MESSAGE =
  "this server needs a token: paste one with read scope in the Token panel (the key icon)";

/** WebSocket close codes that mean "your token": 4401 unauthorized, 4403 forbidden. */
const AUTH_CLOSE_CODES = new Set([4401, 4403]);

/**
 * The WebSocket URL of `/graphql` on the server that served the page.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { webSocketUrl } from "./fetcher.ts";
 * assert.equal(webSocketUrl({ protocol: "http:", host: "127.0.0.1:8080" }), "ws://127.0.0.1:8080/graphql");
 * assert.equal(webSocketUrl({ protocol: "https:", host: "overlap.example" }), "wss://overlap.example/graphql");
 * ```
 */
export function webSocketUrl(
  location: { readonly protocol: string; readonly host: string },
): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
}

/** The error text of a refused HTTP request (`{"error": "…"}`), or its status line. */
async function refusalText(response: Response): Promise<string> {
  try {
    const body = await response.clone().json();
    if (body && typeof body.error === "string") return body.error;
  } catch {
    // Not JSON: the status says enough.
  }
  return `${response.status} ${response.statusText}`.trim();
}

/**
 * Whether `params` runs a subscription: the named operation of `document`,
 * or its only operation when no name is given. GraphiQL passes the parsed
 * document; without one the query text is parsed here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSubscription } from "./fetcher.ts";
 * assert(isSubscription({ query: "subscription { workflows { id } }" }));
 * assert(!isSubscription({ query: "query A { workflows { id } } subscription B { workflows { id } }", operationName: "A" }));
 * assert(!isSubscription({ query: "{ not valid" }));
 * ```
 */
export function isSubscription(params: FetcherParams, document?: DocumentNode): boolean {
  let doc = document;
  if (doc === undefined) {
    try {
      doc = parse(params.query);
    } catch {
      return false; // The server reports the syntax error.
    }
  }
  const operations = doc.definitions.filter((d): d is OperationDefinitionNode =>
    d.kind === Kind.OPERATION_DEFINITION
  );
  const chosen = params.operationName
    ? operations.find((op) => op.name?.value === params.operationName)
    : operations.length === 1
    ? operations[0]
    : undefined;
  return chosen?.operation === "subscription";
}

/** What graphql-ws hands a sink's `error`, as something GraphiQL can show. */
function subscriptionError(error: unknown, url: string): unknown {
  if (Array.isArray(error)) return error; // GraphQL errors from an `error` message
  if (error instanceof Error) return error;
  const close = error as Partial<CloseEvent>;
  if (typeof close?.code === "number") {
    return new Error(
      `the WebSocket was closed with ${close.code}${close.reason ? `: ${close.reason}` : ""}`,
    );
  }
  return new Error(`the WebSocket to ${url} failed`);
}

/**
 * One subscription as an Observable (GraphiQL shows each `next` and stops it
 * with `unsubscribe`). An Observable rather than an async iterator, so an
 * error ends it without a stray rejected promise.
 */
function subscriptionObservable(
  client: Client,
  params: FetcherParams,
  url: string,
): Observable<ExecutionResult> {
  return {
    subscribe(
      first?: ObserverOrNext,
      error?: ((error: unknown) => void) | null,
      complete?: () => void,
    ) {
      const observer = typeof first === "function" || first === undefined
        ? { next: first, error: error ?? undefined, complete }
        : first;
      const dispose = client.subscribe(
        {
          query: params.query,
          variables: params.variables ?? undefined,
          operationName: params.operationName ?? undefined,
        },
        {
          next: (value) => observer.next?.(value as ExecutionResult),
          error: (e) => observer.error?.(subscriptionError(e, url)),
          complete: () => observer.complete?.(),
        },
      );
      return { unsubscribe: dispose };
    },
  } as Observable<ExecutionResult>;
}

type ObserverOrNext =
  | ((value: ExecutionResult) => void)
  | {
    next?: (value: ExecutionResult) => void;
    error?: (error: unknown) => void;
    complete?: () => void;
  };

/**
 * Creates GraphiQL's fetcher for one token (make a new one when it changes,
 * so GraphiQL fetches the schema again with it).
 *
 * @example
 * ```ts ignore
 * const connection = createOverlapFetcher({
 *   httpUrl: "/graphql",
 *   wsUrl: webSocketUrl(location),
 *   token: readToken(sessionStorage),
 *   onAuthProblem: (message) => console.warn(message),
 * });
 * // <GraphiQL fetcher={connection.fetcher} />; later: await connection.dispose();
 * ```
 */
export function createOverlapFetcher(options: OverlapFetcherOptions): OverlapConnection {
  const { token, onAuthProblem } = options;
  const baseFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const wsClient = createClient({
    url: options.wsUrl,
    // Read at every (re)connection, so a retry presents the same token.
    connectionParams: () => (token ? { token } : {}),
    lazy: true,
    retryAttempts: 3,
    webSocketImpl: options.webSocketImpl,
    on: {
      closed(event) {
        const { code, reason } = event as CloseEvent;
        if (AUTH_CLOSE_CODES.has(code)) {
          onAuthProblem?.(
            `the WebSocket was closed with ${code}${reason ? ` (${reason})` : ""}: ${
              token ? "this token is not accepted for reading" : "this server needs a token"
            }`,
          );
        }
      },
    },
  });
  const httpFetcher = createGraphiQLFetcher({
    url: options.httpUrl,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    // Overlap answers plain JSON; no multipart incremental delivery.
    enableIncrementalDelivery: false,
    fetch: async (input, init) => {
      const response = await baseFetch(input, init);
      if (response.status === 401 || response.status === 403) {
        onAuthProblem?.(`the server answered ${response.status}: ${await refusalText(response)}`);
      }
      return response;
    },
  });
  const fetcher: Fetcher = (params, opts) => {
    if (options.tokenNeeded && !token) {
      return { errors: [new GraphQLError(TOKEN_NEEDED_MESSAGE)] };
    }
    if (isSubscription(params, opts?.documentAST)) {
      return subscriptionObservable(wsClient, params, options.wsUrl);
    }
    return httpFetcher(params, opts);
  };
  return {
    fetcher,
    wsClient,
    dispose: () => Promise.resolve(wsClient.dispose()),
  };
}

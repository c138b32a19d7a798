/**
 * GraphiQL's connection to Overlap: queries as `POST /graphql` (JSON), and
 * subscriptions over the `graphql-transport-ws` WebSocket on `/graphql`,
 * through `@graphiql/toolkit`'s fetcher and the npm `graphql-ws` client.
 *
 * A token, when given, goes as `Authorization: Bearer <token>` on HTTP and
 * as `{ token }` in the `connection_init` payload; never in a URL. Refusals
 * (HTTP 401/403, WebSocket close 4401/4403) are reported to `onAuthProblem`
 * so the page can say what to do, besides GraphiQL showing the error.
 *
 * @module
 */
import { createGraphiQLFetcher, type Fetcher } from "@graphiql/toolkit";
import { GraphQLError } from "graphql";
import { type Client, createClient } from "graphql-ws";

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
  const toolkitFetcher = createGraphiQLFetcher({
    url: options.httpUrl,
    wsClient,
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
  const fetcher: Fetcher = options.tokenNeeded && !token
    ? () => ({ errors: [new GraphQLError(TOKEN_NEEDED_MESSAGE)] })
    : toolkitFetcher;
  return {
    fetcher,
    wsClient,
    dispose: () => Promise.resolve(wsClient.dispose()),
  };
}

/**
 * The GraphiQL routes, mounted at `/graphiql`:
 *
 * - `GET /graphiql`: the page (`no-cache`, CSP, `nosniff`); 503 with the
 *   reason while the bundle is being built or when its build failed;
 * - `GET /graphiql/`: a redirect to `/graphiql`;
 * - `GET /graphiql/assets/<file>`: the bundle's content-hashed files, from
 *   memory, by exact name (anything else is 404; no file system path is ever
 *   formed from a URL).
 *
 * The page and assets are public (they hold no data); data needs a token on
 * `/graphql` as always.
 *
 * @module
 */
import type { Hono } from "hono";
import { assetResponse } from "../web/assets.ts";
import type { BuiltAssets } from "../web/built_assets.ts";
import { SECURITY_HEADERS } from "../web/headers.ts";
import { createNonce, graphiqlCsp, graphiqlPage } from "./page.ts";

/** Options of {@linkcode graphiqlRoutes}. */
export interface GraphiqlRouteOptions {
  /** Whether the server has tokens (the page then offers the token panel). */
  readonly tokens: boolean;
  /** The clock, for how long a build has been running (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * Adds the routes to `app`, over a bundle being prepared (see `prepareAssets`).
 *
 * @example
 * ```ts ignore
 * mountGraphiql(app, prepareAssets(graphiqlSpec(), { log }), { tokens: false });
 * ```
 */
export function mountGraphiql(
  app: Hono,
  bundle: BuiltAssets,
  options: GraphiqlRouteOptions,
): void {
  const now = options.now ?? Date.now;

  app.get("/graphiql/", (c) => c.redirect("/graphiql", 308));

  app.get("/graphiql", function graphiqlPageRoute(c) {
    const state = bundle.state();
    const headers = { ...SECURITY_HEADERS, "cache-control": "no-store" };
    if (state.kind === "building") {
      const seconds = Math.round((now() - state.since.getTime()) / 1000);
      return c.json(
        {
          error:
            `GraphiQL is being built (for ${seconds} s); reload in a few seconds. Building it ahead: deno task build:graphiql`,
        },
        503,
        { ...headers, "retry-after": "5" },
      );
    }
    if (state.kind === "failed") {
      return c.json(
        {
          error:
            `GraphiQL is not available: its bundle could not be built: ${state.reason}. Run deno task build:graphiql to see the build, then restart the server.`,
        },
        503,
        headers,
      );
    }
    const script = state.assets.byName.get("main.js");
    const style = state.assets.byName.get("main.css");
    if (script === undefined || style === undefined) {
      return c.json(
        { error: "GraphiQL's bundle has no main.js or main.css; rebuild it" },
        503,
        headers,
      );
    }
    const nonce = createNonce();
    const html = graphiqlPage({ script, style }, { tokens: options.tokens, nonce });
    return c.body(html, 200, {
      ...SECURITY_HEADERS,
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-cache",
      "content-security-policy": graphiqlCsp(c.req.header("host"), nonce),
    });
  });

  app.get("/graphiql/assets/:file", function graphiqlAsset(c) {
    const state = bundle.state();
    const file = c.req.param("file");
    const asset = state.kind === "ready" ? state.assets.byFile.get(file) : undefined;
    if (asset === undefined) {
      return c.json(
        { error: `no GraphiQL asset ${JSON.stringify(file)}; the page names the current ones` },
        404,
        { ...SECURITY_HEADERS },
      );
    }
    return assetResponse(asset, c.req.raw);
  });
}

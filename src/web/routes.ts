/**
 * The routes of the pages served over bundles (the UI at `/`, GraphiQL at
 * `/graphiql`), one set per {@linkcode WebApp}:
 *
 * - `GET <path>`: the page (`no-cache`, the app's CSP, `nosniff`); `503`
 *   with the reason while its bundle is being built (with `Retry-After`) or
 *   after its build failed: an HTML page for a browser, JSON otherwise;
 * - `GET <path>/` (when `path` is not `/`): a redirect to `<path>`;
 * - `GET <assetsPath>/<build id>/<name>`: the build's files, from memory,
 *   by exact id and name; anything else there is `404`. No file system path
 *   is ever formed from a URL.
 *
 * Pages and assets are public (they hold no data); data needs a token on
 * `/graphql` as always.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { assetResponse, type AssetSet } from "./assets.ts";
import type { BuiltAssets } from "./built_assets.ts";
import { contentSecurityPolicy, SECURITY_HEADERS } from "./headers.ts";
import { escapeHtml } from "./page.ts";

/** What a page's rendering knows about the request. */
export interface PageContext {
  /** The request's `Host` header (for the CSP's WebSocket origins). */
  readonly host: string | undefined;
  /** Whether the server has tokens. */
  readonly tokens: boolean;
  /** The URL path of the current build's files, ending in `/` (`/assets/<id>/`). */
  readonly assetsUrl: string;
}

/** A rendered page and its Content-Security-Policy. */
export interface RenderedPage {
  readonly html: string;
  readonly csp: string;
}

/** One page served over a bundle. */
export interface WebApp {
  /** The bundle's name (`ui`, `graphiql`), for messages. */
  readonly name: string;
  /** What a person calls it, for the 503 page ("The Overlap UI"). */
  readonly title: string;
  /** The page's path (`/`, `/graphiql`). */
  readonly path: string;
  /** The path under which build directories are served (`/assets`, `/graphiql/assets`). */
  readonly assetsPath: string;
  /** The bundle being prepared or ready. */
  readonly bundle: BuiltAssets;
  /**
   * Renders the page over the current build.
   *
   * @throws {TypeError} when the build lacks a file the page needs (answered 503).
   */
  readonly page: (assets: AssetSet, context: PageContext) => RenderedPage;
}

/** Options of {@linkcode mountWebApps}. */
export interface WebRouteOptions {
  /** Whether the server has tokens (GraphiQL then offers its token panel). */
  readonly tokens: boolean;
  /** The clock, for how long a build has been running (default `Date.now`). */
  readonly now?: () => number;
}

/** The command that builds every bundle, named in 503 answers. */
export const BUILD_COMMAND = "deno task build";

/** The CSP of the 503 page: no script, no style, nothing loaded. */
const UNAVAILABLE_CSP = contentSecurityPolicy({
  "default-src": ["'none'"],
  "base-uri": ["'none'"],
  "form-action": ["'none'"],
  "frame-ancestors": ["'none'"],
});

function wantsHtml(c: Context): boolean {
  return (c.req.header("accept") ?? "").includes("text/html");
}

function unavailable(c: Context, app: WebApp, message: string, retryAfterS?: number): Response {
  const headers: Record<string, string> = { ...SECURITY_HEADERS, "cache-control": "no-store" };
  if (retryAfterS !== undefined) headers["retry-after"] = String(retryAfterS);
  if (!wantsHtml(c)) return c.json({ error: message }, 503, headers);
  const html = `<!doctype html>\n<html lang="en">\n<meta charset="utf-8">\n` +
    `<title>${escapeHtml(app.title)} is not available</title>\n` +
    `<h1>${escapeHtml(app.title)} is not available</h1>\n<p>${escapeHtml(message)}</p>\n` +
    `<p>GraphQL (<code>/graphql</code>) works meanwhile.</p>\n`;
  return c.html(html, 503, { ...headers, "content-security-policy": UNAVAILABLE_CSP });
}

/**
 * Adds the routes of `apps` to `hono`.
 *
 * @example
 * ```ts ignore
 * mountWebApps(hono, [uiApp(uiBundle), graphiqlApp(graphiqlBundle)], { tokens: false });
 * ```
 */
export function mountWebApps(
  hono: Hono,
  apps: readonly WebApp[],
  options: WebRouteOptions,
): void {
  const now = options.now ?? Date.now;
  for (const app of apps) {
    if (app.path !== "/") hono.get(`${app.path}/`, (c) => c.redirect(app.path, 308));

    hono.get(app.path, function webPage(c) {
      const state = app.bundle.state();
      if (state.kind === "building") {
        const seconds = Math.round((now() - state.since.getTime()) / 1000);
        return unavailable(
          c,
          app,
          `${app.title} is being built (for ${seconds} s); reload in a few seconds. ` +
            `Building it ahead: ${BUILD_COMMAND}`,
          5,
        );
      }
      if (state.kind === "failed") {
        return unavailable(
          c,
          app,
          `${app.title} is not available: its bundle could not be built: ${state.reason}. ` +
            `Run ${BUILD_COMMAND} to see the build, then restart the server.`,
        );
      }
      let page: RenderedPage;
      try {
        page = app.page(state.assets, {
          host: c.req.header("host"),
          tokens: options.tokens,
          assetsUrl: `${app.assetsPath}/${state.assets.id}/`,
        });
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        return unavailable(c, app, `${app.title} is not available: ${error.message}`);
      }
      return c.body(page.html, 200, {
        ...SECURITY_HEADERS,
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-cache",
        "content-security-policy": page.csp,
      });
    });

    hono.get(`${app.assetsPath}/:id/:name`, function webAsset(c) {
      const state = app.bundle.state();
      const { id, name } = c.req.param();
      const asset = state.kind === "ready" && state.assets.id === id
        ? state.assets.files.get(name)
        : undefined;
      if (asset === undefined) {
        return c.json(
          {
            error: `no ${app.name} asset ${JSON.stringify(`${id}/${name}`)}; ` +
              "the page names the current ones (reload it)",
          },
          404,
          { ...SECURITY_HEADERS, "cache-control": "no-store" },
        );
      }
      return assetResponse(asset, c.req.raw);
    });
  }
}

/**
 * Serves a built bundle (see `asset_build.ts`): the page at `/` and its
 * hashed assets, from memory.
 *
 * Every file is read once when the routes are made, and looked up by exact
 * name: no part of a request path ever reaches the file system, so no path
 * can lead outside the output (`..`, `%2e%2e`, symlinks, NUL all miss).
 *
 * Headers: a `Content-Security-Policy` that allows only this origin's
 * scripts, styles and connections (plus `wasm-unsafe-eval`, which compiling
 * the engine needs) and no inline script; `X-Content-Type-Options: nosniff`;
 * the page `no-cache` (it names the current assets), the assets `immutable`
 * (their directory name is the hash of the inputs).
 *
 * @module
 */
import { Hono } from "hono";
import { assetsDirName } from "./asset_build.ts";

/** The Content-Security-Policy of the UI's pages. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const CONTENT_TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  wasm: "application/wasm",
  html: "text/html; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  json: "application/json",
};

/** The headers every answer of these routes carries. */
const COMMON_HEADERS = {
  "x-content-type-options": "nosniff",
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
};

/**
 * The content type for a file name, by extension.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentTypeOf } from "./asset_routes.ts";
 * assert.equal(contentTypeOf("overlap.wasm"), "application/wasm");
 * assert.equal(contentTypeOf("app.js"), "text/javascript; charset=utf-8");
 * assert.equal(contentTypeOf("README"), "application/octet-stream");
 * ```
 */
export function contentTypeOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return (dot >= 0 ? CONTENT_TYPES[name.slice(dot + 1)] : undefined) ?? "application/octet-stream";
}

/** What the routes serve: a loaded build, or why there is none. */
export type LoadedAssets =
  | {
    readonly ok: true;
    /** The page. */
    readonly index: Uint8Array;
    /** The assets directory name (the stamp's prefix). */
    readonly dir: string;
    /** Asset name → bytes. */
    readonly files: ReadonlyMap<string, Uint8Array>;
  }
  | {
    readonly ok: false;
    /** Why the UI is not available (a failed build), for the 503 page. */
    readonly reason: string;
  };

/**
 * Reads a built output directory into memory.
 *
 * @throws {Error} when the output is missing or incomplete (build it first).
 *
 * @example
 * ```ts ignore
 * const out = await ensureBundle(UI_BUNDLE, root);
 * const assets = await loadAssets(out.outDir);
 * ```
 */
export async function loadAssets(outDir: string): Promise<LoadedAssets> {
  const { stamp, assets } = JSON.parse(await Deno.readTextFile(`${outDir}/stamp.json`)) as {
    stamp: string;
    assets: string[];
  };
  const dir = assetsDirName(stamp);
  const files = new Map<string, Uint8Array>();
  for (const name of assets) files.set(name, await Deno.readFile(`${outDir}/${dir}/${name}`));
  return { ok: true, index: await Deno.readFile(`${outDir}/index.html`), dir, files };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The routes: `GET /` (the page, or a 503 page saying why it is missing) and
 * `GET <urlPath>/<dir>/<name>` (the assets). Anything else under `urlPath`
 * is a 404.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assetRoutes } from "./asset_routes.ts";
 * const app = assetRoutes({
 *   ok: true, index: new TextEncoder().encode("<!doctype html>"), dir: "0123456789abcdef",
 *   files: new Map([["app.js", new TextEncoder().encode("1")]]),
 * }, "/assets");
 * const res = await app.request("/assets/0123456789abcdef/app.js");
 * assert.equal(res.headers.get("content-type"), "text/javascript; charset=utf-8");
 * assert.equal((await app.request("/assets/0123456789abcdef/../stamp.json")).status, 404);
 * ```
 */
export function assetRoutes(assets: LoadedAssets, urlPath: string): Hono {
  const app = new Hono();
  app.get("/", function page(c) {
    if (!assets.ok) {
      const body = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Overlap</title>` +
        `<h1>The Overlap UI is not available</h1><p>${escapeHtml(assets.reason)}</p>` +
        `<p>Run <code>deno task build:ui</code> and restart the server. ` +
        `GraphQL (<code>/graphql</code>) works meanwhile.</p>`;
      return c.body(body, 503, {
        ...COMMON_HEADERS,
        "content-type": CONTENT_TYPES.html,
        "cache-control": "no-store",
      });
    }
    return c.body(assets.index as Uint8Array<ArrayBuffer>, 200, {
      ...COMMON_HEADERS,
      "content-type": CONTENT_TYPES.html,
      "cache-control": "no-cache",
    });
  });
  app.get(`${urlPath}/:dir/:name`, function asset(c) {
    const { dir, name } = c.req.param();
    const body = assets.ok && dir === assets.dir ? assets.files.get(name) : undefined;
    if (body === undefined) {
      return c.json(
        { error: `no asset ${c.req.path}; the page may be older than the server` },
        404,
        {
          ...COMMON_HEADERS,
          "cache-control": "no-store",
        },
      );
    }
    return c.body(body as Uint8Array<ArrayBuffer>, 200, {
      ...COMMON_HEADERS,
      "content-type": contentTypeOf(name),
      "cache-control": "public, max-age=31536000, immutable",
    });
  });
  return app;
}

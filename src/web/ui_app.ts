/**
 * The browser UI at `/`: what its bundle is built from, its page and its
 * Content-Security-Policy.
 *
 * The bundle is `src/ui/main.tsx` (which imports `style.css`, bundled into
 * `main.css`) with the engine (`wasm/mod.ts`); `overlap.wasm` is copied
 * beside `main.js`, where the bundled engine fetches it (relative to its own
 * URL). `deno.json` and `deno.lock` are inputs: they pin Preact's version.
 *
 * @module
 */
import type { BuiltAssets } from "./built_assets.ts";
import type { BundleSpec } from "./bundle.ts";
import { contentSecurityPolicy, webSocketOrigins } from "./headers.ts";
import { htmlPage } from "./page.ts";
import type { PageContext, RenderedPage, WebApp } from "./routes.ts";
import type { AssetSet } from "./assets.ts";

/** The repository root (this file is `src/web/ui_app.ts`). */
const ROOT = new URL("../../", import.meta.url);

/**
 * The UI bundle's spec; `outDir` defaults to `dist/ui/` in the repository.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uiSpec } from "./ui_app.ts";
 * const spec = uiSpec();
 * assert.equal(spec.entry, "src/ui/main.tsx");
 * assert.deepEqual(spec.copy, ["wasm/overlap.wasm"]);
 * assert(spec.outDir.pathname.endsWith("/dist/ui/"));
 * ```
 */
export function uiSpec(outDir: URL = new URL("dist/ui/", ROOT)): BundleSpec {
  return {
    name: "ui",
    root: ROOT,
    entry: "src/ui/main.tsx",
    inputs: ["src/ui/", "wasm/mod.ts", "deno.json", "deno.lock"],
    copy: ["wasm/overlap.wasm"],
    outDir,
    expect: [".js", ".css", ".wasm"],
  };
}

/**
 * The UI's CSP: scripts, styles and the engine only from this server
 * (`'wasm-unsafe-eval'` lets the page compile `overlap.wasm`, nothing
 * else), no inline script or style, connections only to this server (HTTP
 * and its WebSocket origins), no framing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uiCsp } from "./ui_app.ts";
 * const csp = uiCsp("127.0.0.1:8080");
 * assert(csp.includes("script-src 'self' 'wasm-unsafe-eval';"));
 * assert(csp.includes("connect-src 'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080;"));
 * assert(!csp.includes("unsafe-inline"));
 * ```
 */
export function uiCsp(host: string | undefined): string {
  return contentSecurityPolicy({
    "default-src": ["'none'"],
    "script-src": ["'self'", "'wasm-unsafe-eval'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'", ...webSocketOrigins(host)],
    "base-uri": ["'none'"],
    // The token form is handled by the script and never submitted.
    "form-action": ["'none'"],
    "frame-ancestors": ["'none'"],
  });
}

/**
 * The UI's page over a build, with its CSP.
 *
 * @throws {TypeError} when the build has no `main.js` or `main.css`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uiPage } from "./ui_app.ts";
 * const file = (name: string) => ({
 *   name, contentType: "", body: new Uint8Array(), gzip: undefined, etag: "", integrity: "sha384-x",
 * });
 * const assets = { id: "0123456789abcdef", files: new Map([["main.js", file("main.js")], ["main.css", file("main.css")]]) };
 * const page = uiPage(assets, { host: "127.0.0.1:8080", tokens: false, assetsUrl: "/assets/0123456789abcdef/" });
 * assert(page.html.includes('<div id="app">'));
 * assert(page.csp.includes("ws://127.0.0.1:8080"));
 * ```
 */
export function uiPage(assets: AssetSet, context: PageContext): RenderedPage {
  return {
    html: htmlPage({
      title: "Overlap",
      assets,
      assetsUrl: context.assetsUrl,
      script: "main.js",
      styles: ["main.css"],
      body: '<div id="app"><p class="boot">Loading Overlap…</p></div>\n' +
        "<noscript>Overlap's UI needs JavaScript; GraphQL is at /graphql.</noscript>",
    }),
    csp: uiCsp(context.host),
  };
}

/**
 * The UI as a web app at `/`, over `bundle` (see `built_assets.ts`).
 *
 * @example
 * ```ts ignore
 * const app = uiApp(prepareAssets(uiSpec(), { log }));
 * mountWebApps(hono, [app], { tokens: false });
 * ```
 */
export function uiApp(bundle: BuiltAssets): WebApp {
  return {
    name: "ui",
    title: "The Overlap UI",
    path: "/",
    assetsPath: "/assets",
    bundle,
    page: uiPage,
  };
}

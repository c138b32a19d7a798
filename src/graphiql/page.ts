/**
 * The GraphiQL HTML page and its Content-Security-Policy. The page holds no
 * inline script or style: it loads the content-hashed bundle and stylesheet
 * (with Subresource Integrity) and says in a `<meta>` whether the server has
 * tokens, so GraphiQL can offer the token panel.
 *
 * One exception is allowed, by nonce: GraphiQL's dialogs (Radix UI, through
 * `react-remove-scroll`) insert a `<style>` element to lock the page's
 * scrolling, whose text depends on the scrollbar's width, so no hash can
 * allow it. The page carries a fresh nonce per response in `<meta
 * name="overlap-style-nonce">`; the bundle hands it to that library
 * (`__webpack_nonce__`, read by `get-nonce`). Scripts stay `'self'` only.
 *
 * @module
 */
import type { AssetSet } from "../web/assets.ts";
import { contentSecurityPolicy, webSocketOrigins } from "../web/headers.ts";
import { htmlPage } from "../web/page.ts";

/**
 * A fresh CSP nonce: 16 random bytes, base64.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createNonce } from "./page.ts";
 * assert.match(createNonce(), /^[A-Za-z0-9+/]{22}==$/);
 * assert.notEqual(createNonce(), createNonce());
 * ```
 */
export function createNonce(): string {
  let binary = "";
  for (const b of crypto.getRandomValues(new Uint8Array(16))) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * The page's HTML over a build (`main.js`, `main.css`), served from `assetsUrl`.
 *
 * @throws {TypeError} when the build lacks `main.js` or `main.css`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { graphiqlPage } from "./page.ts";
 * const asset = (name: string) => ({
 *   name, contentType: "", body: new Uint8Array(), gzip: undefined, etag: "", integrity: "sha384-x",
 * });
 * const assets = { id: "0123456789abcdef", files: new Map([["main.js", asset("main.js")], ["main.css", asset("main.css")]]) };
 * const html = graphiqlPage(assets, "/graphiql/assets/0123456789abcdef/", { tokens: true, nonce: "bm9uY2U=" });
 * assert(html.includes('<script type="module" src="/graphiql/assets/0123456789abcdef/main.js"'));
 * assert(html.includes('<meta name="overlap-auth" content="tokens">'));
 * assert(!/<script>|<style>/.test(html));
 * ```
 */
export function graphiqlPage(
  assets: AssetSet,
  assetsUrl: string,
  options: { readonly tokens: boolean; readonly nonce: string },
): string {
  return htmlPage({
    title: "Overlap · GraphiQL",
    assets,
    assetsUrl,
    script: "main.js",
    styles: ["main.css"],
    meta: {
      "overlap-auth": options.tokens ? "tokens" : "open",
      "overlap-style-nonce": options.nonce,
    },
    body: '<div id="overlap-graphiql"><noscript>GraphiQL needs JavaScript.</noscript></div>',
  });
}

/**
 * The page's Content-Security-Policy: scripts, styles and fonts only from
 * this server (fonts and GraphiQL's icons are `data:` URLs inside its CSS),
 * plus `<style>` elements carrying the page's nonce; connections only to
 * this server over HTTP and WebSocket; no framing, no forms, no plugins.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { graphiqlCsp } from "./page.ts";
 * const csp = graphiqlCsp("127.0.0.1:8183", "bm9uY2U=");
 * assert(csp.includes("script-src 'self';"));
 * assert(csp.includes("style-src 'self' 'nonce-bm9uY2U=';"));
 * assert(csp.includes("connect-src 'self' ws://127.0.0.1:8183 wss://127.0.0.1:8183;"));
 * ```
 */
export function graphiqlCsp(host: string | null | undefined, nonce: string): string {
  return contentSecurityPolicy({
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", `'nonce-${nonce}'`],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'", ...webSocketOrigins(host)],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["'none'"],
  });
}

/**
 * Response headers for pages and static assets served to browsers: a
 * Content-Security-Policy builder, the WebSocket origins a page may connect
 * to, and the headers every such response carries.
 *
 * @module
 */

/**
 * Headers on every page and asset: no MIME sniffing, no referrer, not
 * framable by other sites, not loadable by other origins' pages.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
});

/** CSP directives: name to sources (`'self'`, `data:`, origins). */
export type CspDirectives = Readonly<Record<string, readonly string[]>>;

/**
 * Renders CSP directives as a header value.
 *
 * @throws {TypeError} for a source that could break out of the header
 * (`;`, `,`, whitespace or control characters inside one source).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentSecurityPolicy } from "./headers.ts";
 * assert.equal(
 *   contentSecurityPolicy({ "default-src": ["'none'"], "script-src": ["'self'"] }),
 *   "default-src 'none'; script-src 'self'",
 * );
 * ```
 */
export function contentSecurityPolicy(directives: CspDirectives): string {
  return Object.entries(directives).map(([name, sources]) => {
    for (const source of [name, ...sources]) {
      if (!/^[\x21-\x7e]+$/.test(source) || /[;,]/.test(source)) {
        throw new TypeError(`CSP source ${JSON.stringify(source)} holds a separator or space`);
      }
    }
    return [name, ...sources].join(" ");
  }).join("; ");
}

/** A `Host` header value: a DNS name, IPv4 address or bracketed IPv6 address, with an optional port. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}))(?::[0-9]{1,5})?$/;

/**
 * The WebSocket origins of the server a page was loaded from (`ws://` and
 * `wss://` on its `Host`), for `connect-src`: CSP's `'self'` covers
 * WebSockets only in recent browsers. A missing or malformed `Host` gives
 * none (the page then relies on `'self'`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { webSocketOrigins } from "./headers.ts";
 * assert.deepEqual(webSocketOrigins("127.0.0.1:8080"), ["ws://127.0.0.1:8080", "wss://127.0.0.1:8080"]);
 * assert.deepEqual(webSocketOrigins("evil; script-src *"), []);
 * ```
 */
export function webSocketOrigins(host: string | null | undefined): string[] {
  if (!host || !HOST.test(host)) return [];
  return [`ws://${host}`, `wss://${host}`];
}

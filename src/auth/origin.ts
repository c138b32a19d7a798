/**
 * The `Origin` check that keeps other web sites' pages from using a
 * browser's access to Overlap (cross-site WebSocket hijacking).
 *
 * @module
 */

/**
 * Whether a request with this `Origin` may proceed.
 *
 * Requests without an `Origin` come from non-browser clients and pass (they
 * still need a token when tokens are configured). A browser origin passes
 * when it is the server's own (`Host` header) or listed in `allowed`
 * (`OVERLAP_ALLOWED_ORIGINS`; `*` allows any).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { originAllowed } from "./origin.ts";
 * assert(originAllowed(null, "127.0.0.1:8080", []));
 * assert(originAllowed("http://127.0.0.1:8080", "127.0.0.1:8080", []));
 * assert(!originAllowed("https://evil.example", "127.0.0.1:8080", []));
 * assert(originAllowed("https://ui.example", "overlap:8080", ["https://ui.example"]));
 * ```
 */
export function originAllowed(
  origin: string | null | undefined,
  host: string | null | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === null || origin === undefined) return true;
  if (allowed.includes("*") || allowed.includes(origin)) return true;
  if (!host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * Times as people read them in a live view.
 *
 * @module
 */

/**
 * "12 s ago", "3 min ago", "never", from an ISO time and the clock now (ms).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { relativeTime } from "./time_text.ts";
 * const now = Date.parse("2026-01-01T00:10:00Z");
 * assert.equal(relativeTime("2026-01-01T00:09:48Z", now), "12 s ago");
 * assert.equal(relativeTime("2026-01-01T00:07:00Z", now), "3 min ago");
 * assert.equal(relativeTime(null, now), "never");
 * ```
 */
export function relativeTime(iso: unknown, now: number): string {
  if (typeof iso !== "string") return "never";
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return "unknown";
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(at).toISOString().slice(0, 16).replace("T", " ");
}

/**
 * A short local-independent form of an ISO time (`2026-01-01 00:09:48Z`), or "—".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shortTime } from "./time_text.ts";
 * assert.equal(shortTime("2026-01-01T00:09:48.000Z"), "2026-01-01 00:09:48Z");
 * assert.equal(shortTime(null), "—");
 * ```
 */
export function shortTime(iso: unknown): string {
  if (typeof iso !== "string" || Number.isNaN(Date.parse(iso))) return "—";
  return new Date(iso).toISOString().slice(0, 19).replace("T", " ") + "Z";
}

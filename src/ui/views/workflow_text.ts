/**
 * What the Workflows list says about a workflow, as pure functions.
 *
 * @module
 */

/**
 * The statuses a workflow's `stateTotals` counts, with their numbers (zeros
 * and anything not a number left out).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { totalsOf } from "./workflow_text.ts";
 * assert.deepEqual(totalsOf({ running: 2, waiting: 0, held: "x" }), [["running", 2]]);
 * assert.deepEqual(totalsOf(undefined), []);
 * ```
 */
export function totalsOf(value: unknown): [string, number][] {
  if (!value || typeof value !== "object") return [];
  return Object.entries(value as Record<string, unknown>).filter((
    entry,
  ): entry is [string, number] => typeof entry[1] === "number" && entry[1] > 0);
}

/**
 * Whether a status message only repeats the status (then the badge says it
 * all, and the message is not shown again under it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { repeatsStatus } from "./workflow_text.ts";
 * assert(repeatsStatus("Running ", "running"));
 * assert(!repeatsStatus("heartbeat lost", "stalled"));
 * ```
 */
export function repeatsStatus(message: unknown, status: unknown): boolean {
  return String(message ?? "").trim().toLowerCase() === String(status ?? "").trim().toLowerCase();
}

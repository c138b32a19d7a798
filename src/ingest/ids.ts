/**
 * Cylc-form ids (`docs/data_model.md`, "Ids"): checking their shape and
 * reading the parts a new element's defaults come from.
 *
 * @module
 */

/** Longest id accepted. */
export const MAX_ID_LENGTH = 512;

/** What an id says about its element. */
export type IdParts =
  | { readonly kind: "workflow"; readonly owner: string; readonly name: string }
  | {
    readonly kind: "node";
    readonly workflowId: string;
    readonly cyclePoint: string;
    readonly name: string;
  }
  | {
    readonly kind: "job";
    readonly workflowId: string;
    readonly taskId: string;
    readonly submitNum: number;
  }
  | { readonly kind: "edge"; readonly workflowId: string };

const FORBIDDEN = /[\s\p{Cc}]/u;

/**
 * Splits `id` into its parts, or returns why it is not an id: a message such
 * as `expected an id without whitespace or control characters`. A `node` is a
 * task or family (`<workflow>//<cyclePoint>/<name>`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseId } from "./ids.ts";
 * assert.deepEqual(parseId("~user/flow//1/foo/02"), {
 *   kind: "job", workflowId: "~user/flow", taskId: "~user/flow//1/foo", submitNum: 2,
 * });
 * assert.deepEqual(parseId("~user/a/b"), { kind: "workflow", owner: "user", name: "a/b" });
 * assert.equal(typeof parseId("~user/flow//1/foo/x"), "string");
 * ```
 */
export function parseId(id: string): IdParts | string {
  if (id.length > MAX_ID_LENGTH) {
    return `expected an id of at most ${MAX_ID_LENGTH} characters (this one has ${id.length})`;
  }
  if (FORBIDDEN.test(id)) return "expected an id without whitespace or control characters";
  // PostgreSQL stores UTF-8: a lone surrogate cannot be written (found by tests/fuzz_test.ts).
  if (!id.isWellFormed()) return "expected an id of valid Unicode text (it holds a lone surrogate)";
  const cut = id.indexOf("//");
  const workflowId = cut === -1 ? id : id.slice(0, cut);
  const workflow = /^~([^/]+)\/(.+)$/.exec(workflowId);
  if (!workflow || workflow[2].endsWith("/")) {
    return "expected an id starting with a workflow id of the form ~owner/name";
  }
  if (cut === -1) return { kind: "workflow", owner: workflow[1], name: workflow[2] };
  const rest = id.slice(cut + 2);
  if (rest.startsWith("$edge|")) {
    const ends = rest.slice("$edge|".length).split("|");
    if (ends.length === 2 && ends[0] !== "" && ends[1] !== "") {
      return { kind: "edge", workflowId };
    }
    return "expected an edge id of the form <workflow>//$edge|<source>|<target>";
  }
  const parts = rest.split("/");
  if (parts.some((part) => part === "") || parts.length < 2 || parts.length > 3) {
    return "expected <workflow>//<cyclePoint>/<name> or <workflow>//<cyclePoint>/<name>/<NN>";
  }
  if (parts.length === 2) {
    return { kind: "node", workflowId, cyclePoint: parts[0], name: parts[1] };
  }
  const submitNum = Number(parts[2]);
  if (!/^\d{2,}$/.test(parts[2]) || submitNum < 1 || !Number.isSafeInteger(submitNum)) {
    return "expected a job's submit number of 2 or more digits, at least 01";
  }
  return { kind: "job", workflowId, taskId: id.slice(0, id.lastIndexOf("/")), submitNum };
}

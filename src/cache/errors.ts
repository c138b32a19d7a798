/**
 * The errors a cache future can reject with. Each message names the pool,
 * the action and (a prefix of) the keys, because "cache timed out" alone is
 * what made the Metaflow cache so hard to debug.
 *
 * @module
 */

/** Formats up to three keys and a count of the rest, for error messages. */
export function describeKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, 3).map((key) => JSON.stringify(key)).join(", ");
  return keys.length > 3 ? `[${shown}, and ${keys.length - 3} more]` : `[${shown}]`;
}

/**
 * A request did not complete in time: either the client's own timer fired or
 * the server killed a worker that ran past its timeout.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CacheTimeoutError } from "./errors.ts";
 * const error = new CacheTimeoutError("dag", "GetDag", ["dag:~u/f:1"], 500);
 * assert(error.message.includes("GetDag") && error.message.includes("dag:~u/f:1"));
 * assert(error instanceof Error && error.name === "CacheTimeoutError");
 * ```
 */
export class CacheTimeoutError extends Error {
  /** Pool the request went to. */
  readonly pool: string;
  /** Action that timed out. */
  readonly action: string;
  /** Keys the request waited for. */
  readonly keys: readonly string[];
  /** Timeout that ran out, in ms. */
  readonly timeoutMs: number;

  /** `detail` says who gave up (the client's timer or the server's worker timer). */
  constructor(
    pool: string,
    action: string,
    keys: readonly string[],
    timeoutMs: number,
    detail = "no answer from the cache server",
  ) {
    super(
      `cache pool ${pool}: ${action} ${
        describeKeys(keys)
      } timed out after ${timeoutMs} ms (${detail})`,
    );
    this.name = "CacheTimeoutError";
    this.pool = pool;
    this.action = action;
    this.keys = keys;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The cache server could not serve a request: it died twice while the
 * request was pending, could not be (re)started, rejected the request as
 * malformed, or the client was closed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CacheServerError } from "./errors.ts";
 * const error = new CacheServerError("logs", "GetLogFile", ["log:a"], "server exited (SIGKILL)");
 * assert(error.message.includes("SIGKILL") && error.reason === "server exited (SIGKILL)");
 * ```
 */
export class CacheServerError extends Error {
  /** Pool the request went to. */
  readonly pool: string;
  /** Action of the failed request. */
  readonly action: string;
  /** Keys of the failed request. */
  readonly keys: readonly string[];
  /** Why the server could not serve it. */
  readonly reason: string;

  /** `reason` is a short human sentence. */
  constructor(pool: string, action: string, keys: readonly string[], reason: string) {
    super(`cache pool ${pool}: ${action} ${describeKeys(keys)} failed: ${reason}`);
    this.name = "CacheServerError";
    this.pool = pool;
    this.action = action;
    this.keys = keys;
    this.reason = reason;
  }
}

/** Codes of a failed action, as sent by the server. */
export type ActionErrorCode =
  | "action_failed"
  | "not_found"
  | "forbidden"
  | "invalid"
  | "worker_crashed"
  | "worker_garbage"
  | "entry_too_large";

/**
 * The action itself failed (it threw, or its worker crashed or wrote
 * garbage). Nothing was cached; the next request tries again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CacheActionError } from "./errors.ts";
 * const error = new CacheActionError("artifacts", "GetArtifacts", ["a"], "forbidden", "outside roots");
 * assert(error.code === "forbidden" && error.message.includes("outside roots"));
 * ```
 */
export class CacheActionError extends Error {
  /** Pool the request went to. */
  readonly pool: string;
  /** Action that failed. */
  readonly action: string;
  /** Keys of the request. */
  readonly keys: readonly string[];
  /** Machine-readable cause. */
  readonly code: ActionErrorCode;

  /** `detail` is the worker's or server's message. */
  constructor(
    pool: string,
    action: string,
    keys: readonly string[],
    code: ActionErrorCode,
    detail: string,
  ) {
    super(`cache pool ${pool}: ${action} ${describeKeys(keys)} failed (${code}): ${detail}`);
    this.name = "CacheActionError";
    this.pool = pool;
    this.action = action;
    this.keys = keys;
    this.code = code;
  }
}

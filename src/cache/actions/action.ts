/**
 * What a cache action is, as the worker runs it: a function from a request
 * (keys, payload, settings) to one entry per key.
 *
 * @module
 */

/** Settings the server hands every worker (from Overlap's configuration). */
export interface WorkerSettings {
  /** Real paths of the directories `file://` artifacts may be read from. */
  readonly artifactRoots: readonly string[];
  /** Real paths of the directories job logs are read from. */
  readonly logRoots: readonly string[];
  /** Largest artifact returned; larger ones give a `tooLarge` result. */
  readonly artifactMaxBytes: number;
  /** `host[:port]` that `http(s)://` artifacts may come from. */
  readonly artifactHosts: readonly string[];
  /** S3-compatible endpoint for `s3://` artifacts. */
  readonly s3Endpoint?: string;
  /** S3 region used in request signatures. */
  readonly s3Region: string;
  /** Writable directory for test actions (test mode only). */
  readonly testDir?: string;
}

/** What an action gets. */
export interface ActionContext {
  /** Keys to produce, in request order. */
  readonly keys: readonly string[];
  /** Arguments (validated by the server's protocol check). */
  readonly payload: Record<string, unknown>;
  /** Roots, limits and endpoints. */
  readonly settings: WorkerSettings;
  /** The worker's private directory (test actions use it to write garbage). */
  readonly jobDir: string;
  /** Reports progress (0…1) to the clients waiting for this request. */
  progress(fraction: number, detail?: string): void;
}

/** One produced entry. */
export interface ActionEntry {
  /** One of the requested keys. */
  readonly key: string;
  /** Small JSON metadata. */
  readonly meta: Record<string, unknown>;
  /** The value bytes (or text). */
  readonly body: Uint8Array | string;
}

/** An action: produces one entry per requested key. */
export type Action = (context: ActionContext) => Promise<ActionEntry[]>;

/** Causes an action reports on purpose (anything else thrown is `action_failed`). */
export type FailureCode = "not_found" | "forbidden" | "invalid" | "action_failed";

/**
 * An expected failure with a code the client can act on (a missing file is
 * `not_found`, a path outside the roots `forbidden`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ActionFailure } from "./action.ts";
 * const failure = new ActionFailure("forbidden", "file:///etc/passwd is outside the artifact roots");
 * assert(failure.code === "forbidden" && failure instanceof Error);
 * ```
 */
export class ActionFailure extends Error {
  /** Machine-readable cause. */
  readonly code: FailureCode;
  /** Makes a failure with `code` and a message naming the input. */
  constructor(code: FailureCode, message: string) {
    super(message);
    this.name = "ActionFailure";
    this.code = code;
  }
}

/**
 * Whether `path` (a real path) is `root` or inside it (both real paths).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isInside } from "./action.ts";
 * assert(isInside("/data/a/b", "/data/a") && !isInside("/data/ab", "/data/a"));
 * ```
 */
export function isInside(path: string, root: string): boolean {
  const base = root.endsWith("/") ? root.slice(0, -1) : root;
  return path === base || path.startsWith(base + "/");
}

/**
 * The cache wire protocol: one JSON object per line, client → server on the
 * server's stdin and server → client on its stdout, and the validation of
 * every request (envelope and per-action payload) in one place.
 *
 * A malformed line is answered with an `error` message (with the request id
 * when one could be read) and the server goes on; see docs/cache.md.
 *
 * @module
 */

/** Request priority: `high` for what a user waits on, `low` for prefetching. */
export type Priority = "high" | "low";

/** Client → server: run `action` unless all `keys` are already on disk. */
export interface RequestMessage {
  readonly type: "request";
  /** Client-chosen id, unique among the client's pending requests. */
  readonly id: string;
  /** Action name (see {@linkcode ACTION_NAMES}). */
  readonly action: string;
  /** Keys the action must produce; the request is complete once all are on disk. */
  readonly keys: readonly string[];
  /** Action arguments, validated by {@linkcode validatePayload}. */
  readonly payload: Record<string, unknown>;
  /** Queue to wait in; `high` when absent. */
  readonly priority: Priority;
  /** Time the worker may run before it is killed, in ms. */
  readonly timeoutMs: number;
  /** Run even when the keys are on disk, replacing them (searches). */
  readonly force: boolean;
}

/** Client → server: the client has read the keys of request `id`; they may be evicted again. */
export interface ReleaseMessage {
  readonly type: "release";
  readonly id: string;
}

/** Client → server: the client no longer waits for request `id`. */
export interface CancelMessage {
  readonly type: "cancel";
  readonly id: string;
}

/** Client → server: these entries (key hashes) were read from disk by the client (LRU order). */
export interface TouchMessage {
  readonly type: "touch";
  readonly hashes: readonly string[];
}

/** Client → server: send a `stats` message now. */
export interface StatusMessage {
  readonly type: "status";
}

/** Anything a client may send. */
export type ClientMessage =
  | RequestMessage
  | ReleaseMessage
  | CancelMessage
  | TouchMessage
  | StatusMessage;

/** The server's figures, sent after every change (coalesced) and on `status`. */
export interface ServerStats {
  readonly queuedHigh: number;
  readonly queuedLow: number;
  readonly running: number;
  readonly workers: number;
  readonly peakRunning: number;
  readonly deduplicated: number;
  readonly diskHits: number;
  readonly workerRuns: number;
  readonly workerErrors: number;
  readonly invalidLines: number;
  readonly bytesUsed: number;
  readonly maxBytes: number;
  readonly peakBytes: number;
  readonly entries: number;
  readonly evictions: number;
  readonly pinned: number;
}

/** Codes of `error` messages. */
export type ErrorCode =
  | "invalid"
  | "action_failed"
  | "not_found"
  | "forbidden"
  | "worker_crashed"
  | "worker_timeout"
  | "worker_garbage"
  | "entry_too_large"
  | "shutting_down";

/** Anything the server may send. */
export type ServerMessage =
  | { readonly type: "ready"; readonly pid: number; readonly stats: ServerStats }
  | {
    readonly type: "done";
    readonly id: string;
    /** `disk`: the keys were already there; `worker`: a worker produced them. */
    readonly source: "disk" | "worker";
    /** The action's own run time inside the worker, in ms (for `worker`). */
    readonly actionMs?: number;
  }
  | {
    readonly type: "error";
    readonly id: string | null;
    readonly code: ErrorCode;
    readonly message: string;
  }
  | {
    readonly type: "progress";
    readonly id: string;
    readonly fraction: number;
    readonly detail?: string;
  }
  | { readonly type: "stats"; readonly stats: ServerStats };

/** Production actions and the pool that serves each. */
export const ACTION_POOLS: Readonly<Record<string, "dag" | "artifacts" | "logs">> = {
  GetDag: "dag",
  GetArtifacts: "artifacts",
  SearchArtifacts: "artifacts",
  GetLogFile: "logs",
};

/** Production action names. */
export const ACTION_NAMES: readonly string[] = Object.keys(ACTION_POOLS);

/**
 * Actions that exist only when the server is started with its test switch;
 * they make failure modes reproducible without sleeps in tests.
 */
export const TEST_ACTION_NAMES: readonly string[] = [
  "test:sleep",
  "test:throw",
  "test:crash",
  "test:garbage",
  "test:count",
  "test:bytes",
  "test:wedge",
];

/** Largest key, in characters. */
export const MAX_KEY_LENGTH = 2048;
/** Most keys in one request. */
export const MAX_KEYS = 10_000;
/** Longest request id, in characters. */
export const MAX_ID_LENGTH = 128;

/**
 * A line that is not a valid message; `id` is set when the line had a readable one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProtocolError } from "./protocol.ts";
 * assert(new ProtocolError("bad", "7").id === "7");
 * ```
 */
export class ProtocolError extends TypeError {
  /** Request id from the line, if any. */
  readonly id: string | null;
  /** Makes an error for a line whose request `id` is known, or `null`. */
  constructor(message: string, id: string | null = null) {
    super(message);
    this.name = "ProtocolError";
    this.id = id;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown, max: number, maxLength: number): value is string[] {
  return Array.isArray(value) && value.length <= max &&
    value.every((item) => typeof item === "string" && item.length > 0 && item.length <= maxLength);
}

function positiveInt(value: unknown, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= max;
}

/**
 * Parses and validates one client line. `actions` lists the actions this
 * server serves; `defaultTimeoutMs` fills a missing `timeoutMs`.
 *
 * @throws {ProtocolError} naming what is wrong, with the request id when readable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseClientMessage, ProtocolError } from "./protocol.ts";
 * const line = JSON.stringify({
 *   type: "request", id: "1", action: "GetDag", keys: ["dag:~u/f:v1"],
 *   payload: { workflowId: "~u/f", version: "v1", nodes: ["~u/f//1/a"], edges: [] },
 * });
 * const message = parseClientMessage(line, ["GetDag"], 1000);
 * assert(message.type === "request" && message.timeoutMs === 1000 && message.priority === "high");
 * assert.throws(() => parseClientMessage("{", ["GetDag"], 1000), ProtocolError);
 * ```
 */
export function parseClientMessage(
  line: string,
  actions: readonly string[],
  defaultTimeoutMs: number,
): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new ProtocolError(`not JSON: ${(error as Error).message}`);
  }
  if (!isRecord(value)) throw new ProtocolError("a message must be a JSON object");
  const id = typeof value.id === "string" && value.id.length <= MAX_ID_LENGTH ? value.id : null;
  switch (value.type) {
    case "request":
      return parseRequest(value, id, actions, defaultTimeoutMs);
    case "release":
    case "cancel":
      if (id === null || id === "") throw new ProtocolError(`${value.type}: id must be a string`);
      return { type: value.type, id };
    case "touch":
      if (
        !Array.isArray(value.hashes) ||
        !value.hashes.every((hash) => typeof hash === "string" && /^[0-9a-f]{64}$/.test(hash))
      ) {
        throw new ProtocolError("touch: hashes must be an array of sha-256 hex strings");
      }
      return { type: "touch", hashes: value.hashes };
    case "status":
      return { type: "status" };
    default:
      throw new ProtocolError(`unknown message type ${JSON.stringify(value.type)}`, id);
  }
}

function parseRequest(
  value: Record<string, unknown>,
  id: string | null,
  actions: readonly string[],
  defaultTimeoutMs: number,
): RequestMessage {
  if (id === null || id === "") {
    throw new ProtocolError(`request: id must be a string of 1 to ${MAX_ID_LENGTH} characters`);
  }
  const fail = (message: string): never => {
    throw new ProtocolError(`request ${id}: ${message}`, id);
  };
  if (typeof value.action !== "string" || !actions.includes(value.action)) {
    fail(`unknown action ${JSON.stringify(value.action)} (this pool serves ${actions.join(", ")})`);
  }
  if (!isStringArray(value.keys, MAX_KEYS, MAX_KEY_LENGTH) || value.keys.length === 0) {
    fail(`keys must be 1 to ${MAX_KEYS} strings of 1 to ${MAX_KEY_LENGTH} characters`);
  }
  if (!isRecord(value.payload)) fail("payload must be an object");
  const priority = value.priority ?? "high";
  if (priority !== "high" && priority !== "low") fail(`priority must be "high" or "low"`);
  const timeoutMs = value.timeoutMs ?? defaultTimeoutMs;
  if (!positiveInt(timeoutMs, 24 * 3600_000)) fail("timeoutMs must be a whole number of ms ≥ 1");
  const force = value.force ?? false;
  if (typeof force !== "boolean") fail("force must be a boolean");
  const action = value.action as string;
  const keys = value.keys as string[];
  const payload = value.payload as Record<string, unknown>;
  const problem = validatePayload(action, keys, payload);
  if (problem !== null) fail(`${action} payload: ${problem}`);
  return {
    type: "request",
    id: id as string,
    action,
    keys,
    payload,
    priority: priority as Priority,
    timeoutMs: timeoutMs as number,
    force: force as boolean,
  };
}

/**
 * Checks an action's payload against its keys; returns a problem or `null`.
 * Deeper checks (paths inside roots, hosts allowed) happen in the worker,
 * which is where the data is read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validatePayload } from "./protocol.ts";
 * assert(validatePayload("GetArtifacts", ["artifact:file:///a"], { locations: ["file:///a"] }) === null);
 * assert(validatePayload("GetArtifacts", ["x"], { locations: [] }) !== null);
 * ```
 */
export function validatePayload(
  action: string,
  keys: readonly string[],
  payload: Record<string, unknown>,
): string | null {
  switch (action) {
    case "GetArtifacts": {
      const locations = payload.locations;
      if (!isStringArray(locations, MAX_KEYS, MAX_KEY_LENGTH)) {
        return "locations must be an array of strings";
      }
      if (locations.length !== keys.length) return "one key per location is required";
      for (let i = 0; i < locations.length; i++) {
        if (keys[i] !== artifactKey(locations[i])) {
          return `key ${i} must be ${JSON.stringify(artifactKey(locations[i]))}`;
        }
      }
      return null;
    }
    case "GetDag": {
      if (typeof payload.workflowId !== "string" || typeof payload.version !== "string") {
        return "workflowId and version must be strings";
      }
      if (!isStringArray(payload.nodes, 1_000_000, 1024)) return "nodes must be an array of ids";
      const edges = payload.edges;
      if (
        !Array.isArray(edges) ||
        !edges.every((edge) =>
          Array.isArray(edge) && edge.length === 2 && typeof edge[0] === "string" &&
          typeof edge[1] === "string"
        )
      ) {
        return "edges must be an array of [source, target] id pairs";
      }
      if (keys.length !== 1 || keys[0] !== dagKey(payload.workflowId, payload.version)) {
        return "the one key must be dagKey(workflowId, version)";
      }
      return null;
    }
    case "GetLogFile": {
      if (typeof payload.jobId !== "string") return "jobId must be a string";
      if (payload.stream !== "stdout" && payload.stream !== "stderr") {
        return `stream must be "stdout" or "stderr"`;
      }
      if (payload.tail !== undefined && !positiveInt(payload.tail, 1_000_000)) {
        return "tail must be a whole number ≥ 1";
      }
      if (payload.page !== undefined && !positiveInt(payload.page, 1_000_000_000)) {
        return "page must be a whole number ≥ 1";
      }
      if (payload.pageSize !== undefined && !positiveInt(payload.pageSize, 100_000)) {
        return "pageSize must be a whole number from 1 to 100000";
      }
      if (payload.tail !== undefined && payload.page !== undefined) {
        return "give tail or page, not both";
      }
      return keys.length === 1 ? null : "one key is required";
    }
    case "SearchArtifacts":
      if (
        typeof payload.workflowId !== "string" || typeof payload.name !== "string" ||
        typeof payload.value !== "string"
      ) {
        return "workflowId, name and value must be strings";
      }
      return keys.length === 1 ? null : "one key is required";
    default:
      // Test actions take free-form payloads.
      return null;
  }
}

/**
 * The key of one artifact location. Artifacts are immutable by convention
 * (a job writes them once), so the location alone names the content.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { artifactKey } from "./protocol.ts";
 * assert(artifactKey("s3://b/k") === "artifact:s3://b/k");
 * ```
 */
export function artifactKey(location: string): string {
  return `artifact:${location}`;
}

/**
 * The key of a workflow's DAG layout at one version of its graph.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dagKey } from "./protocol.ts";
 * assert(dagKey("~u/f", "abc") === "dag:~u/f:abc");
 * ```
 */
export function dagKey(workflowId: string, version: string): string {
  return `dag:${workflowId}:${version}`;
}

/**
 * Parses one server line on the client side.
 *
 * @throws {ProtocolError} when the line is not a server message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseServerMessage } from "./protocol.ts";
 * const message = parseServerMessage('{"type":"done","id":"7","source":"disk"}');
 * assert(message.type === "done" && message.id === "7");
 * ```
 */
export function parseServerMessage(line: string): ServerMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new ProtocolError(`server sent a line that is not JSON: ${(error as Error).message}`);
  }
  if (!isRecord(value) || typeof value.type !== "string") {
    throw new ProtocolError("server sent a message without a type");
  }
  switch (value.type) {
    case "ready":
    case "stats":
      if (!isRecord(value.stats)) throw new ProtocolError(`${value.type} without stats`);
      break;
    case "done":
    case "progress":
      if (typeof value.id !== "string") throw new ProtocolError(`${value.type} without an id`);
      break;
    case "error":
      if (typeof value.message !== "string") throw new ProtocolError("error without a message");
      break;
    default:
      throw new ProtocolError(`server sent an unknown message type ${value.type}`);
  }
  return value as unknown as ServerMessage;
}

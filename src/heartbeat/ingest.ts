/**
 * The core of `POST /api/heartbeats`: validate a batch of heartbeats and
 * write it with one UPDATE per kind (jobs, workflows).
 *
 * ```json
 * { "heartbeats": [{ "id": "~user/flow//1/foo/01" }, { "id": "~user/flow", "time": "2024-05-01T12:00:00Z" }] }
 * ```
 *
 * Ids are job ids (`<workflow>//<cycle>/<task>/<NN>`) or workflow ids
 * (`~owner/name`), as in docs/data_model.md. `time` is ISO 8601 with a time
 * zone; absent (or `null`) means the server's clock. A heartbeat only moves
 * `last_heartbeat_time` forward, so a late or repeated batch changes nothing,
 * and a no-op writes no event.
 *
 * The HTTP route (scheduler token, body size limit, status codes) is mounted
 * elsewhere: it answers 400 with the error's message for a `TypeError` or
 * `RangeError` from {@linkcode parseHeartbeats}, and 200 with the counts.
 *
 * @module
 */
import type { Database, Statement } from "../db/database.ts";

/** Most heartbeats in one batch, by default. */
export const MAX_HEARTBEATS = 10_000;

/** How far ahead of the server's clock a heartbeat time may be, by default (clock skew). */
export const MAX_FUTURE_MS = 5 * 60_000;

/** Longest id, as in docs/data_model.md. */
export const MAX_ID_LENGTH = 512;

/** Limits of {@linkcode parseHeartbeats}. */
export interface HeartbeatLimits {
  /** Most heartbeats in one batch; default {@linkcode MAX_HEARTBEATS}. */
  readonly maxHeartbeats?: number;
  /** How far a time may be ahead of `now`, in ms; default {@linkcode MAX_FUTURE_MS}. */
  readonly maxFutureMs?: number;
}

/** A validated batch: for each kind, distinct ids and the latest time given for each. */
export interface ParsedHeartbeats {
  /** Job ids and their heartbeat times (ms since the epoch). */
  readonly jobs: ReadonlyMap<string, number>;
  /** Workflow ids and their heartbeat times (ms since the epoch). */
  readonly workflows: ReadonlyMap<string, number>;
}

/** Options of {@linkcode ingestHeartbeats}. */
export interface HeartbeatIngestOptions extends HeartbeatLimits {
  /** The server's clock (the time of a heartbeat without one); default `Date.now`. */
  readonly now?: () => number;
  /**
   * Whether the sender may write a workflow (its token's write scope). A batch
   * with any id outside it is refused whole with `Deno.errors.PermissionDenied`.
   */
  readonly mayWrite?: (workflowId: string) => boolean;
}

/** What a batch did. */
export interface HeartbeatCounts {
  /** Distinct ids in the batch. */
  readonly received: number;
  /** Rows whose `last_heartbeat_time` moved forward. */
  readonly updated: number;
  /** Ids with no job or workflow of that id. */
  readonly unknown: number;
  /** Known ids whose stored heartbeat was already as new or newer. */
  readonly stale: number;
}

// A name segment: no slash, whitespace or control character.
const SEGMENT = "[^/\\s\\x00-\\x1f\\x7f]+";
const WORKFLOW_ID = new RegExp(`^~${SEGMENT}/(?:${SEGMENT}/)*${SEGMENT}$`);
const JOB_ID = new RegExp(
  `^~${SEGMENT}/(?:${SEGMENT}/)*${SEGMENT}//${SEGMENT}/${SEGMENT}/\\d{2,}$`,
);
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * The kind of a heartbeat id: `job`, `workflow`, or `undefined` when it is
 * neither (a task or family id, a malformed id).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { heartbeatKind } from "./ingest.ts";
 * assert.equal(heartbeatKind("~user/flow//1/foo/01"), "job");
 * assert.equal(heartbeatKind("~user/a/b"), "workflow");
 * assert.equal(heartbeatKind("~user/flow//1/foo"), undefined);
 * ```
 */
export function heartbeatKind(id: string): "job" | "workflow" | undefined {
  if (id.length > MAX_ID_LENGTH) return undefined;
  if (JOB_ID.test(id)) return "job";
  if (WORKFLOW_ID.test(id)) return "workflow";
  return undefined;
}

/**
 * Parses an ISO 8601 time with a time zone; `undefined` when it is not one
 * (including impossible dates such as February 30).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseIsoTime } from "./ingest.ts";
 * assert.equal(parseIsoTime("2024-05-01T12:00:00.5+02:00"), Date.UTC(2024, 4, 1, 10, 0, 0, 500));
 * assert.equal(parseIsoTime("2024-02-30T00:00:00Z"), undefined);
 * assert.equal(parseIsoTime("2024-05-01 12:00"), undefined);
 * ```
 */
export function parseIsoTime(text: string): number | undefined {
  const match = ISO_TIME.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second, , offsetHour, offsetMinute] = match;
  const y = Number(year), m = Number(month), d = Number(day);
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth) return undefined;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second ?? 0) > 59) return undefined;
  if (offsetHour !== undefined && (Number(offsetHour) > 23 || Number(offsetMinute) > 59)) {
    return undefined;
  }
  const ms = Date.parse(text);
  // PostgreSQL has no year 0 (found by tests/fuzz_test.ts).
  if (Number.isNaN(ms) || new Date(ms).getUTCFullYear() < 1) return undefined;
  return ms;
}

/**
 * Validates a batch. Throws a `TypeError` naming the JSON path for a wrong
 * shape, type or id, and a `RangeError` for a batch over the limit or a time
 * too far ahead of `now`. Several heartbeats for one id keep the latest time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHeartbeats } from "./ingest.ts";
 * const now = Date.UTC(2024, 4, 1, 12);
 * const parsed = parseHeartbeats({
 *   heartbeats: [
 *     { id: "~u/f//1/a/01", time: "2024-05-01T11:59:00Z" },
 *     { id: "~u/f" },
 *   ],
 * }, now);
 * assert.deepEqual([...parsed.jobs], [["~u/f//1/a/01", now - 60_000]]);
 * assert.deepEqual([...parsed.workflows], [["~u/f", now]]);
 * assert.throws(
 *   () => parseHeartbeats({ heartbeats: [{ id: "~u/f//1/a" }] }, now),
 *   /^TypeError: heartbeats\[0\]\.id: expected a job id/,
 * );
 * ```
 */
export function parseHeartbeats(
  body: unknown,
  now: number,
  limits: HeartbeatLimits = {},
): ParsedHeartbeats {
  const maxHeartbeats = limits.maxHeartbeats ?? MAX_HEARTBEATS;
  const maxFutureMs = limits.maxFutureMs ?? MAX_FUTURE_MS;
  if (!isPlainObject(body)) {
    throw new TypeError(
      `expected a JSON object { "heartbeats": [{ "id": …, "time"?: … }] }, got ${describe(body)}`,
    );
  }
  for (const key of Object.keys(body)) {
    if (key !== "heartbeats") {
      throw new TypeError(`unknown field ${JSON.stringify(key)}; expected only "heartbeats"`);
    }
  }
  const list = body.heartbeats;
  if (!Array.isArray(list)) {
    throw new TypeError(`heartbeats: expected an array, got ${describe(list)}`);
  }
  if (list.length > maxHeartbeats) {
    throw new RangeError(
      `heartbeats: expected at most ${maxHeartbeats} per batch, got ${list.length}; send several batches`,
    );
  }
  const jobs = new Map<string, number>();
  const workflows = new Map<string, number>();
  list.forEach((entry: unknown, index) => {
    const path = `heartbeats[${index}]`;
    if (!isPlainObject(entry)) {
      throw new TypeError(
        `${path}: expected an object { "id": …, "time"?: … }, got ${describe(entry)}`,
      );
    }
    for (const key of Object.keys(entry)) {
      if (key !== "id" && key !== "time") {
        throw new TypeError(
          `${path}: unknown field ${JSON.stringify(key)}; expected "id" and "time"`,
        );
      }
    }
    const { id, time } = entry;
    if (typeof id !== "string") {
      throw new TypeError(`${path}.id: expected a string, got ${describe(id)}`);
    }
    if (id.length > MAX_ID_LENGTH) {
      throw new TypeError(
        `${path}.id: expected at most ${MAX_ID_LENGTH} characters, got ${id.length}`,
      );
    }
    const kind = heartbeatKind(id);
    if (kind === undefined) {
      throw new TypeError(
        `${path}.id: expected a job id (~owner/flow//cycle/task/NN) or a workflow id (~owner/flow), got ${
          describe(id)
        }`,
      );
    }
    let at = now;
    if (time !== undefined && time !== null) {
      const parsed = typeof time === "string" ? parseIsoTime(time) : undefined;
      if (parsed === undefined) {
        throw new TypeError(
          `${path}.time: expected an ISO 8601 time with a time zone (e.g. 2024-05-01T12:00:00Z) or no time, got ${
            describe(time)
          }`,
        );
      }
      if (parsed > now + maxFutureMs) {
        throw new RangeError(
          `${path}.time: expected a time at most ${
            maxFutureMs / 1000
          } s after the server's clock (${new Date(now).toISOString()}), got ${
            describe(time)
          }; check the sender's clock`,
        );
      }
      at = parsed;
    }
    const into = kind === "job" ? jobs : workflows;
    const seen = into.get(id);
    if (seen === undefined || at > seen) into.set(id, at);
  });
  return { jobs, workflows };
}

/**
 * Writes a parsed batch in one transaction (so it is one event in the log):
 * one UPDATE for jobs and one for workflows, each moving
 * `last_heartbeat_time` forward only. Both statements go to the database as
 * one {@linkcode Database.batch}.
 *
 * @example
 * ```ts ignore
 * const counts = await writeHeartbeats(db, parseHeartbeats(body, Date.now()));
 * // { received: 2, updated: 1, unknown: 1, stale: 0 }
 * ```
 */
export async function writeHeartbeats(
  db: Database,
  parsed: ParsedHeartbeats,
): Promise<HeartbeatCounts> {
  const statements: Statement[] = [];
  for (const [table, beats] of [["jobs", parsed.jobs], ["workflows", parsed.workflows]] as const) {
    if (beats.size === 0) continue;
    // One JSON parameter rather than two arrays: the postgres.js adapter
    // cannot bind arrays, and jsonb_to_recordset costs the same.
    statements.push({
      sql: `with v as (
         select id, t from jsonb_to_recordset($1::jsonb) as v(id text, t timestamptz)
       ), u as (
         update ${table} set last_heartbeat_time = v.t from v
          where ${table}.id = v.id
            and (${table}.last_heartbeat_time is null or ${table}.last_heartbeat_time < v.t)
          returning ${table}.id
       )
       select (select count(*) from u)::int as updated,
              (select count(*) from v
                where not exists (select 1 from ${table} x where x.id = v.id))::int as unknown`,
      params: [
        JSON.stringify([...beats].map(([id, t]) => ({ id, t: new Date(t).toISOString() }))),
      ],
    });
  }
  let updated = 0, unknown = 0;
  for (const [row] of await db.batch(statements) as { updated: number; unknown: number }[][]) {
    updated += row.updated;
    unknown += row.unknown;
  }
  const received = parsed.jobs.size + parsed.workflows.size;
  return { received, updated, unknown, stale: received - updated - unknown };
}

/**
 * Validates and writes a batch in one transaction (so it is one event in the
 * log); what `POST /api/heartbeats` does after authentication.
 *
 * @example
 * ```ts ignore
 * app.post("/api/heartbeats", async (c) => {
 *   try {
 *     return c.json(await ingestHeartbeats(db, await c.req.json()));
 *   } catch (error) {
 *     if (error instanceof TypeError || error instanceof RangeError) {
 *       return c.json({ error: error.message }, 400);
 *     }
 *     throw error;
 *   }
 * });
 * ```
 */
export async function ingestHeartbeats(
  db: Database,
  body: unknown,
  options: HeartbeatIngestOptions = {},
): Promise<HeartbeatCounts> {
  const parsed = parseHeartbeats(body, (options.now ?? Date.now)(), options);
  if (options.mayWrite !== undefined) {
    for (const id of [...parsed.workflows.keys(), ...parsed.jobs.keys()]) {
      const workflowId = id.split("//", 1)[0];
      if (!options.mayWrite(workflowId)) {
        throw new Deno.errors.PermissionDenied(
          `may not write workflow ${workflowId} (heartbeat for ${id}); the batch was not written`,
        );
      }
    }
  }
  if (parsed.jobs.size + parsed.workflows.size === 0) {
    return { received: 0, updated: 0, unknown: 0, stale: 0 };
  }
  return await writeHeartbeats(db, parsed);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "an object";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…"` : text;
}

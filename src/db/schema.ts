/**
 * The five element kinds of `docs/data_model.md` in one table: their SQL
 * tables and, for each field, its GraphQL name, column and type. Validation,
 * the upserts, the event log and the snapshot all read it, so the names can
 * only change in one place.
 *
 * @module
 */

/** An element kind, named as in GraphQL and in ingest bodies. */
export type Kind = "workflows" | "taskProxies" | "familyProxies" | "jobs" | "edges";

/** Kinds in write order: workflows first (children reference them). */
export const KINDS: readonly Kind[] = [
  "workflows",
  "familyProxies",
  "taskProxies",
  "jobs",
  "edges",
];

/** How a field's value is checked and stored. */
export type FieldType =
  | "string" // text
  | "boolean"
  | "time" // ISO 8601 in, timestamptz in SQL, normalised ISO out
  | "submitNum" // integer ≥ 1
  | "stateTotals" // object of status → count, jsonb
  | "nodeId"; // an id of a task or family of the same workflow

/** One field of an element kind (never `id`, `workflow_id` or `task_id`). */
export interface FieldSpec {
  /** GraphQL / ingest name. */
  readonly field: string;
  /** SQL column. */
  readonly column: string;
  /** Value type. */
  readonly type: FieldType;
}

/** One element kind. */
export interface KindSpec {
  /** The kind. */
  readonly kind: Kind;
  /** Its SQL table. */
  readonly table: string;
  /** Singular, for messages ("task proxy"). */
  readonly noun: string;
  /** Its fields. */
  readonly fields: readonly FieldSpec[];
}

const SQL_TYPE: Record<FieldType, string> = {
  string: "text",
  boolean: "boolean",
  time: "timestamptz",
  submitNum: "integer",
  stateTotals: "jsonb",
  nodeId: "text",
};

function spec(kind: Kind, table: string, noun: string, fields: [string, FieldType][]): KindSpec {
  return {
    kind,
    table,
    noun,
    fields: fields.map(([field, type]) => ({ field, column: snake(field), type })),
  };
}

function snake(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** Every kind's table and fields. */
export const SCHEMA: Readonly<Record<Kind, KindSpec>> = {
  workflows: spec("workflows", "workflows", "workflow", [
    ["name", "string"],
    ["owner", "string"],
    ["host", "string"],
    ["status", "string"],
    ["statusMsg", "string"],
    ["lastHeartbeatTime", "time"],
    ["stateTotals", "stateTotals"],
  ]),
  taskProxies: spec("taskProxies", "task_proxies", "task proxy", [
    ["name", "string"],
    ["cyclePoint", "string"],
    ["status", "string"],
    ["isHeld", "boolean"],
    ["firstParent", "nodeId"],
  ]),
  familyProxies: spec("familyProxies", "family_proxies", "family proxy", [
    ["name", "string"],
    ["cyclePoint", "string"],
    ["status", "string"],
    ["firstParent", "nodeId"],
  ]),
  jobs: spec("jobs", "jobs", "job", [
    ["submitNum", "submitNum"],
    ["status", "string"],
    ["statusMsg", "string"],
    ["platform", "string"],
    ["submittedTime", "time"],
    ["startedTime", "time"],
    ["finishedTime", "time"],
    ["lastHeartbeatTime", "time"],
  ]),
  edges: spec("edges", "edges", "edge", [["source", "nodeId"], ["target", "nodeId"]]),
};

/** The kind stored in each table. */
export const KIND_OF_TABLE: Readonly<Record<string, Kind>> = Object.fromEntries(
  KINDS.map((kind) => [SCHEMA[kind].table, kind]),
);

/**
 * The SQL type of a column of `kind` (including `id`, `workflow_id`, `task_id`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sqlType } from "./schema.ts";
 * assert.equal(sqlType("jobs", "started_time"), "timestamptz");
 * assert.equal(sqlType("jobs", "task_id"), "text");
 * ```
 */
export function sqlType(kind: Kind, column: string): string {
  if (column === "id" || column === "workflow_id" || column === "task_id") return "text";
  const field = SCHEMA[kind].fields.find((f) => f.column === column);
  if (!field) throw new RangeError(`${kind} has no column ${JSON.stringify(column)}`);
  return SQL_TYPE[field.type];
}

/**
 * A time as Overlap emits it: `YYYY-MM-DDTHH:MM:SS.sssZ`. Accepts a `Date` or
 * anything `Date` parses (PostgreSQL's `2024-01-02 03:04:05.678+00` or
 * `2024-01-02T03:04:05.678+00:00` from jsonb); `null` stays `null`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normaliseTime } from "./schema.ts";
 * assert.equal(normaliseTime("2024-01-02T05:04:05.6789+02:00"), "2024-01-02T03:04:05.678Z");
 * assert.equal(normaliseTime(null), null);
 * ```
 */
export function normaliseTime(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(
    String(value).replace(" ", "T").replace(
      /([+-]\d{2})$/, // PostgreSQL's text form ends `+00`, which Date does not parse
      "$1:00",
    ),
  );
  if (Number.isNaN(date.getTime())) {
    throw new TypeError(`expected a time, got ${JSON.stringify(String(value))}`);
  }
  return date.toISOString();
}

/**
 * Column-keyed values (a row or a jsonb change record) as GraphQL-keyed
 * values, with times normalised. Keys that are not fields of `kind` (such as
 * `id` or `workflow_id`) are skipped; `firstParent` stays an id string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fieldsFromColumns } from "./schema.ts";
 * assert.deepEqual(
 *   fieldsFromColumns("jobs", { id: "x", submit_num: 1, started_time: "2024-01-01 00:00:00+00" }),
 *   { submitNum: 1, startedTime: "2024-01-01T00:00:00.000Z" },
 * );
 * ```
 */
export function fieldsFromColumns(kind: Kind, columns: Record<string, unknown>): Record<
  string,
  unknown
> {
  const out: Record<string, unknown> = {};
  for (const { field, column, type } of SCHEMA[kind].fields) {
    if (!(column in columns)) continue;
    const value = columns[column];
    out[field] = type === "time" ? normaliseTime(value) : value ?? null;
  }
  return out;
}

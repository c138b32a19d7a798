/**
 * Checks an ingest body (`POST /api/deltas`, `docs/data_model.md` "Ingest
 * body") before anything is written, and turns it into flat per-table lists
 * of upserts and prunes in SQL column names.
 *
 * Every error names the JSON path and what was expected, e.g.
 * `workflows[0].taskProxies[3].isHeld: expected a boolean or null, got "yes"`.
 *
 * @module
 */
import { type FieldType, type Kind, KINDS, SCHEMA } from "../db/schema.ts";
import { type IdParts, parseId } from "./ids.ts";

/** Default for {@linkcode ValidateOptions.maxElements}. */
export const MAX_ELEMENTS = 100_000;

/** Options of {@linkcode validateDelta}. */
export interface ValidateOptions {
  /** Most elements (upserted or pruned, of any kind) one body may hold. */
  readonly maxElements?: number;
}

/** One element to insert or update. */
export interface ElementUpsert {
  /** The element's id. */
  readonly id: string;
  /** Its workflow's id (its own id for a workflow). */
  readonly workflowId: string;
  /** The columns the body named, with normalised values (`null` sets null). */
  readonly set: Readonly<Record<string, unknown>>;
  /**
   * Columns written only when the element is inserted, read from its id:
   * `owner`/`name` of workflows, `name`/`cycle_point` of tasks and families,
   * `task_id`/`submit_num` of jobs. A column in `set` wins over its default.
   */
  readonly derived: Readonly<Record<string, unknown>>;
}

/** A valid body, ready for `applyDelta`. */
export interface ValidDelta {
  /** Upserts per kind, in body order. */
  readonly upserts: Readonly<Record<Kind, readonly ElementUpsert[]>>;
  /** Ids to delete per kind. */
  readonly pruned: Readonly<Record<Kind, readonly string[]>>;
  /** Elements in the body (upserts plus pruned ids). */
  readonly elements: number;
}

const CHILD_KINDS = ["taskProxies", "familyProxies", "jobs", "edges"] as const;

function emptyByKind<T>(): Record<Kind, T[]> {
  return { workflows: [], taskProxies: [], familyProxies: [], jobs: [], edges: [] };
}

/** Walks one body, collecting upserts and the first error. */
class Checker {
  readonly upserts = emptyByKind<ElementUpsert>();
  readonly pruned = emptyByKind<string>();
  #seen = new Map<string, string>(); // id → path where it first appeared
  #elements = 0;
  #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get elements(): number {
    return this.#elements;
  }

  count(path: string, extra: number): void {
    this.#elements += extra;
    if (this.#elements > this.#max) {
      throw new RangeError(
        `${path}: the body holds more than ${this.#max} elements (workflows, task proxies, ` +
          `family proxies, jobs, edges and pruned ids together); send it in smaller bodies`,
      );
    }
  }

  unique(path: string, id: string, scope: string): void {
    const key = `${scope} ${id}`;
    const first = this.#seen.get(key);
    if (first !== undefined) fail(path, `duplicate id ${JSON.stringify(id)} (first at ${first})`);
    this.#seen.set(key, path);
  }
}

/**
 * Validates a parsed ingest body. Throws `TypeError` naming the JSON path for
 * anything malformed (including a body with nothing to do) and `RangeError`
 * when it holds more than `maxElements` elements.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateDelta } from "./validate_delta.ts";
 * const valid = validateDelta({
 *   workflows: [{ id: "~user/flow", taskProxies: [{ id: "~user/flow//1/foo", status: "running" }] }],
 * });
 * assert.deepEqual(valid.upserts.taskProxies, [{
 *   id: "~user/flow//1/foo",
 *   workflowId: "~user/flow",
 *   set: { status: "running" },
 *   derived: { name: "foo", cycle_point: "1" },
 * }]);
 * assert.throws(
 *   () => validateDelta({ workflows: [{ id: "~user/flow", status: 3 }] }),
 *   { name: "TypeError", message: "workflows[0].status: expected a string or null, got 3" },
 * );
 * ```
 */
export function validateDelta(body: unknown, options: ValidateOptions = {}): ValidDelta {
  const checker = new Checker(options.maxElements ?? MAX_ELEMENTS);
  const root = object("body", body);
  refuseUnknown("body", root, ["workflows", "pruned"]);
  if (root.workflows !== undefined) {
    const workflows = array("workflows", root.workflows);
    checker.count("workflows", workflows.length);
    workflows.forEach((entry, index) => checkWorkflow(checker, `workflows[${index}]`, entry));
  }
  if (root.pruned !== undefined) checkPruned(checker, root.pruned);
  if (checker.elements === 0) {
    fail("body", "nothing to do (expected at least one workflow or pruned id)");
  }
  return { upserts: checker.upserts, pruned: checker.pruned, elements: checker.elements };
}

function checkWorkflow(checker: Checker, path: string, value: unknown): void {
  const entry = object(path, value);
  const allowed = ["id", ...SCHEMA.workflows.fields.map((f) => f.field), ...CHILD_KINDS];
  refuseUnknown(path, entry, allowed);
  const id = checkId(checker, `${path}.id`, entry.id, "workflows");
  const parts = parseId(id) as IdParts & { kind: "workflow" };
  checker.upserts.workflows.push({
    id,
    workflowId: id,
    set: fieldValues(path, entry, "workflows", id),
    derived: { owner: parts.owner, name: parts.name },
  });
  for (const kind of CHILD_KINDS) {
    if (entry[kind] === undefined) continue;
    const list = array(`${path}.${kind}`, entry[kind]);
    checker.count(`${path}.${kind}`, list.length);
    list.forEach((child, index) => {
      checkChild(checker, `${path}.${kind}[${index}]`, child, kind, id, undefined);
    });
  }
}

function checkChild(
  checker: Checker,
  path: string,
  value: unknown,
  kind: Exclude<Kind, "workflows">,
  workflowId: string,
  taskId: string | undefined,
): void {
  const entry = object(path, value);
  const allowed = ["id", ...SCHEMA[kind].fields.map((f) => f.field)];
  if (kind === "taskProxies") allowed.push("jobs");
  refuseUnknown(path, entry, allowed);
  const id = checkId(checker, `${path}.id`, entry.id, kind, workflowId);
  const parts = parseId(id) as Exclude<IdParts, { kind: "workflow" }>;
  if (taskId !== undefined && parts.kind === "job" && parts.taskId !== taskId) {
    fail(`${path}.id`, `${JSON.stringify(id)} is not a job of task ${JSON.stringify(taskId)}`);
  }
  let derived: Record<string, unknown> = {};
  if (parts.kind === "node") derived = { name: parts.name, cycle_point: parts.cyclePoint };
  if (parts.kind === "job") derived = { task_id: parts.taskId, submit_num: parts.submitNum };
  checker.upserts[kind].push({
    id,
    workflowId,
    set: fieldValues(path, entry, kind, workflowId),
    derived,
  });
  if (kind === "taskProxies" && entry.jobs !== undefined) {
    const jobs = array(`${path}.jobs`, entry.jobs);
    checker.count(`${path}.jobs`, jobs.length);
    jobs.forEach((job, index) => {
      checkChild(checker, `${path}.jobs[${index}]`, job, "jobs", workflowId, id);
    });
  }
}

function checkPruned(checker: Checker, value: unknown): void {
  const pruned = object("pruned", value);
  refuseUnknown("pruned", pruned, KINDS);
  for (const kind of KINDS) {
    if (pruned[kind] === undefined) continue;
    const path = `pruned.${kind}`;
    const ids = array(path, pruned[kind]);
    checker.count(path, ids.length);
    ids.forEach((id, index) => {
      checker.pruned[kind].push(checkId(checker, `${path}[${index}]`, id, kind, undefined, true));
    });
  }
}

const ID_FORM: Record<Kind, { parts: IdParts["kind"]; example: string }> = {
  workflows: { parts: "workflow", example: "~owner/name" },
  taskProxies: { parts: "node", example: "<workflow>//<cyclePoint>/<name>" },
  familyProxies: { parts: "node", example: "<workflow>//<cyclePoint>/<name>" },
  jobs: { parts: "job", example: "<workflow>//<cyclePoint>/<task>/<NN>" },
  edges: { parts: "edge", example: "<workflow>//$edge|<source>|<target>" },
};

function checkId(
  checker: Checker,
  path: string,
  value: unknown,
  kind: Kind,
  workflowId?: string,
  pruned = false,
): string {
  const { noun } = SCHEMA[kind];
  const { parts: form, example } = ID_FORM[kind];
  if (typeof value !== "string") {
    fail(path, `expected a ${noun} id (${example}), got ${show(value)}`);
  }
  const parts = parseId(value);
  if (typeof parts === "string") fail(path, `${parts}, got ${show(value)}`);
  if (parts.kind !== form) {
    fail(path, `expected a ${noun} id (${example}), got ${show(value)}`);
  }
  if (workflowId !== undefined && parts.kind !== "workflow" && parts.workflowId !== workflowId) {
    fail(path, `${show(value)} is not under workflow ${JSON.stringify(workflowId)}`);
  }
  // Pruning and upserting the same id is allowed (the prune runs last).
  checker.unique(path, value, pruned ? "pruned" : "upsert");
  return value;
}

function fieldValues(
  path: string,
  entry: Record<string, unknown>,
  kind: Kind,
  workflowId: string,
): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const { field, column, type } of SCHEMA[kind].fields) {
    if (!(field in entry)) continue;
    set[column] = fieldValue(`${path}.${field}`, entry[field], type, workflowId);
  }
  return set;
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function fieldValue(path: string, value: unknown, type: FieldType, workflowId: string): unknown {
  if (value === null) return null;
  switch (type) {
    case "string":
      if (typeof value !== "string") fail(path, `expected a string or null, got ${show(value)}`);
      return storableText(path, value);
    case "boolean":
      if (typeof value !== "boolean") fail(path, `expected a boolean or null, got ${show(value)}`);
      return value;
    case "submitNum":
      if (
        !Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > 2 ** 31 - 1
      ) {
        fail(path, `expected an integer from 1 to 2147483647 or null, got ${show(value)}`);
      }
      return value;
    case "time": {
      const millis = typeof value === "string" && TIME.test(value)
        ? Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"))
        : NaN;
      if (Number.isNaN(millis)) {
        fail(
          path,
          `expected an ISO 8601 time with a time zone (2024-01-02T03:04:05Z) or null, got ${
            show(value)
          }`,
        );
      }
      // PostgreSQL has no year 0 (found by tests/fuzz_test.ts); years past
      // 9999 cannot be written in this form anyway.
      const year = new Date(millis).getUTCFullYear();
      if (year < 1 || year > 9999) {
        fail(path, `expected a time from year 1 to 9999 (UTC), got ${show(value)}`);
      }
      return new Date(millis).toISOString();
    }
    case "stateTotals": {
      const totals = object(path, value, "an object of status → count or null");
      for (const [status, count] of Object.entries(totals)) {
        storableText(`${path} key ${JSON.stringify(status)}`, status);
        if (!Number.isSafeInteger(count) || (count as number) < 0) {
          fail(`${path}.${status}`, `expected a count (an integer ≥ 0), got ${show(count)}`);
        }
      }
      return totals;
    }
    case "nodeId": {
      const parts = typeof value === "string" ? parseId(value) : undefined;
      if (typeof parts !== "object" || parts.kind !== "node") {
        fail(
          path,
          `expected a task or family id (<workflow>//<cyclePoint>/<name>) or null, got ${
            show(value)
          }`,
        );
      }
      if (parts.workflowId !== workflowId) {
        fail(path, `${show(value)} is not under workflow ${JSON.stringify(workflowId)}`);
      }
      return value;
    }
  }
}

/**
 * PostgreSQL text holds neither NUL nor (as UTF-8) lone surrogates; without
 * this check such strings fail in the database as a 500 (found by
 * tests/fuzz_test.ts).
 */
function storableText(path: string, value: string): string {
  const nul = value.indexOf("\0");
  if (nul !== -1) fail(path, `expected text without NUL characters (U+0000 at index ${nul})`);
  if (!value.isWellFormed()) {
    fail(path, "expected valid Unicode text (it holds a lone surrogate, e.g. from \\ud800)");
  }
  return value;
}

function object(
  path: string,
  value: unknown,
  expected = "an object",
): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(path, `expected ${expected}, got ${show(value)}`);
  }
  return value as Record<string, unknown>;
}

function array(path: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) fail(path, `expected an array, got ${show(value)}`);
  return value;
}

function refuseUnknown(
  path: string,
  entry: Record<string, unknown>,
  allowed: readonly string[],
): void {
  const unknown = Object.keys(entry).filter((key) => !allowed.includes(key));
  if (unknown.length === 0) return;
  const names = unknown.map((key) => JSON.stringify(key)).join(", ");
  fail(
    path,
    `unknown field${unknown.length > 1 ? "s" : ""} ${names} (expected ${allowed.join(", ")})`,
  );
}

function fail(path: string, message: string): never {
  throw new TypeError(`${path}: ${message}`);
}

/** A short rendering of a wrong value for a message. */
function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "an object";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/**
 * A pure-TypeScript reference for the subscription engine, restating the
 * rules of `docs/engine.md` as directly as possible. It is written for
 * clarity, not speed: the property tests run the Rust/WASM engine against it.
 *
 * Where `docs/engine.md` leaves a choice open, the choice made here is spelt
 * out in a comment starting "Choice:", so that a disagreement with the engine
 * can be traced to either a bug or an open question.
 *
 * @module
 */
import {
  type ArgumentNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";

/**
 * A GraphQL enum value such as `ASC`, kept apart from the string `"ASC"`:
 * the two print differently and are different arguments when merging.
 *
 * @example
 * ```ts
 * import { RefEnum, refPrint } from "./reference.ts";
 * const set = [{ key: "jobs", name: "jobs", args: { sort: new RefEnum("ASC") } }];
 * console.assert(refPrint(set) === "subscription { jobs(sort: ASC) }");
 * ```
 */
export class RefEnum {
  /** The enum value's name, e.g. `ASC`. */
  readonly value: string;

  /**
   * Makes the enum value `value`.
   *
   * @example
   * ```ts
   * import { RefEnum } from "./reference.ts";
   * console.assert(new RefEnum("DESC").value === "DESC");
   * ```
   */
  constructor(value: string) {
    this.value = value;
  }
}

/**
 * A constant GraphQL value: `null`, a boolean, a number (Int or Float), a
 * string, an enum ({@linkcode RefEnum}), a list, or an input object (a plain
 * object). `ids`/`exids` arguments hold a string or a list of strings.
 *
 * @example
 * ```ts
 * import { RefEnum, type RefValue } from "./reference.ts";
 * const where: RefValue = { a: "x", sort: new RefEnum("ASC"), first: [1, 2] };
 * console.assert(Object.keys(where).length === 3);
 * ```
 */
export type RefValue =
  | null
  | boolean
  | number
  | string
  | RefEnum
  | RefValue[]
  | { [name: string]: RefValue };

/**
 * One field of a field set: its response key (alias or name), its name, its
 * arguments and, unless it is a leaf, its sub-selection. A field set is a
 * `RefField[]` with unique keys.
 *
 * @example
 * ```ts
 * import type { RefField } from "./reference.ts";
 * const set: RefField[] = [{
 *   key: "workflows",
 *   name: "workflows",
 *   args: { ids: ["~user/flow"] },
 *   children: [{ key: "status", name: "status", args: {} }],
 * }];
 * console.assert(set[0].children?.length === 1);
 * ```
 */
export interface RefField {
  /** The response key: the alias, or the name when there is no alias. */
  key: string;
  /** The field name, which is what matches a delta's key. */
  name: string;
  /** Arguments after variable substitution. */
  args: Record<string, RefValue>;
  /** The sub-selection; absent for a leaf. */
  children?: RefField[];
}

/**
 * A JSON scalar kept as its exact source text, e.g. the number `1e3` or the
 * string `"\u0041"`. The engine copies leaf values byte for byte, which a
 * `JSON.parse`d value cannot show; deltas built with `RawJson` scalars and
 * printed by {@linkcode stringifyJson} let the tests compare the engine's
 * output text exactly. {@linkcode refIntersect} treats it as a scalar.
 *
 * @example
 * ```ts
 * import { RawJson, stringifyJson } from "./reference.ts";
 * console.assert(stringifyJson({ n: new RawJson("1e3") }) === '{"n":1e3}');
 * console.assert(new RawJson('"\\u0041"').value === "A");
 * ```
 */
export class RawJson {
  /** The exact JSON text. */
  readonly text: string;
  /** What `JSON.parse` makes of the text. */
  readonly value: unknown;

  /**
   * Wraps the JSON scalar text `text`.
   *
   * @throws {SyntaxError} when `text` is not JSON.
   * @throws {TypeError} when `text` is an array or object.
   *
   * @example
   * ```ts
   * import { RawJson } from "./reference.ts";
   * console.assert(new RawJson("-0").text === "-0");
   * ```
   */
  constructor(text: string) {
    const value = JSON.parse(text);
    if (value !== null && typeof value === "object") {
      throw new TypeError(`RawJson holds scalars only, got ${text}`);
    }
    this.text = text;
    this.value = value;
  }
}

/**
 * Prints a JSON value compactly, like `JSON.stringify`, except that a
 * {@linkcode RawJson} scalar is written as its exact text. This is the form the
 * engine's `intersectJson` produces for a delta that was printed the same way.
 *
 * @example
 * ```ts
 * import { RawJson, stringifyJson } from "./reference.ts";
 * const text = stringifyJson([1, "a", null, { big: new RawJson("12345678901234567890") }]);
 * console.assert(text === '[1,"a",null,{"big":12345678901234567890}]');
 * ```
 */
export function stringifyJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(stringifyJson).join(",")}]`;
  if (isJsonObject(value)) {
    const members = Object.entries(value).map(([k, v]) =>
      `${JSON.stringify(k)}:${stringifyJson(v)}`
    );
    return `{${members.join(",")}}`;
  }
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`not a JSON value: ${String(value)}`);
  return text;
}

/**
 * The error {@linkcode refMerge} throws when two sets cannot be merged. Its
 * message names the path of the first conflict (response keys joined by
 * dots, e.g. `workflows.taskProxies`) and the difference; `paths` lists every
 * conflicting path, in response-key order.
 *
 * @example
 * ```ts
 * import { refMerge, RefMergeConflictError } from "./reference.ts";
 * try {
 *   refMerge(
 *     [{ key: "a", name: "a", args: { first: 1 } }],
 *     [{ key: "a", name: "a", args: { first: 2 } }],
 *   );
 * } catch (error) {
 *   console.assert(error instanceof RefMergeConflictError && error.paths[0] === "a");
 * }
 * ```
 */
export class RefMergeConflictError extends Error {
  /** Every conflicting field path, first the one the message names. */
  readonly paths: string[];

  /**
   * Makes the error for `conflicts` (at least one), each a path and what differs.
   *
   * @example
   * ```ts
   * import { RefMergeConflictError } from "./reference.ts";
   * const error = new RefMergeConflictError([{ path: "a.b", difference: "leaf vs selection" }]);
   * console.assert(error.message === "a.b: leaf vs selection");
   * ```
   */
  constructor(conflicts: { path: string; difference: string }[]) {
    super(`${conflicts[0].path}: ${conflicts[0].difference}`);
    this.name = "RefMergeConflictError";
    this.paths = conflicts.map((c) => c.path);
  }
}

// ---------------------------------------------------------------------------
// Values

/** A plain JSON object (not an array, not `null`, not a `RawJson` scalar). */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A delta object's `id` as a string, or `undefined` when it has no string `id`. */
function idOf(object: Record<string, unknown>): string | undefined {
  if (!Object.hasOwn(object, "id")) return undefined;
  const id = object.id;
  if (typeof id === "string") return id;
  // A RawJson string (say `"\u007eu/a"`) is compared by what it means, not its text.
  if (id instanceof RawJson && typeof id.value === "string") return id.value;
  return undefined;
}

/** Deep equality of constant values; input-object field order does not matter. */
function valueEquals(a: RefValue, b: RefValue): boolean {
  if (a instanceof RefEnum || b instanceof RefEnum) {
    return a instanceof RefEnum && b instanceof RefEnum && a.value === b.value;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
      a.every((item, i) => valueEquals(item, b[i]));
  }
  if (a !== null && typeof a === "object" && b !== null && typeof b === "object") {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && valueEquals(a[k], b[k]));
  }
  return a === b;
}

/**
 * Prints a constant value in GraphQL syntax: strings with JSON escapes,
 * lists as `[…]`, input objects as `{a: …}`, enums bare.
 *
 * @throws {RangeError} for a number that is not finite.
 *
 * @example
 * ```ts
 * import { RefEnum, refPrintValue } from "./reference.ts";
 * const text = refPrintValue({ a: ["x\n", 1.5, null], s: new RefEnum("ASC") });
 * console.assert(text === '{a: ["x\\n", 1.5, null], s: ASC}');
 * ```
 */
export function refPrintValue(value: RefValue): string {
  if (value === null) return "null";
  if (value instanceof RefEnum) return value.value;
  if (typeof value === "string") {
    // JSON's escapes (\" \\ \/ \b \f \n \r \t \uXXXX) are all GraphQL escapes too.
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`not a GraphQL number: ${value}`);
    return String(value);
  }
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(refPrintValue).join(", ")}]`;
  const fields = Object.entries(value).map(([k, v]) => `${k}: ${refPrintValue(v)}`);
  return `{${fields.join(", ")}}`;
}

/** Input-object fields sorted by name, recursively (the engine's stored form). */
function sortValue(value: RefValue): RefValue {
  if (value === null || typeof value !== "object" || value instanceof RefEnum) return value;
  if (Array.isArray(value)) return value.map(sortValue);
  return Object.fromEntries(
    Object.keys(value).sort(compareKeys).map((k) => [k, sortValue(value[k])]),
  );
}

/**
 * Orders response keys and argument names. GraphQL names are ASCII, so UTF-16
 * order is UTF-8 byte order, which is what the Rust engine sorts by.
 */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------
// ids / exids filters

/** What an `ids`/`exids` pair lets through, normalised. */
type Filter =
  | { kind: "all" }
  | { kind: "only"; ids: Set<string> }
  | { kind: "except"; ids: Set<string> };

/** Reads an `ids`/`exids` argument: a string or a list of strings. */
function idList(value: RefValue, name: string): string[] {
  if (typeof value === "string") return [value]; // GraphQL list coercion
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
    return value as string[];
  }
  throw new TypeError(`argument ${name} must be a string or a list of strings`);
}

/** The filter of a field's arguments; both `ids` and `exids` mean `ids` minus `exids`. */
function filterOf(args: Record<string, RefValue>): Filter {
  const ids = Object.hasOwn(args, "ids") ? new Set(idList(args.ids, "ids")) : undefined;
  const exids = Object.hasOwn(args, "exids") ? new Set(idList(args.exids, "exids")) : undefined;
  if (ids) return { kind: "only", ids: exids ? ids.difference(exids) : ids };
  if (exids) return { kind: "except", ids: exids };
  return { kind: "all" };
}

/** Whether `object` passes `filter`; an object without a string `id` fails `ids`, passes `exids`. */
function passes(filter: Filter, object: Record<string, unknown>): boolean {
  if (filter.kind === "all") return true;
  const id = idOf(object);
  if (filter.kind === "only") return id !== undefined && filter.ids.has(id);
  return id === undefined || !filter.ids.has(id);
}

/**
 * The union of two filters: whatever passes either side passes the result.
 *
 * Choice: `docs/engine.md` says "a side without `exids` wins" for `exids`. A
 * side with only `ids` has no `exids` but excludes everything not in its `ids`,
 * so a literal reading (the result has no `exids`) would select more than
 * either side. Read as "excludes only what both sides exclude", `ids` A with
 * `exids` B gives `exids` B minus A, which is exact.
 */
function unionFilters(a: Filter, b: Filter): Filter {
  if (a.kind === "all" || b.kind === "all") return { kind: "all" };
  if (a.kind === "only" && b.kind === "only") return { kind: "only", ids: a.ids.union(b.ids) };
  if (a.kind === "except" && b.kind === "except") {
    return { kind: "except", ids: a.ids.intersection(b.ids) };
  }
  const only = a.kind === "only" ? a : b;
  const except = a.kind === "except" ? a : b;
  return { kind: "except", ids: except.ids.difference(only.ids) };
}

/**
 * The arguments that store `filter`: sorted, de-duplicated lists.
 *
 * Choice: excluding nothing (`exids: []`) is stored as no `exids` at all, the
 * same set of objects.
 */
function filterArgs(filter: Filter): Record<string, RefValue> {
  if (filter.kind === "all") return {};
  const ids = [...filter.ids].sort(compareKeys);
  if (filter.kind === "only") return { ids };
  return ids.length === 0 ? {} : { exids: ids };
}

/** The arguments other than `ids`/`exids`, which are kept as given. */
function otherArgs(args: Record<string, RefValue>): Record<string, RefValue> {
  return Object.fromEntries(
    Object.entries(args).filter(([name]) => name !== "ids" && name !== "exids"),
  );
}

// ---------------------------------------------------------------------------
// Intersection

/**
 * The fields of `set` in the set's order.
 *
 * Choice: a set's order is its canonical order, by response key. Printing
 * sorts fields by key and `parseSubscription(printSubscription(s))` must equal
 * `s`, so document order cannot be part of a set; output follows it.
 */
function sorted(set: RefField[]): RefField[] {
  return [...set].sort((a, b) => compareKeys(a.key, b.key));
}

/** Step 1 for one field `f` and the delta value under its name: the value to emit, if any. */
function includeField(f: RefField, value: unknown): unknown {
  // Choice: a leaf is copied whole even when it has `ids`/`exids`; the
  // filters apply to "objects reached through f", and a leaf reaches none.
  if (!f.children) return value;
  if (value === null) return null; // a cleared relation is an overlap
  const filter = filterOf(f.args);
  if (Array.isArray(value)) {
    const emitted: unknown[] = [];
    for (const element of value) {
      // Elements that are not objects (including null and nested lists) are dropped.
      if (!isJsonObject(element) || !passes(filter, element)) continue;
      const out = emitObject(element, f.children);
      if (out !== undefined) emitted.push(out);
    }
    return emitted.length > 0 ? emitted : undefined;
  }
  if (isJsonObject(value)) {
    return passes(filter, value) ? emitObject(value, f.children) : undefined;
  }
  return undefined; // any other scalar under a selection is dropped
}

/**
 * Steps 1–3 for a delta object below the root: the emitted object, or
 * `undefined`.
 *
 * Order: the identity `id` (rule A) first, then aliases of `id` (`i: id`),
 * then the other selected fields, each group in set order. A field with key
 * `id` but another name is refused by the parser, so it never occurs.
 *
 * Choice: a selection with no fields at all (`x { a @skip(if: true) }`) counts
 * as an existence level, since "every field of S is named id" holds vacuously.
 */
function emitObject(
  object: Record<string, unknown>,
  set: RefField[],
): Record<string, unknown> | undefined {
  const out: [string, unknown][] = [];
  const fields = sorted(set);
  if (Object.hasOwn(object, "id")) {
    out.push(["id", object.id]); // rule A, dropped below if not emitted
    for (const f of fields) {
      if (f.name === "id" && f.key !== "id") out.push([f.key, includeField(f, object.id)]);
    }
  }
  let included = false; // rule B: some field other than `id` is included
  for (const f of fields) {
    if (f.name === "id" || !Object.hasOwn(object, f.name)) continue;
    const value = includeField(f, object[f.name]);
    if (value === undefined) continue;
    out.push([f.key, value]);
    included = true;
  }
  const existenceLevel = set.every((f) => f.name === "id");
  if (!included && !existenceLevel) return undefined;
  // fromEntries, not assignment, so a `__proto__` key stays an own key as in JSON.parse.
  return Object.fromEntries(out);
}

/**
 * The part of `delta` that `set` selects, or `undefined` when nothing is
 * selected (`docs/engine.md`, "Intersection"). `delta` is a `JSON.parse`d
 * value, possibly holding {@linkcode RawJson} scalars. The result shares
 * leaf values with `delta`; its keys follow the set's order, with each
 * object's `id` first.
 *
 * @throws {TypeError} when `delta` is not an object.
 *
 * @example
 * ```ts
 * import { refIntersect } from "./reference.ts";
 * const set = [{
 *   key: "workflows",
 *   name: "workflows",
 *   args: {},
 *   children: [{ key: "status", name: "status", args: {} }],
 * }];
 * const delta = { workflows: [{ id: "w", status: "running", host: "h" }, { id: "v" }] };
 * const result = refIntersect(delta, set);
 * console.assert(JSON.stringify(result) === '{"workflows":[{"id":"w","status":"running"}]}');
 * ```
 */
export function refIntersect(
  delta: unknown,
  set: RefField[],
): Record<string, unknown> | undefined {
  if (!isJsonObject(delta)) throw new TypeError("the delta must be a JSON object");
  // Rule C: the root has no identity rule and no existence level. Output
  // follows the set's order (by response key).
  const out: [string, unknown][] = [];
  for (const f of sorted(set)) {
    if (!Object.hasOwn(delta, f.name)) continue;
    const value = includeField(f, delta[f.name]);
    if (value !== undefined) out.push([f.key, value]);
  }
  return out.length > 0 ? Object.fromEntries(out) : undefined;
}

// ---------------------------------------------------------------------------
// Merge

type Conflict = { path: string; difference: string };

/** Merges two levels by response key, collecting conflicts rather than stopping at the first. */
function mergeLevel(
  a: RefField[],
  b: RefField[],
  path: string[],
  conflicts: Conflict[],
): RefField[] {
  const byKey = new Map<string, RefField>();
  for (const f of a) byKey.set(f.key, f);
  for (const f of b) {
    const other = byKey.get(f.key);
    byKey.set(f.key, other ? mergeField(other, f, [...path, f.key], conflicts) : f);
  }
  // Sorted by key, so that the first conflict is the first in canonical order.
  return [...byKey.values()].sort((x, y) => compareKeys(x.key, y.key));
}

/** Merges two fields with one response key. */
function mergeField(x: RefField, y: RefField, path: string[], conflicts: Conflict[]): RefField {
  const where = path.join(".");
  if (x.name !== y.name) {
    conflicts.push({ path: where, difference: `field ${x.name} vs field ${y.name}` });
    return x;
  }
  const xArgs = otherArgs(x.args);
  const yArgs = otherArgs(y.args);
  const names = [...new Set([...Object.keys(xArgs), ...Object.keys(yArgs)])].sort(compareKeys);
  for (const name of names) {
    const xHas = Object.hasOwn(xArgs, name);
    const yHas = Object.hasOwn(yArgs, name);
    if (!xHas || !yHas || !valueEquals(xArgs[name], yArgs[name])) {
      const show = (has: boolean, v: RefValue) => has ? refPrintValue(v) : "(none)";
      conflicts.push({
        path: where,
        difference: `argument ${name}: ${show(xHas, xArgs[name])} vs ${show(yHas, yArgs[name])}`,
      });
      return x;
    }
  }
  if (!x.children !== !y.children) {
    conflicts.push({ path: where, difference: "a leaf vs a selection" });
    return x;
  }
  const args = { ...xArgs, ...filterArgs(unionFilters(filterOf(x.args), filterOf(y.args))) };
  const merged: RefField = { key: x.key, name: x.name, args };
  if (x.children && y.children) {
    merged.children = mergeLevel(x.children, y.children, path, conflicts);
  }
  return merged;
}

/**
 * The union of two field sets (`docs/engine.md`, "Merge"): by response key,
 * recursively; `ids` unioned, `exids` intersected, a side without a filter
 * winning. The result is sorted by response key; other arguments are kept
 * as given.
 *
 * @throws {RefMergeConflictError} when one response key has two names, two
 *   different other arguments, or a leaf on one side and a selection on the
 *   other.
 *
 * @example
 * ```ts
 * import { refMerge } from "./reference.ts";
 * const merged = refMerge(
 *   [{ key: "w", name: "w", args: { ids: ["a"] }, children: [{ key: "x", name: "x", args: {} }] }],
 *   [{ key: "w", name: "w", args: { ids: ["b"] }, children: [{ key: "y", name: "y", args: {} }] }],
 * );
 * console.assert(JSON.stringify(merged[0].args) === '{"ids":["a","b"]}');
 * console.assert(merged[0].children?.length === 2);
 * ```
 */
export function refMerge(a: RefField[], b: RefField[]): RefField[] {
  const conflicts: Conflict[] = [];
  const merged = mergeLevel(a, b, [], conflicts);
  if (conflicts.length > 0) throw new RefMergeConflictError(conflicts);
  return merged;
}

// ---------------------------------------------------------------------------
// Normal form and printing

/**
 * The canonical form of a set, as the engine stores it: fields sorted by
 * response key, arguments sorted by name, input-object fields sorted by name,
 * `ids`/`exids` as sorted de-duplicated lists (`ids` minus `exids` when both
 * are given; no `exids: []`). Two sets are equal iff their normal forms are
 * deep-equal.
 *
 * @example
 * ```ts
 * import { refNormalize } from "./reference.ts";
 * const [f] = refNormalize([{ key: "w", name: "w", args: { ids: ["b", "a", "b"], exids: "a" } }]);
 * console.assert(JSON.stringify(f.args) === '{"ids":["b"]}');
 * ```
 */
export function refNormalize(set: RefField[]): RefField[] {
  return [...set].sort((a, b) => compareKeys(a.key, b.key)).map((f) => {
    const other = otherArgs(f.args);
    const args: Record<string, RefValue> = { ...filterArgs(filterOf(f.args)) };
    for (const name of Object.keys(other)) args[name] = sortValue(other[name]);
    const sortedArgs = Object.fromEntries(
      Object.keys(args).sort(compareKeys).map((name) => [name, args[name]]),
    );
    const out: RefField = { key: f.key, name: f.name, args: sortedArgs };
    if (f.children) out.children = refNormalize(f.children);
    return out;
  });
}

/** Prints one level's fields. */
function printLevel(set: RefField[]): string {
  if (set.length === 0) throw new RangeError("an empty selection cannot be printed");
  return `{ ${set.map(printField).join(" ")} }`;
}

/** Prints one field: alias, name, arguments, selection. */
function printField(f: RefField): string {
  let text = f.key === f.name ? f.name : `${f.key}: ${f.name}`;
  const args = Object.entries(f.args);
  if (args.length > 0) {
    text += `(${args.map(([name, value]) => `${name}: ${refPrintValue(value)}`).join(", ")})`;
  }
  if (f.children) text += ` ${printLevel(f.children)}`;
  return text;
}

/**
 * Prints `set` as a `subscription { … }` document that `parseSubscription`
 * accepts. Fields and arguments are printed in the order given (not sorted:
 * use {@linkcode refNormalize} first for the canonical order), strings with
 * JSON escapes, lists as `[…]`, input objects as `{a: …}`, enums bare.
 *
 * @throws {RangeError} for an empty set or selection, which GraphQL cannot express.
 *
 * @example
 * ```ts
 * import { RefEnum, refPrint } from "./reference.ts";
 * const text = refPrint([{
 *   key: "t",
 *   name: "taskProxies",
 *   args: { ids: ["a"], sort: new RefEnum("ASC"), where: { s: "x\n" } },
 *   children: [{ key: "id", name: "id", args: {} }],
 * }]);
 * console.assert(
 *   text === 'subscription { t: taskProxies(ids: ["a"], sort: ASC, where: {s: "x\\n"}) { id } }',
 * );
 * ```
 */
export function refPrint(set: RefField[]): string {
  return `subscription ${printLevel(set)}`;
}

// ---------------------------------------------------------------------------
// Parsing (a reference for reading printed sets back; see `docs/engine.md`, "Field sets")

/** The deepest selection nesting the engine accepts. */
const MAX_DEPTH = 128;

/** Converts a JSON variable value to a constant value (strings stay strings). */
function fromJson(value: unknown, where: string): RefValue {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (Array.isArray(value)) return value.map((v) => fromJson(v, where));
  if (isJsonObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromJson(v, where)]));
  }
  throw new TypeError(`variable ${where} is not a JSON value`);
}

/** Parses a GraphQL document into a field set (see {@linkcode refParse}). */
class Parser {
  readonly #fragments = new Map<string, FragmentDefinitionNode>();
  readonly #variables: Record<string, unknown>;
  readonly #defaults = new Map<string, ValueNode>();

  constructor(document: DocumentNode, variables: Record<string, unknown>) {
    this.#variables = variables;
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) {
        this.#fragments.set(definition.name.value, definition);
      }
    }
  }

  operation(operation: OperationDefinitionNode): RefField[] {
    for (const v of operation.variableDefinitions ?? []) {
      if (v.defaultValue) this.#defaults.set(v.variable.name.value, v.defaultValue);
    }
    const conflicts: Conflict[] = [];
    const set = this.#selection(operation.selectionSet, [], [], conflicts);
    if (conflicts.length > 0) throw new RefMergeConflictError(conflicts);
    return set;
  }

  /** The fields of a selection set, duplicates of one response key merged. */
  #selection(
    selection: SelectionSetNode,
    path: string[],
    fragments: string[],
    conflicts: Conflict[],
  ): RefField[] {
    let level: RefField[] = [];
    for (const node of selection.selections) {
      if (!this.#included(node.directives ?? [])) continue;
      let fields: RefField[];
      if (node.kind === Kind.FIELD) {
        const key = node.alias?.value ?? node.name.value;
        if (path.length + 1 > MAX_DEPTH) {
          throw new RangeError(`selections nested deeper than ${MAX_DEPTH} levels at ${key}`);
        }
        const field: RefField = { key, name: node.name.value, args: this.#args(node.arguments) };
        if (node.selectionSet) {
          field.children = this.#selection(node.selectionSet, [...path, key], fragments, conflicts);
        }
        fields = [field];
      } else if (node.kind === Kind.INLINE_FRAGMENT) {
        fields = this.#selection(node.selectionSet, path, fragments, conflicts);
      } else {
        const name = node.name.value;
        const fragment = this.#fragments.get(name);
        if (!fragment) throw new TypeError(`unknown fragment ${name}`);
        if (fragments.includes(name)) {
          throw new TypeError(`fragment cycle: ${[...fragments, name].join(" -> ")}`);
        }
        fields = this.#selection(fragment.selectionSet, path, [...fragments, name], conflicts);
      }
      level = mergeLevel(level, fields, path, conflicts);
    }
    return level;
  }

  /** `@skip(if:)` and `@include(if:)`; other directives are ignored. */
  #included(
    directives: readonly { name: { value: string }; arguments?: readonly ArgumentNode[] }[],
  ) {
    for (const directive of directives) {
      const name = directive.name.value;
      if (name !== "skip" && name !== "include") continue;
      const arg = directive.arguments?.find((a) => a.name.value === "if");
      const condition = arg ? this.#value(arg.value) : undefined;
      if (typeof condition !== "boolean") throw new TypeError(`@${name}(if:) must be a boolean`);
      if (condition === (name === "skip")) return false;
    }
    return true;
  }

  #args(nodes: readonly ArgumentNode[] | undefined): Record<string, RefValue> {
    const args: Record<string, RefValue> = {};
    for (const node of nodes ?? []) {
      const value = this.#value(node.value);
      if (value === undefined) continue; // a missing variable drops the argument
      const name = node.name.value;
      if (name === "ids" || name === "exids") idList(value, name); // throws if malformed
      args[name] = value;
    }
    return args;
  }

  /** A value with variables substituted; `undefined` for a missing variable. */
  #value(node: ValueNode): RefValue | undefined {
    switch (node.kind) {
      case Kind.VARIABLE: {
        const name = node.name.value;
        if (Object.hasOwn(this.#variables, name)) return fromJson(this.#variables[name], name);
        const fallback = this.#defaults.get(name);
        return fallback ? this.#value(fallback) : undefined;
      }
      case Kind.INT:
      case Kind.FLOAT:
        return Number(node.value);
      case Kind.STRING:
        return node.value;
      case Kind.BOOLEAN:
        return node.value;
      case Kind.NULL:
        return null;
      case Kind.ENUM:
        return new RefEnum(node.value);
      case Kind.LIST:
        // A missing variable inside a list becomes null, as in GraphQL.
        return node.values.map((v) => this.#value(v) ?? null);
      case Kind.OBJECT: {
        const out: Record<string, RefValue> = {};
        for (const field of node.fields) {
          const value = this.#value(field.value);
          if (value !== undefined) out[field.name.value] = value;
        }
        return out;
      }
    }
  }
}

/**
 * Parses a GraphQL document into a field set, like the engine's
 * `parseSubscription` (`docs/engine.md`, "Field sets"): fragments, inline
 * fragments, variables with defaults, aliases, `@skip`/`@include`, duplicate
 * response keys merged. Built on graphql-js's parser; the tests use it to read
 * back what the engine prints.
 *
 * @throws {SyntaxError} `line L, column C: …` for a grammar error.
 * @throws {TypeError} for an unknown fragment, a fragment cycle, a bad
 *   `@skip`/`@include` condition, bad `ids`/`exids`, or not exactly one operation.
 * @throws {RangeError} for selections nested deeper than 128 levels.
 * @throws {RefMergeConflictError} for selections of one key that cannot merge.
 *
 * @example
 * ```ts
 * import { refParse } from "./reference.ts";
 * const set = refParse("subscription ($f: Int = 3) { w: workflows(first: $f) { id } }");
 * console.assert(set[0].key === "w" && set[0].args.first === 3);
 * ```
 */
export function refParse(query: string, variables: Record<string, unknown> = {}): RefField[] {
  let document: DocumentNode;
  try {
    document = parse(query, { noLocation: false });
  } catch (error) {
    if (error instanceof GraphQLError) {
      const at = error.locations?.[0];
      throw new SyntaxError(`line ${at?.line}, column ${at?.column}: ${error.message}`);
    }
    throw error;
  }
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) {
    throw new TypeError(`a document must hold exactly one operation, found ${operations.length}`);
  }
  return new Parser(document, variables).operation(operations[0]);
}

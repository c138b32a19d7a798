/**
 * Baseline (b) of the engine benchmark: the semantics of `docs/engine.md`
 * written as plain, fast TypeScript.
 *
 * It is meant as the best a careful TS author would ship, not a straw man:
 * each subscription is compiled once (graphql-js `parse`, then fragments,
 * variables, directives and merging resolved into a tree of plain objects
 * with per-name lookup tables and `Set`s for `ids` / `exids`); each delta is
 * parsed once with `JSON.parse`; each set then walks only the parsed delta's
 * keys, allocates output only when something is emitted, and ends in one
 * `JSON.stringify`.
 *
 * Known differences from the engine, none of which the benchmark's fixtures
 * exercise: number text is not preserved byte for byte (JSON.parse
 * normalises `1.0` to `1`), duplicate keys in the delta are not detected,
 * integer-like keys are not kept in delta order (a JS object property-order
 * rule), and `printSubscription` / `merge` of compiled sets are not offered.
 *
 * @module
 */
import {
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";

/** A JSON object, as `JSON.parse` returns it. */
export type JsonObject = Record<string, unknown>;

/** One compiled field: what to emit under which key, and how to filter. */
export interface CompiledField {
  /** The response key (alias, or name). */
  readonly key: string;
  /** The field name, i.e. the delta key it reads. */
  readonly name: string;
  /** `ids` argument: keep only objects whose `id` is in it; `null` for all. */
  readonly ids: ReadonlySet<string> | null;
  /** `exids` argument: drop objects whose `id` is in it; `null` for none. */
  readonly exids: ReadonlySet<string> | null;
  /** The sub-selection; `null` for a leaf. */
  readonly selection: CompiledSelection | null;
}

/** A compiled selection set, laid out for lookups by delta key. */
export interface CompiledSelection {
  /** Fields by field name (a null-prototype object: no inherited keys). */
  readonly byName: Readonly<Record<string, readonly CompiledField[]>>;
  /** Every field is named `id`: objects are emitted whenever present. */
  readonly existence: boolean;
  /** Response keys of `id` fields other than `id` itself (aliases of `id`). */
  readonly idAliases: readonly string[];
  /** All fields, in the set's order (by response key): the root's walk order. */
  readonly fields: readonly CompiledField[];
  /** The fields not named `id`, in the set's order: a non-root object's walk order. */
  readonly selected: readonly CompiledField[];
}

/** A compiled subscription: its root selection. */
export interface CompiledSet {
  /** The operation's top-level selection. */
  readonly root: CompiledSelection;
}

// ---------------------------------------------------------------------------
// Compiling: GraphQL text → CompiledSet (done once per subscription)
// ---------------------------------------------------------------------------

/** The engine's nesting limit, kept here so both refuse the same documents. */
const MAX_DEPTH = 128;

/** A field while the document is being resolved and merged. */
interface RawField {
  key: string;
  name: string;
  /** Arguments other than `ids`/`exids`, as canonical JSON (for conflicts). */
  otherArgs: string;
  ids: string[] | undefined;
  exids: string[] | undefined;
  children: Map<string, RawField> | undefined;
}

/** A missing variable: distinct from any JSON value, including `null`. */
const MISSING = Symbol("missing");

/**
 * Compiles a subscription document into the structure {@linkcode filterDelta}
 * walks. Accepts what `parseSubscription` accepts: one operation, fragments
 * in any order, inline fragments (type conditions ignored), aliases,
 * variables with defaults, `@skip` / `@include`, and repeated response keys
 * (merged).
 *
 * @throws {SyntaxError} on a GraphQL syntax error.
 * @throws {TypeError} on an unknown or cyclic fragment, a bad `if`, bad
 * `ids` / `exids`, or not exactly one operation.
 * @throws {RangeError} when selections nest deeper than 128 levels.
 *
 * @example
 * ```ts
 * import { compileSubscription, filterDelta } from "./ts_filter.ts";
 * const set = compileSubscription("subscription { workflows { status } }");
 * const out = filterDelta({ workflows: [{ id: "w", status: "ok", name: "n" }] }, set);
 * console.assert(JSON.stringify(out) === '{"workflows":[{"id":"w","status":"ok"}]}');
 * ```
 */
export function compileSubscription(
  query: string,
  variables: Record<string, unknown> = {},
): CompiledSet {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    throw new SyntaxError((error as Error).message);
  }
  const operations: OperationDefinitionNode[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) {
    if (def.kind === Kind.OPERATION_DEFINITION) operations.push(def);
    else if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  if (operations.length !== 1) {
    throw new TypeError(`a document must hold exactly one operation, found ${operations.length}`);
  }
  const operation = operations[0];
  // Effective variables: given values, else declared defaults; the rest are
  // missing, which drops the argument that uses them.
  const vars = new Map<string, unknown>();
  for (const def of operation.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    if (Object.hasOwn(variables, name)) vars.set(name, variables[name]);
    else if (def.defaultValue !== undefined) vars.set(name, valueOf(def.defaultValue, vars));
  }
  const ctx: Context = { fragments, vars, spreading: [] };
  const root = new Map<string, RawField>();
  collect(operation.selectionSet, ctx, root, "", 1);
  return { root: compileSelection(root, true) };
}

interface Context {
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly vars: ReadonlyMap<string, unknown>;
  /** Fragment names being expanded, to report cycles. */
  readonly spreading: string[];
}

function valueOf(node: ValueNode, vars: ReadonlyMap<string, unknown>): unknown {
  switch (node.kind) {
    case Kind.VARIABLE:
      return vars.has(node.name.value) ? vars.get(node.name.value) : MISSING;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    case Kind.NULL:
      return null;
    case Kind.LIST:
      // A missing variable inside a list is null, as GraphQL coerces it.
      return node.values.map((v) => {
        const value = valueOf(v, vars);
        return value === MISSING ? null : value;
      });
    case Kind.OBJECT: {
      const out: Record<string, unknown> = {};
      for (const field of [...node.fields].sort((a, b) => a.name.value < b.name.value ? -1 : 1)) {
        const value = valueOf(field.value, vars);
        if (value !== MISSING) out[field.name.value] = value;
      }
      return out;
    }
  }
}

function included(directives: readonly DirectiveNode[] | undefined, ctx: Context): boolean {
  if (directives === undefined) return true;
  for (const directive of directives) {
    const name = directive.name.value;
    if (name !== "skip" && name !== "include") continue;
    const arg = directive.arguments?.find((a) => a.name.value === "if");
    const value = arg === undefined ? MISSING : valueOf(arg.value, ctx.vars);
    if (typeof value !== "boolean") {
      throw new TypeError(`@${name}(if:) must be a boolean`);
    }
    if (name === "skip" ? value : !value) return false;
  }
  return true;
}

function idList(value: unknown, where: string): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
    return [...new Set(value as string[])].sort();
  }
  throw new TypeError(`${where}: ids/exids must be a string or a list of strings`);
}

function collect(
  selectionSet: SelectionSetNode,
  ctx: Context,
  into: Map<string, RawField>,
  path: string,
  depth: number,
): void {
  if (depth > MAX_DEPTH) throw new RangeError(`selections nest deeper than ${MAX_DEPTH} levels`);
  for (const selection of selectionSet.selections) {
    if (!included(selection.directives, ctx)) continue;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      collect(selection.selectionSet, ctx, into, path, depth);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value;
      const fragment = ctx.fragments.get(name);
      if (fragment === undefined) {
        throw new TypeError(`unknown fragment ${name} at ${path || "root"}`);
      }
      if (ctx.spreading.includes(name)) {
        throw new TypeError(`fragment cycle: ${[...ctx.spreading, name].join(" -> ")}`);
      }
      ctx.spreading.push(name);
      collect(fragment.selectionSet, ctx, into, path, depth);
      ctx.spreading.pop();
      continue;
    }
    const name = selection.name.value;
    const key = selection.alias?.value ?? name;
    const fieldPath = path === "" ? key : `${path}.${key}`;
    const field: RawField = {
      key,
      name,
      otherArgs: "",
      ids: undefined,
      exids: undefined,
      children: undefined,
    };
    const other: [string, unknown][] = [];
    for (const arg of selection.arguments ?? []) {
      const value = valueOf(arg.value, ctx.vars);
      if (value === MISSING) continue;
      const argName = arg.name.value;
      if (argName === "ids") field.ids = idList(value, fieldPath);
      else if (argName === "exids") field.exids = idList(value, fieldPath);
      else other.push([argName, value]);
    }
    field.otherArgs = JSON.stringify(other.sort((a, b) => a[0] < b[0] ? -1 : 1));
    if (selection.selectionSet !== undefined) {
      field.children = new Map();
      collect(selection.selectionSet, ctx, field.children, fieldPath, depth + 1);
    }
    const existing = into.get(key);
    if (existing === undefined) into.set(key, field);
    else mergeInto(existing, field, fieldPath);
  }
}

/** Merges `b` into `a` with the rules of `merge` in docs/engine.md. */
function mergeInto(a: RawField, b: RawField, path: string): void {
  if (a.name !== b.name) {
    throw new TypeError(`${path}: conflicting fields ${a.name} and ${b.name}`);
  }
  if (a.otherArgs !== b.otherArgs) throw new TypeError(`${path}: conflicting arguments`);
  if ((a.children === undefined) !== (b.children === undefined)) {
    throw new TypeError(`${path}: a leaf on one side and a selection on the other`);
  }
  normalise(a);
  normalise(b);
  // A side without `ids` means "all", so it wins; likewise for `exids`.
  a.ids = a.ids !== undefined && b.ids !== undefined
    ? [...new Set([...a.ids, ...b.ids])].sort()
    : undefined;
  if (a.exids !== undefined && b.exids !== undefined) {
    const both = new Set(b.exids);
    a.exids = a.exids.filter((id) => both.has(id));
  } else a.exids = undefined;
  if (a.children !== undefined && b.children !== undefined) {
    for (const [key, child] of b.children) {
      const existing = a.children.get(key);
      if (existing === undefined) a.children.set(key, child);
      else mergeInto(existing, child, `${path}.${key}`);
    }
  }
}

function normalise(field: RawField): void {
  if (field.ids !== undefined && field.exids !== undefined) {
    const drop = new Set(field.exids);
    field.ids = field.ids.filter((id) => !drop.has(id));
    field.exids = undefined;
  }
}

function compileSelection(raw: Map<string, RawField>, root: boolean): CompiledSelection {
  const byName: Record<string, CompiledField[]> = Object.create(null);
  const fields: CompiledField[] = [];
  const idAliases: string[] = [];
  let existence = true;
  for (const f of raw.values()) {
    const field: CompiledField = {
      key: f.key,
      name: f.name,
      ids: f.ids === undefined ? null : new Set(f.ids),
      exids: f.exids === undefined || f.exids.length === 0 ? null : new Set(f.exids),
      selection: f.children === undefined ? null : compileSelection(f.children, false),
    };
    fields.push(field);
    if (f.name !== "id") existence = false;
    // Below the root, `id` is emitted by the identity rule, never by field
    // lookup, so it stays out of `byName` there (aliases of it are noted).
    if (!root && f.name === "id") {
      if (f.key !== "id") idAliases.push(f.key);
      continue;
    }
    (byName[f.name] ??= []).push(field);
  }
  // The engine writes fields in the set's order (response keys sorted by
  // code unit, as Rust sorts strings), each object's id first; so does this.
  fields.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const selected = fields.filter((f) => f.name !== "id");
  idAliases.sort();
  return { byName, existence: existence && !root, idAliases, fields, selected };
}

// ---------------------------------------------------------------------------
// Filtering: the hot path
// ---------------------------------------------------------------------------

/**
 * Intersects a parsed delta with a compiled set: the part of the delta the
 * set selects, keyed by response key in the delta's key order, or
 * `undefined` when nothing is selected.
 *
 * @example
 * ```ts
 * import { compileSubscription, filterDelta } from "./ts_filter.ts";
 * const set = compileSubscription('{ workflows(ids: ["b"]) { status } }');
 * const delta = { workflows: [{ id: "a", status: "x" }, { id: "b", status: "y" }] };
 * console.assert(JSON.stringify(filterDelta(delta, set)) ===
 *   '{"workflows":[{"id":"b","status":"y"}]}');
 * ```
 */
export function filterDelta(delta: JsonObject, set: CompiledSet): JsonObject | undefined {
  // The root has no identity rule: `id` is a field like any other there.
  const fields = set.root.fields;
  let out: JsonObject | undefined;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const value = delta[f.name];
    // JSON has no undefined, so undefined means absent (hasOwn guards
    // against inherited names such as "constructor").
    if (value === undefined || !Object.hasOwn(delta, f.name)) continue;
    const r = f.selection === null ? value : filterValue(value, f);
    if (r !== undefined) (out ??= {})[f.key] = r;
  }
  return out;
}

/** A relation's value through field `f`: object, list, `null`, or dropped. */
function filterValue(value: unknown, f: CompiledField): unknown {
  if (value === null) return null; // a cleared relation is an overlap
  if (typeof value !== "object") return undefined;
  const selection = f.selection!;
  if (Array.isArray(value)) {
    let list: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (item === null || typeof item !== "object" || Array.isArray(item)) continue;
      if (!passes(item as JsonObject, f)) continue;
      const r = filterObject(item as JsonObject, selection);
      if (r !== undefined) (list ??= []).push(r);
    }
    return list;
  }
  if (!passes(value as JsonObject, f)) return undefined;
  return filterObject(value as JsonObject, selection);
}

function passes(o: JsonObject, f: CompiledField): boolean {
  if (f.ids === null && f.exids === null) return true;
  const id = o.id;
  const known = typeof id === "string";
  if (f.ids !== null && !(known && f.ids.has(id))) return false;
  return f.exids === null || !(known && f.exids.has(id));
}

/** A non-root object: rules (A) identity and (B) emission. */
function filterObject(o: JsonObject, selection: CompiledSelection): JsonObject | undefined {
  if (selection.existence) return withId(o, {}, selection);
  const fields = selection.selected;
  let out: JsonObject | undefined;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const value = o[f.name];
    if (value === undefined || !Object.hasOwn(o, f.name)) continue;
    const r = f.selection === null ? value : filterValue(value, f);
    if (r === undefined) continue;
    // The id (and its aliases) first, once the object is known to be emitted.
    if (out === undefined) out = withId(o, {}, selection);
    out[f.key] = r;
  }
  return out;
}

function withId(o: JsonObject, out: JsonObject, selection: CompiledSelection): JsonObject {
  const id = o.id;
  if (id === undefined) return out;
  out.id = id;
  const aliases = selection.idAliases;
  for (let i = 0; i < aliases.length; i++) out[aliases[i]] = id;
  return out;
}

/**
 * `filterDelta` on JSON text, returning JSON text, as `intersectJson` does.
 *
 * @example
 * ```ts
 * import { compileSubscription, filterJson } from "./ts_filter.ts";
 * const set = compileSubscription("{ workflows { id } }");
 * console.assert(filterJson('{"workflows":[{"id":"w"}]}', set) === '{"workflows":[{"id":"w"}]}');
 * console.assert(filterJson('{"other":1}', set) === undefined);
 * ```
 */
export function filterJson(deltaJson: string, set: CompiledSet): string | undefined {
  const delta = JSON.parse(deltaJson);
  if (delta === null || typeof delta !== "object" || Array.isArray(delta)) {
    throw new TypeError("the delta's top level must be an object");
  }
  const out = filterDelta(delta, set);
  return out === undefined ? undefined : JSON.stringify(out);
}

/**
 * The pure-TS counterpart of the engine's `Sieve`: many compiled sets, one
 * `JSON.parse` per delta, one walk and one `JSON.stringify` per set.
 *
 * @example
 * ```ts
 * import { compileSubscription, TsSieve } from "./ts_filter.ts";
 * const sieve = new TsSieve();
 * const a = sieve.add(compileSubscription("{ workflows { status } }"));
 * sieve.add(compileSubscription("{ workflows { name } }"));
 * const out = sieve.filter('{"workflows":[{"id":"w","status":"ok"}]}');
 * console.assert(out.size === 1 && out.get(a) === '{"workflows":[{"id":"w","status":"ok"}]}');
 * ```
 */
export class TsSieve {
  // Parallel arrays, iterated densely: cheaper than a Map in the hot loop.
  // (remove() is O(n), which only setup pays.)
  #ids: number[] = [];
  #sets: CompiledSet[] = [];
  #next = 1;

  /**
   * Adds a set; returns its id (from 1, never reused).
   *
   * @example
   * ```ts
   * import { compileSubscription, TsSieve } from "./ts_filter.ts";
   * const sieve = new TsSieve();
   * console.assert(sieve.add(compileSubscription("{ a }")) === 1);
   * ```
   */
  add(set: CompiledSet): number {
    const id = this.#next++;
    this.#ids.push(id);
    this.#sets.push(set);
    return id;
  }

  /**
   * Drops the set with this id, if present.
   *
   * @example
   * ```ts
   * import { compileSubscription, TsSieve } from "./ts_filter.ts";
   * const sieve = new TsSieve();
   * sieve.remove(sieve.add(compileSubscription("{ a }")));
   * console.assert(sieve.size === 0);
   * ```
   */
  remove(id: number): void {
    const i = this.#ids.indexOf(id);
    if (i < 0) return;
    this.#ids.splice(i, 1);
    this.#sets.splice(i, 1);
  }

  /**
   * How many sets are held.
   *
   * @example
   * ```ts
   * import { TsSieve } from "./ts_filter.ts";
   * console.assert(new TsSieve().size === 0);
   * ```
   */
  get size(): number {
    return this.#ids.length;
  }

  /**
   * Each overlapping set's id mapped to its intersection as JSON text.
   *
   * @throws {SyntaxError} for malformed JSON.
   * @throws {TypeError} when the delta's top level is not an object.
   *
   * @example
   * ```ts
   * import { compileSubscription, TsSieve } from "./ts_filter.ts";
   * const sieve = new TsSieve();
   * const id = sieve.add(compileSubscription("{ a }"));
   * console.assert(sieve.filter('{"a":1,"b":2}').get(id) === '{"a":1}');
   * ```
   */
  filter(deltaJson: string): Map<number, string> {
    const delta = JSON.parse(deltaJson);
    if (delta === null || typeof delta !== "object" || Array.isArray(delta)) {
      throw new TypeError("the delta's top level must be an object");
    }
    const out = new Map<number, string>();
    const ids = this.#ids;
    const sets = this.#sets;
    for (let i = 0; i < sets.length; i++) {
      const r = filterDelta(delta, sets[i]);
      if (r !== undefined) out.set(ids[i], JSON.stringify(r));
    }
    return out;
  }
}

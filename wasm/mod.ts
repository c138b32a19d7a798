/**
 * Overlap's subscription engine: GraphQL field sets, their union, and the
 * intersection of scheduler deltas with them, in WebAssembly.
 *
 * A subscription is a *set* of fields ({@linkcode FieldSet}); a delta is a
 * *dict*. {@linkcode intersect} gives the overlap of the two, or `undefined`
 * when there is none; {@linkcode merge} gives the union of sets (what a UI
 * registers for all its views); a {@linkcode Sieve} intersects one delta with
 * many sets at once. The rules are in `docs/engine.md`.
 *
 * This file is the only importer of `overlap.wasm`. It works in Deno and in
 * browsers (it loads the module relative to `import.meta.url`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { intersectJson, parseSubscription } from "./mod.ts";
 * using set = parseSubscription("subscription { workflows { status } }");
 * const out = intersectJson('{"workflows":[{"id":"w","status":"running","host":"h"}]}', set);
 * assert(out === '{"workflows":[{"id":"w","status":"running"}]}');
 * ```
 *
 * @module
 */

interface Exports {
  memory: WebAssembly.Memory;
  ov_input(len: number): number;
  ov_vars(len: number): number;
  ov_out_ptr(): number;
  ov_out_len(): number;
  ov_error_kind(): number;
  ov_live_bytes(): number;
  ov_trim(): void;
  ov_parse(len: number, varsLen: number): number;
  ov_set_free(handle: number): void;
  ov_merge(count: number): number;
  ov_intersect(handle: number, len: number): number;
  ov_print(handle: number): number;
  ov_set_bytes(handle: number): number;
  ov_sieve_new(): number;
  ov_sieve_free(handle: number): void;
  ov_sieve_add(sieve: number, set: number): number;
  ov_sieve_remove(sieve: number, id: number): number;
  ov_sieve_bytes(sieve: number): number;
  ov_sieve_filter(sieve: number, len: number): number;
  ov_filtered_text_ptr(): number;
  ov_filtered_text_len(): number;
  ov_filtered_index_ptr(): number;
  ov_filtered_ascii(): number;
}

async function loadWasm(): Promise<Exports> {
  const url = new URL("./overlap.wasm", import.meta.url);
  const deno = (globalThis as { Deno?: { readFile(u: URL): Promise<Uint8Array> } }).Deno;
  const bytes = url.protocol === "file:" && deno
    ? await deno.readFile(url)
    : new Uint8Array(await (await fetch(url)).arrayBuffer());
  const { instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>, {});
  return instance.exports as unknown as Exports;
}

const wasm: Exports = await loadWasm();
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Sieve results are decoded in runs of at most this many bytes. */
const CHUNK = 64 * 1024;

/** Inputs above this size release their buffers after the call. */
const TRIM_ABOVE = 1 << 20;

/**
 * Thrown by {@linkcode merge} when two sets use one response key in ways that
 * cannot be united: another field name, other arguments, or a leaf against a
 * selection. The message names the field path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { merge, MergeConflictError, parseSubscription } from "./mod.ts";
 * using a = parseSubscription("{ workflows { taskProxies(first: 1) { name } } }");
 * using b = parseSubscription("{ workflows { taskProxies(first: 2) { name } } }");
 * try {
 *   merge(a, b);
 * } catch (e) {
 *   assert(e instanceof MergeConflictError);
 *   assert((e as Error).message.includes("workflows.taskProxies"));
 * }
 * ```
 */
export class MergeConflictError extends Error {
  /** Creates the error with a message naming the conflicting field path. */
  constructor(message: string) {
    super(message);
    this.name = "MergeConflictError";
  }
}

function output(): string {
  return decoder.decode(new Uint8Array(wasm.memory.buffer, wasm.ov_out_ptr(), wasm.ov_out_len()));
}

/** Builds the JavaScript error for the engine's last failure. */
function engineError(): Error {
  const message = output();
  switch (wasm.ov_error_kind()) {
    case 1:
      return new SyntaxError(message);
    case 2:
      return new TypeError(message);
    case 3:
      return new RangeError(message);
    case 4:
      return new MergeConflictError(message);
    default:
      return new Error(`overlap engine: ${message}`);
  }
}

/** Copies `text` as UTF-8 into the engine's input buffer; returns its length. */
function writeInput(text: string, reserve: (len: number) => number): number {
  // Reserve for the ASCII case first; most deltas are ASCII, and a second
  // try with the worst case (3 bytes per UTF-16 unit) is rare.
  let capacity = text.length;
  for (;;) {
    const ptr = reserve(capacity);
    const view = new Uint8Array(wasm.memory.buffer, ptr, capacity);
    const { read, written } = encoder.encodeInto(text, view);
    if (read === text.length) return written;
    capacity = text.length * 3;
  }
}

function requireString(value: unknown, what: string): string {
  if (typeof value !== "string") {
    throw new TypeError(`${what} must be a string, got ${value === null ? "null" : typeof value}`);
  }
  return value;
}

const setRegistry = new FinalizationRegistry<number>((handle) => wasm.ov_set_free(handle));
const sieveRegistry = new FinalizationRegistry<number>((handle) => wasm.ov_sieve_free(handle));
/** Proves a constructor call comes from this module. */
const constructing = Symbol("overlap engine");
let handleOf: (set: FieldSet) => number;

/**
 * A parsed subscription: a set of fields held in WebAssembly memory.
 *
 * Sets are made by {@linkcode parseSubscription} and {@linkcode merge}. Free
 * one with `dispose()` or a `using` declaration when done; a set that is
 * garbage collected without that is freed by a finalizer, as a backstop.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSubscription, printSubscription } from "./mod.ts";
 * using set = parseSubscription("{ workflows { name } }");
 * assert(printSubscription(set) === "subscription { workflows { name } }");
 * ```
 */
export class FieldSet {
  #handle: number;

  static {
    handleOf = (set: FieldSet): number => {
      if (!(set instanceof FieldSet)) {
        throw new TypeError(`expected a FieldSet, got ${set === null ? "null" : typeof set}`);
      }
      if (set.#handle === 0) {
        throw new TypeError("this FieldSet has been disposed; it can no longer be used");
      }
      return set.#handle;
    };
  }

  /** Not for direct use: sets come from parseSubscription and merge. */
  constructor(token: symbol, handle: number) {
    if (token !== constructing) {
      throw new TypeError("FieldSet cannot be constructed directly; use parseSubscription()");
    }
    this.#handle = handle;
    setRegistry.register(this, handle, this);
  }

  /** True once the set has been disposed. */
  get disposed(): boolean {
    return this.#handle === 0;
  }

  /** Approximate bytes of WebAssembly memory the set holds. */
  get bytes(): number {
    return wasm.ov_set_bytes(handleOf(this));
  }

  /**
   * Frees the set's WebAssembly memory. Calling it again does nothing.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { parseSubscription } from "./mod.ts";
   * const set = parseSubscription("{ workflows { name } }");
   * set.dispose();
   * assert.equal(set.disposed, true);
   * ```
   */
  dispose(): void {
    if (this.#handle !== 0) {
      setRegistry.unregister(this);
      wasm.ov_set_free(this.#handle);
      this.#handle = 0;
    }
  }

  /** Frees the set at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

function newSet(handle: number): FieldSet {
  if (handle === 0) throw engineError();
  return new FieldSet(constructing, handle);
}

/**
 * Parses a GraphQL document into a field set.
 *
 * Schema-agnostic: it resolves named and inline fragments, variables,
 * aliases and `@skip`/`@include`, and keeps field arguments, but does not
 * check fields against a schema (the server does).
 *
 * @param query GraphQL document text with exactly one operation.
 * @param variables Values for the operation's variables.
 * @throws {SyntaxError} for bad syntax; the message starts `line L, column C:`.
 * @throws {TypeError} for an unknown fragment, a fragment cycle, a bad
 *   `ids` argument, an undefined variable, or not exactly one operation.
 * @throws {RangeError} for nesting deeper than 128 levels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSubscription, printSubscription } from "./mod.ts";
 * using set = parseSubscription(
 *   "subscription($w: [ID]) { workflows(ids: $w) { ...T } } fragment T on Workflow { status }",
 *   { w: ["~user/flow"] },
 * );
 * assert(
 *   printSubscription(set) === 'subscription { workflows(ids: ["~user/flow"]) { status } }',
 * );
 * ```
 */
export function parseSubscription(
  query: string,
  variables?: Record<string, unknown>,
): FieldSet {
  requireString(query, "query");
  const len = writeInput(query, wasm.ov_input);
  let varsLen = 0;
  if (variables !== undefined && variables !== null) {
    if (typeof variables !== "object" || Array.isArray(variables)) {
      throw new TypeError("variables must be an object of name → value");
    }
    varsLen = writeInput(JSON.stringify(variables), wasm.ov_vars);
  }
  const set = newSet(wasm.ov_parse(len, varsLen));
  if (len > TRIM_ABOVE) wasm.ov_trim();
  return set;
}

/**
 * The union of field sets, by response key, recursively. `ids` lists are
 * unioned, and a side without `ids` (all) wins. With no sets, the empty set.
 *
 * @throws {MergeConflictError} when a response key is used with another field
 *   name, other arguments, or as a leaf on one side and a selection on the
 *   other; the message names the field path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { merge, parseSubscription, printSubscription } from "./mod.ts";
 * using a = parseSubscription('{ workflows(ids: ["a"]) { name } }');
 * using b = parseSubscription('{ workflows(ids: ["b"]) { status } }');
 * using both = merge(a, b);
 * assert(
 *   printSubscription(both) === 'subscription { workflows(ids: ["a", "b"]) { name status } }',
 * );
 * ```
 */
export function merge(...sets: FieldSet[]): FieldSet {
  const handles = sets.map(handleOf);
  const ptr = wasm.ov_input(handles.length * 4);
  const view = new DataView(wasm.memory.buffer, ptr, handles.length * 4);
  handles.forEach((h, i) => view.setUint32(i * 4, h, true));
  return newSet(wasm.ov_merge(handles.length));
}

/**
 * The fast form of {@linkcode intersect}: delta JSON text in, intersection
 * JSON text out, or `undefined` when there is no overlap. Selected values are
 * copied byte for byte, so number and string text is preserved exactly.
 *
 * @throws {SyntaxError} for malformed JSON (the message gives the byte offset)
 *   or duplicate keys in an object.
 * @throws {TypeError} when the delta is not a JSON object at its top level.
 * @throws {RangeError} for nesting deeper than 128 levels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { intersectJson, parseSubscription } from "./mod.ts";
 * using set = parseSubscription("{ workflows { taskProxies { status } } }");
 * const delta = '{"workflows":[{"id":"w","taskProxies":[{"id":"t","status":"running","isHeld":false}]}]}';
 * assert(
 *   intersectJson(delta, set) === '{"workflows":[{"id":"w","taskProxies":[{"id":"t","status":"running"}]}]}',
 * );
 * assert(intersectJson('{"workflows":[{"id":"w","name":"x"}]}', set) === undefined);
 * ```
 */
export function intersectJson(delta: string, set: FieldSet): string | undefined {
  const handle = handleOf(set);
  requireString(delta, "delta");
  const len = writeInput(delta, wasm.ov_input);
  const status = wasm.ov_intersect(handle, len);
  if (status < 0) throw engineError();
  const result = status === 1 ? output() : undefined;
  if (len > TRIM_ABOVE) wasm.ov_trim();
  return result;
}

/**
 * The intersection of a delta with a field set: the part of the delta the set
 * selects, with each emitted object's `id`, or `undefined` when nothing is
 * selected (then nothing should be sent).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { intersect, parseSubscription } from "./mod.ts";
 * using set = parseSubscription("{ workflows { status } }");
 * const out = intersect({ workflows: [{ id: "w", status: "held", host: "h" }] }, set);
 * assert(JSON.stringify(out) === '{"workflows":[{"id":"w","status":"held"}]}');
 * ```
 */
export function intersect(
  delta: Record<string, unknown>,
  set: FieldSet,
): Record<string, unknown> | undefined {
  const json = intersectJson(JSON.stringify(delta), set);
  return json === undefined ? undefined : JSON.parse(json);
}

/**
 * Prints a field set as GraphQL text that parses back to an equal set: fields
 * sorted by response key, arguments by name. Equal sets print the same text,
 * so the text is also a canonical key. This is how a UI sends its merged
 * subscription.
 *
 * @throws {TypeError} for the empty set (GraphQL has no text for it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSubscription, printSubscription } from "./mod.ts";
 * using set = parseSubscription("{ b: workflows { status name } a: workflows { id } }");
 * assert(
 *   printSubscription(set) === "subscription { a: workflows { id } b: workflows { name status } }",
 * );
 * ```
 */
export function printSubscription(set: FieldSet): string {
  if (wasm.ov_print(handleOf(set)) < 0) throw engineError();
  return output();
}

/**
 * What {@linkcode Sieve.filter} returns: a read-only map from the ids of the
 * sets with an overlap, in id order, to their intersection JSON. It is backed
 * by two arrays rather than a `Map`, which costs less to build for the
 * thousands of results of one delta; `get` is a binary search over the ids.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSubscription, Sieve } from "./mod.ts";
 * using sieve = new Sieve();
 * using set = parseSubscription("{ workflows { status } }");
 * const id = sieve.add(set);
 * const result = sieve.filter('{"workflows":[{"id":"w","status":"held"}]}');
 * assert.equal(result.size, 1);
 * assert.equal(result.get(id), '{"workflows":[{"id":"w","status":"held"}]}');
 * assert.deepEqual([...result.keys()], [id]);
 * ```
 */
export class SieveResult implements ReadonlyMap<number, string> {
  readonly #ids: Uint32Array;
  readonly #texts: readonly string[];

  /** Not for direct use: results come from `Sieve.filter`. */
  constructor(token: symbol, ids: Uint32Array, texts: readonly string[]) {
    if (token !== constructing) {
      throw new TypeError("SieveResult cannot be constructed directly; use Sieve.filter()");
    }
    this.#ids = ids;
    this.#texts = texts;
  }

  /** How many sets overlap the delta. */
  get size(): number {
    return this.#ids.length;
  }

  #find(id: number): number {
    const ids = this.#ids;
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    return lo < ids.length && ids[lo] === id ? lo : -1;
  }

  /** The intersection JSON of set `id`, or `undefined` when it has no overlap. */
  get(id: number): string | undefined {
    const at = this.#find(id);
    return at < 0 ? undefined : this.#texts[at];
  }

  /** Whether set `id` overlaps the delta. */
  has(id: number): boolean {
    return this.#find(id) >= 0;
  }

  /** Calls `callback` with each intersection, id and the result, in id order. */
  forEach(
    callback: (json: string, id: number, result: ReadonlyMap<number, string>) => void,
    thisArg?: unknown,
  ): void {
    for (let i = 0; i < this.#ids.length; i++) {
      callback.call(thisArg, this.#texts[i], this.#ids[i], this);
    }
  }

  /** The `[id, json]` pairs, in id order. */
  *entries(): MapIterator<[number, string]> {
    for (let i = 0; i < this.#ids.length; i++) yield [this.#ids[i], this.#texts[i]];
  }

  /** The ids with an overlap, in order. */
  *keys(): MapIterator<number> {
    for (let i = 0; i < this.#ids.length; i++) yield this.#ids[i];
  }

  /** The intersections, in id order. */
  *values(): MapIterator<string> {
    yield* this.#texts;
  }

  /** The `[id, json]` pairs, in id order. */
  [Symbol.iterator](): MapIterator<[number, string]> {
    return this.entries();
  }
}

/**
 * Many field sets, one delta, one pass: the delta is parsed once and
 * intersected with every set in the sieve.
 *
 * `add` copies the set in, so the caller may dispose its own set afterwards.
 * Dispose the sieve (or `using`) when done; a finalizer is the backstop.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSubscription, Sieve } from "./mod.ts";
 * using sieve = new Sieve();
 * using a = parseSubscription("{ workflows { status } }");
 * using b = parseSubscription("{ workflows { host } }");
 * const idA = sieve.add(a);
 * sieve.add(b);
 * const out = sieve.filter('{"workflows":[{"id":"w","status":"running"}]}');
 * assert(out.size === 1 && out.get(idA) === '{"workflows":[{"id":"w","status":"running"}]}');
 * ```
 */
export class Sieve {
  #handle: number;
  #size = 0;

  /** Creates an empty sieve. */
  constructor() {
    this.#handle = wasm.ov_sieve_new();
    sieveRegistry.register(this, this.#handle, this);
  }

  #live(): number {
    if (this.#handle === 0) {
      throw new TypeError("this Sieve has been disposed; it can no longer be used");
    }
    return this.#handle;
  }

  /** How many sets the sieve holds. */
  get size(): number {
    return this.#size;
  }

  /** Approximate bytes of WebAssembly memory the sieve's sets hold. */
  get bytes(): number {
    return wasm.ov_sieve_bytes(this.#live());
  }

  /**
   * Adds a copy of `set`; returns its id. Ids start at 1 and are never
   * reused by this sieve.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { parseSubscription, Sieve } from "./mod.ts";
   * using sieve = new Sieve();
   * using set = parseSubscription("{ workflows { name } }");
   * assert.equal(sieve.add(set), 1);
   * assert.equal(sieve.add(set), 2);
   * ```
   */
  add(set: FieldSet): number {
    const id = wasm.ov_sieve_add(this.#live(), handleOf(set));
    if (id === 0) throw engineError();
    this.#size++;
    return id;
  }

  /**
   * Removes the set with `id`; returns whether it was there.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { parseSubscription, Sieve } from "./mod.ts";
   * using sieve = new Sieve();
   * using set = parseSubscription("{ workflows { name } }");
   * const id = sieve.add(set);
   * assert.equal(sieve.remove(id), true);
   * assert.equal(sieve.remove(id), false);
   * ```
   */
  remove(id: number): boolean {
    if (!Number.isInteger(id) || id < 1 || id > 0xffffffff) return false;
    const removed = wasm.ov_sieve_remove(this.#live(), id) === 1;
    if (removed) this.#size--;
    return removed;
  }

  /**
   * Intersects `deltaJson` with every set. Returns id → intersection JSON
   * (a read-only map, {@linkcode SieveResult}), in id order, holding only
   * the ids with an overlap; each value is what {@linkcode intersectJson}
   * would return for that set.
   *
   * @throws {SyntaxError | TypeError | RangeError} for a bad delta, as
   *   {@linkcode intersectJson} does.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { parseSubscription, Sieve } from "./mod.ts";
   * using sieve = new Sieve();
   * using status = parseSubscription("{ workflows { status } }");
   * using host = parseSubscription("{ workflows { host } }");
   * const id = sieve.add(status);
   * sieve.add(host);
   * const out = sieve.filter('{"workflows":[{"id":"w","status":"held"}]}');
   * assert.deepEqual(new Map(out), new Map([[id, '{"workflows":[{"id":"w","status":"held"}]}']]));
   * ```
   */
  filter(deltaJson: string): SieveResult {
    const handle = this.#live();
    requireString(deltaJson, "deltaJson");
    const len = writeInput(deltaJson, wasm.ov_input);
    const count = wasm.ov_sieve_filter(handle, len);
    if (count < 0) throw engineError();
    // (Measured: a typed array of ids and a packed array of texts, filled
    // by push, cost less to build than arrays made with a length.)
    const ids = new Uint32Array(count);
    const texts: string[] = [];
    const buffer = wasm.memory.buffer;
    const text = new Uint8Array(buffer, wasm.ov_filtered_text_ptr(), wasm.ov_filtered_text_len());
    const index = new Uint32Array(buffer, wasm.ov_filtered_index_ptr(), count * 3);
    if (wasm.ov_filtered_ascii() === 1) {
      // All ASCII: byte offsets are string offsets, so decoding a run of
      // results at once and slicing it beats a decode per result. Runs stay
      // under 64 KiB so the strings live in V8's young generation rather
      // than its large-object space (measured: larger runs cost more once
      // the collections they cause are counted).
      const total = count * 3;
      for (let n = 0, k = 0; n < total;) {
        const from = index[n + 1];
        let last = n;
        while (last + 3 < total && index[last + 5] - from <= CHUNK) last += 3;
        const chunk = decoder.decode(text.subarray(from, index[last + 2]));
        for (; n <= last; n += 3, k++) {
          ids[k] = index[n];
          texts.push(chunk.slice(index[n + 1] - from, index[n + 2] - from));
        }
      }
    } else {
      for (let n = 0, k = 0; n < count * 3; n += 3, k++) {
        ids[k] = index[n];
        texts.push(decoder.decode(text.subarray(index[n + 1], index[n + 2])));
      }
    }
    const result = new SieveResult(constructing, ids, texts);
    if (len > TRIM_ABOVE) wasm.ov_trim();
    return result;
  }

  /** Frees the sieve's WebAssembly memory. Calling it again does nothing. */
  dispose(): void {
    if (this.#handle !== 0) {
      sieveRegistry.unregister(this);
      wasm.ov_sieve_free(this.#handle);
      this.#handle = 0;
      this.#size = 0;
    }
  }

  /** Frees the sieve at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** The engine's memory, for monitoring. */
export interface EngineMemory {
  /** Size of the WebAssembly linear memory, in bytes (it never shrinks). */
  readonly heapBytes: number;
  /** Bytes currently allocated inside it by the engine. */
  readonly liveBytes: number;
}

/**
 * Reports the engine's WebAssembly memory: total size and live allocations.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { engineMemory, parseSubscription } from "./mod.ts";
 * const before = engineMemory().liveBytes;
 * const set = parseSubscription("{ workflows { name } }");
 * assert(engineMemory().liveBytes > before);
 * set.dispose();
 * ```
 */
export function engineMemory(): EngineMemory {
  return { heapBytes: wasm.memory.buffer.byteLength, liveBytes: wasm.ov_live_bytes() };
}

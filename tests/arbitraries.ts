/**
 * fast-check arbitraries for the engine's property tests: random field sets
 * and random deltas over one small vocabulary, so that sets and deltas meet
 * often (a set over names a delta never uses would test nothing).
 *
 * Deltas are JSON trees that may hold {@linkcode RawJson} scalars (numbers
 * like `1e3`, `-0`, `12345678901234567890`, strings with escapes like
 * `"\u0041"`). Print them with {@linkcode stringifyJson}: the engine copies
 * leaves byte for byte, and the reference run on the same tree, printed the
 * same way, gives the exact text the engine must produce. Comparing
 * `JSON.parse`d values instead would hide a changed number text (`1e3` and
 * `1000` parse alike), and comparing `JSON.stringify` of a parsed delta
 * would change the text the engine was given (`-0` becomes `0`). Keys are
 * never integer-like (`"1"`), since JS objects reorder those and the delta's
 * key order is part of what is compared.
 *
 * @module
 */
import fc from "fast-check";
import { RawJson, RefEnum, type RefField, refPrintValue, type RefValue } from "./reference.ts";

/**
 * Field names of sets and keys of deltas: few, so that they collide often.
 *
 * @example
 * ```ts
 * import { FIELD_NAMES } from "./arbitraries.ts";
 * console.assert(FIELD_NAMES.includes("id") && FIELD_NAMES.includes("taskProxies"));
 * ```
 */
export const FIELD_NAMES: readonly string[] = [
  "id",
  "name",
  "status",
  "a",
  "b",
  "c",
  "jobs",
  "taskProxies",
];

/**
 * Aliases fields may take. Some are also field names, so an alias can shadow
 * another field's name. Never `id`: a key `id` naming another field collides
 * with rule A's identity, which `docs/engine.md` leaves unspecified.
 *
 * @example
 * ```ts
 * import { ALIASES } from "./arbitraries.ts";
 * console.assert(!ALIASES.includes("id"));
 * ```
 */
export const ALIASES: readonly string[] = ["x", "y", "t2", "name", "status"];

/**
 * Object ids, both in deltas and in `ids`/`exids` arguments. ASCII only, so
 * that JS and Rust agree on their sort order.
 *
 * @example
 * ```ts
 * import { ID_ALPHABET } from "./arbitraries.ts";
 * console.assert(ID_ALPHABET.every((id) => /^[\x20-\x7e]+$/.test(id)));
 * ```
 */
export const ID_ALPHABET: readonly string[] = ["~u/a", "~u/b", "~u/c", "~u/a//1/x", "q"];

/** Keys of delta objects: the field names plus an alias and a name no set uses. */
const DELTA_KEYS = [...FIELD_NAMES, "x", "other"];

/** Names that are usually relations in generated sets, the others usually leaves. */
const RELATION_NAMES = new Set(["a", "b", "c", "jobs", "taskProxies"]);

/** Strings that exercise GraphQL and JSON escaping. */
const TRICKY_STRINGS = ["", "x", 'q"b\\s', "tab\tline\nend", "é ✓ 𝄞", "\u0001\u001f", "a/b"];

/** One id. */
const idArb: fc.Arbitrary<string> = fc.constantFrom(...ID_ALPHABET);

/** An `ids`/`exids` value: a list (maybe unsorted, with duplicates, or empty) or a lone string. */
const idListArb: fc.Arbitrary<RefValue> = fc.oneof(
  { weight: 4, arbitrary: fc.array(idArb, { maxLength: 3 }) },
  { weight: 1, arbitrary: idArb },
);

/**
 * `ids`/`exids` arguments of a relation, usually none.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { filterArgsArb } from "./arbitraries.ts";
 * const [args] = fc.sample(filterArgsArb, { seed: 1, numRuns: 1 });
 * console.assert(Object.keys(args).every((k) => k === "ids" || k === "exids"));
 * ```
 */
export const filterArgsArb: fc.Arbitrary<Record<string, RefValue>> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({}) },
  { weight: 3, arbitrary: fc.record({ ids: idListArb }) },
  { weight: 2, arbitrary: fc.record({ exids: idListArb }) },
  { weight: 1, arbitrary: fc.record({ ids: idListArb, exids: idListArb }) },
);

/**
 * Arguments other than `ids`/`exids`, usually none. Values come from small
 * pools so that two sets often agree (and merge) but sometimes differ (and
 * conflict). Ints and floats never share a value (`3` vs `3.0` is left open).
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { otherArgsArb } from "./arbitraries.ts";
 * for (const args of fc.sample(otherArgsArb, { seed: 1, numRuns: 20 })) {
 *   console.assert(!("ids" in args) && !("exids" in args));
 * }
 * ```
 */
export const otherArgsArb: fc.Arbitrary<Record<string, RefValue>> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        first: fc.constantFrom(0, 3, -1),
        sort: fc.constantFrom(new RefEnum("ASC"), new RefEnum("DESC")),
        where: fc.constantFrom<RefValue>(
          { a: "x" },
          { a: "x", b: [1, 2] },
          { b: [1, 2], a: "x" }, // equal to the one before: field order is not significant
          { a: "y", n: { s: new RefEnum("ON") } },
        ),
        flag: fc.boolean(),
        s: fc.constantFrom(...TRICKY_STRINGS),
        f: fc.constantFrom(1.5, -0.25),
        n: fc.constant(null),
      },
      { requiredKeys: [] },
    ).chain((all) => {
      // At most two of them, so that printed sets stay readable.
      const entries = Object.entries(all) as [string, RefValue][];
      return fc.subarray(entries, { maxLength: Math.min(2, entries.length) }).map(
        Object.fromEntries,
      );
    }),
  },
);

/** One field of a level `depth` levels above the deepest. */
function fieldArb(depth: number): fc.Arbitrary<RefField> {
  return fc.constantFrom(...FIELD_NAMES).chain((name): fc.Arbitrary<RefField> => {
    // `id` is always a plain leaf: an aliased or nested `id` touches rule A in ways
    // docs/engine.md leaves open.
    if (name === "id") return fc.constant({ key: "id", name: "id", args: {} });
    const key = fc.oneof(
      { weight: 4, arbitrary: fc.constant(name) },
      { weight: 1, arbitrary: fc.constantFrom(...ALIASES) },
    );
    const relationOdds = RELATION_NAMES.has(name) ? 7 : 2;
    const isRelation = depth > 0
      ? fc.integer({ min: 0, max: 9 }).map((n) => n < relationOdds)
      : fc.constant(false);
    return fc.tuple(key, isRelation).chain(([key, relation]) => {
      if (!relation) return otherArgsArb.map((args) => ({ key, name, args }));
      return fc.tuple(filterArgsArb, otherArgsArb, levelArb(depth - 1)).map(
        ([filters, other, children]) => ({ key, name, args: { ...filters, ...other }, children }),
      );
    });
  });
}

/** A level of 1–4 fields with unique response keys. */
function levelArb(depth: number): fc.Arbitrary<RefField[]> {
  return fc.uniqueArray(fieldArb(depth), { minLength: 1, maxLength: 4, selector: (f) => f.key });
}

/**
 * Random field sets: at most 4 levels deep, 1–4 fields a level, names from
 * {@linkcode FIELD_NAMES}, some aliases, some `ids`/`exids` on relations, some
 * other arguments. `id` is never aliased and never has children.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { fieldSetArb } from "./arbitraries.ts";
 * import { refPrint } from "./reference.ts";
 * const [set] = fc.sample(fieldSetArb, { seed: 7, numRuns: 1 });
 * console.assert(refPrint(set).startsWith("subscription {"));
 * ```
 */
export const fieldSetArb: fc.Arbitrary<RefField[]> = levelArb(3);

// ---------------------------------------------------------------------------
// Set variants

/**
 * A random sub-set of `level`: each field kept or not, each kept relation
 * pruned in turn, never empty. With `lawSafe`, each level keeps a field not
 * named `id`, so that no level becomes an existence level.
 */
function pruneArb(level: RefField[], lawSafe: boolean): fc.Arbitrary<RefField[]> {
  const picks = level.map((f) =>
    fc.tuple(fc.boolean(), f.children ? pruneArb(f.children, lawSafe) : fc.constant(undefined))
      .map(([keep, children]) => ({ keep, field: children ? { ...f, children } : f }))
  );
  return fc.tuple(...picks).map((picked) => {
    const kept = picked.filter((p) => p.keep).map((p) => p.field);
    const needsMore = kept.length === 0 || (lawSafe && kept.every((f) => f.name === "id"));
    if (needsMore) {
      const extra = picked.find((p) => !p.keep && (!lawSafe || p.field.name !== "id"));
      if (extra) kept.push(extra.field);
    }
    return kept;
  });
}

/** `set` with every level given a field other than `id` (a leaf `name`) if it lacks one. */
function makeLawSafe(set: RefField[]): RefField[] {
  const level = set.map((f) => f.children ? { ...f, children: makeLawSafe(f.children) } : f);
  if (level.every((f) => f.name === "id") && !level.some((f) => f.key === "name")) {
    level.push({ key: "name", name: "name", args: {} });
  }
  return level;
}

/**
 * A variant of `set` for merging with another variant: the `ids`/`exids` of
 * some relations redrawn, which never makes a merge conflict, and rarely the
 * other arguments of a field redrawn, which makes conflicts deep in the tree.
 */
function variantArb(set: RefField[]): fc.Arbitrary<RefField[]> {
  return fc.tuple(...set.map((f) => {
    const isFilter = (name: string) => name === "ids" || name === "exids";
    const keptFilters = Object.fromEntries(Object.entries(f.args).filter(([n]) => isFilter(n)));
    const keptOther = Object.fromEntries(Object.entries(f.args).filter(([n]) => !isFilter(n)));
    const filters = f.children
      ? fc.oneof(fc.constant(keptFilters), filterArgsArb)
      : fc.constant(keptFilters);
    const other = fc.oneof(
      { weight: 9, arbitrary: fc.constant(keptOther) },
      { weight: 1, arbitrary: otherArgsArb },
    );
    const children = f.children ? variantArb(f.children) : fc.constant(undefined);
    return fc.tuple(filters, other, children).map(([filters, other, children]) => {
      const out: RefField = { key: f.key, name: f.name, args: { ...filters, ...other } };
      if (children) out.children = children;
      return out;
    });
  }));
}

/**
 * Pairs of sets to merge: half independent (so conflicts of every kind are
 * common), half two prunings of one set with redrawn `ids`/`exids` (so most
 * merge, the filter-combining rules get exercised on shared keys, and the
 * conflicts that remain are deep).
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { mergePairArb } from "./arbitraries.ts";
 * const [[a, b]] = fc.sample(mergePairArb, { seed: 3, numRuns: 1 });
 * console.assert(a.length > 0 && b.length > 0);
 * ```
 */
export const mergePairArb: fc.Arbitrary<[RefField[], RefField[]]> = fc.oneof(
  fc.tuple(fieldSetArb, fieldSetArb),
  fieldSetArb.chain((u) =>
    fc.tuple(
      pruneArb(u, false).chain(variantArb),
      pruneArb(u, false).chain(variantArb),
    )
  ),
);

/** A random permutation of `items`. */
function shuffledArb<T>(items: readonly T[]): fc.Arbitrary<T[]> {
  return fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });
}

/** An `ids`/`exids` value written another way: reordered, an element repeated, a lone string listed. */
function respellIdsArb(value: RefValue): fc.Arbitrary<RefValue> {
  const list = typeof value === "string" ? [value] : value as string[];
  return fc.tuple(shuffledArb(list), fc.constantFrom("list", "repeat", "lone")).map(
    ([ids, how]): RefValue => {
      if (how === "repeat" && ids.length > 0) return [...ids, ids[0]];
      if (how === "lone" && ids.length === 1) return ids[0];
      return ids;
    },
  );
}

/** A constant value with its input-object fields reordered. */
function respellValueArb(value: RefValue): fc.Arbitrary<RefValue> {
  if (value === null || typeof value !== "object" || value instanceof RefEnum) {
    return fc.constant(value);
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? fc.constant([]) : fc.tuple(...value.map(respellValueArb));
  }
  return shuffledArb(Object.keys(value)).chain((keys) =>
    keys.length === 0 ? fc.constant({}) : fc.tuple(...keys.map((k) => respellValueArb(value[k])))
      .map((values) => Object.fromEntries(keys.map((k, i) => [k, values[i]])))
  );
}

/**
 * The same set written differently: fields, arguments and input-object
 * fields reordered, `ids`/`exids` reordered and repeated, lone ids listed.
 * `docs/engine.md` says equal sets print the same text, so both must.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { respellArb } from "./arbitraries.ts";
 * import { refNormalize } from "./reference.ts";
 * const set = [{ key: "w", name: "w", args: { ids: ["a", "b"] }, children: [
 *   { key: "a", name: "a", args: {} }, { key: "b", name: "b", args: {} }] }];
 * for (const other of fc.sample(respellArb(set), { seed: 1, numRuns: 5 })) {
 *   console.assert(JSON.stringify(refNormalize(other)) === JSON.stringify(refNormalize(set)));
 * }
 * ```
 */
export function respellArb(set: RefField[]): fc.Arbitrary<RefField[]> {
  const fields = set.map((f) => {
    const names = Object.keys(f.args);
    const args = shuffledArb(names).chain((order) =>
      order.length === 0
        ? fc.constant({})
        : fc.tuple(...order.map((name) =>
          name === "ids" || name === "exids"
            ? respellIdsArb(f.args[name])
            : respellValueArb(f.args[name])
        )).map((values) =>
          Object.fromEntries(order.map((name, i) => [name, values[i]]))
        )
    );
    const children = f.children ? respellArb(f.children) : fc.constant(undefined);
    return fc.tuple(args, children).map(([args, children]) => {
      const out: RefField = { key: f.key, name: f.name, args };
      if (children) out.children = children;
      return out;
    });
  });
  return fc.tuple(...fields).chain(shuffledArb);
}

/**
 * A GraphQL document with its variables.
 *
 * @example
 * ```ts
 * import type { Document } from "./arbitraries.ts";
 * const doc: Document = { query: "query ($f: Int) { w(first: $f) { a } }", variables: { f: 3 } };
 * console.assert(doc.query.includes("$f"));
 * ```
 */
export interface Document {
  /** The document text. */
  query: string;
  /** The variables, as JSON values. */
  variables: Record<string, unknown>;
}

/** Whether a constant value holds an enum, which JSON variables cannot express. */
function hasEnum(value: RefValue): boolean {
  if (value instanceof RefEnum) return true;
  if (Array.isArray(value)) return value.some(hasEnum);
  return value !== null && typeof value === "object" && Object.values(value).some(hasEnum);
}

/**
 * Writes `set` as a document that uses what `parseSubscription` must
 * resolve, choosing with a PRNG seeded by `seed`: arguments passed as
 * variables or variable defaults, extra arguments from missing variables
 * (dropped), fields split into two selections of one key, inline fragments,
 * named fragments (defined before or after the operation), `@skip`/`@include`
 * that keep a field, skipped fields (some reusing a key with another name),
 * other directives, every operation type, and the `{ … }` shorthand.
 */
function writeDocument(set: RefField[], seed: number): Document {
  let state = (seed >>> 0) || 0x9e3779b9;
  const random = () => { // xorshift32: small, seedable, good enough to pick shapes
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
  const chance = (p: number) => random() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const shuffle = <T>(items: T[]): T[] => {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
  const variables: Record<string, unknown> = {};
  const definitions: string[] = [];
  const fragments: string[] = [];
  let counter = 0;

  const argument = (value: RefValue): string => {
    const r = random();
    if (r < 0.15 && !hasEnum(value)) {
      const name = `v${++counter}`;
      variables[name] = value; // without enums, a constant value is its own JSON
      definitions.push(`$${name}: Any`);
      return `$${name}`;
    }
    if (r < 0.25) {
      const name = `v${++counter}`;
      definitions.push(`$${name}: Any = ${refPrintValue(value)}`);
      return `$${name}`;
    }
    return refPrintValue(value);
  };
  const keeping = (): string => {
    const r = random();
    if (r < 0.7) return "";
    if (r < 0.8) return " @include(if: true)";
    if (r < 0.87) return " @skip(if: false)";
    if (r < 0.94) return ' @deprecated(reason: "ignored")';
    const name = `t${++counter}`;
    variables[name] = true;
    definitions.push(`$${name}: Boolean`);
    return ` @include(if: $${name})`;
  };
  const field = (f: RefField, children: string | undefined): string => {
    let text = f.key === f.name ? f.name : `${f.key}: ${f.name}`;
    const args = Object.entries(f.args).map(([name, value]) => `${name}: ${argument(value)}`);
    if (chance(0.1)) {
      const name = `missing${++counter}`;
      definitions.push(`$${name}: Any`);
      args.push(`extra: $${name}`); // a missing variable without a default drops the argument
    }
    if (args.length > 0) text += `(${shuffle(args).join(", ")})`;
    text += keeping();
    if (children !== undefined) text += ` { ${children} }`;
    return text;
  };
  const level = (fields: RefField[]): string => {
    const pieces: string[] = [];
    for (const f of fields) {
      if (f.children && f.children.length >= 2 && chance(0.2)) {
        const cut = 1 + Math.floor(random() * (f.children.length - 1));
        pieces.push(field(f, level(f.children.slice(0, cut))));
        pieces.push(field(f, level(f.children.slice(cut))));
      } else {
        pieces.push(field(f, f.children && level(f.children)));
      }
    }
    if (chance(0.15)) {
      // Skipped before merging: a key reused for another name must not conflict.
      const [head, tail] = pick([["zz", ""], ["a: zz", ""], ["name: status", ""], [
        "x: jobs",
        " { a }",
      ]]);
      pieces.push(`${head} ${pick(["@skip(if: true)", "@include(if: false)"])}${tail}`);
    }
    const out: string[] = [];
    const shuffled = shuffle(pieces);
    for (let i = 0; i < shuffled.length;) {
      const n = 1 + Math.floor(random() * (shuffled.length - i));
      const group = shuffled.slice(i, i + n).join(" ");
      i += n;
      const r = random();
      if (r < 0.15) out.push(`... on T { ${group} }`);
      else if (r < 0.22) out.push(`... @include(if: true) { ${group} }`);
      else if (r < 0.35) {
        const name = `F${++counter}`;
        fragments.push(`fragment ${name} on T { ${group} }`);
        out.push(`...${name}`);
      } else out.push(group);
    }
    return out.join(" ");
  };

  const body = level(set);
  const defs = definitions.length > 0 ? `(${definitions.join(", ")})` : "";
  const kind = pick(
    defs ? ["subscription", "query", "mutation"] : ["subscription", "query", "mutation", ""],
  );
  const operation = kind === ""
    ? `{ ${body} }`
    : `${kind}${chance(0.5) ? " Op" : ""}${defs} { ${body} }`;
  return { query: shuffle([operation, ...fragments]).join("\n"), variables };
}

/**
 * `set` written as a document full of what parsing must resolve: variables
 * (given, defaulted, missing), fragments, inline fragments, `@skip`/
 * `@include`, split selections, any operation type. It parses to `set`.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { documentArb } from "./arbitraries.ts";
 * import { refNormalize, refParse } from "./reference.ts";
 * const set = [{ key: "w", name: "w", args: { first: 3 }, children: [
 *   { key: "a", name: "a", args: {} }, { key: "b", name: "b", args: {} }] }];
 * for (const { query, variables } of fc.sample(documentArb(set), { seed: 1, numRuns: 10 })) {
 *   const parsed = refNormalize(refParse(query, variables));
 *   console.assert(JSON.stringify(parsed) === JSON.stringify(refNormalize(set)));
 * }
 * ```
 */
export function documentArb(set: RefField[]): fc.Arbitrary<Document> {
  return fc.nat().map((seed) => writeDocument(set, seed));
}

// ---------------------------------------------------------------------------
// Deltas

/**
 * JSON scalars, some as exact text: numbers whose text `JSON.stringify` would
 * change, and strings written with escapes.
 */
const scalarArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...TRICKY_STRINGS, "running", "waiting"),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(
    ...["1e3", "-0", "12345678901234567890", "1.50", "-2.5E-3", "0.1", "1E+2", "1e400"].map((t) =>
      new RawJson(t)
    ),
  ),
  fc.constantFrom(
    ...['"\\u0041"', '"a\\/b"', '"\\ud834\\udd1e"', '"\\u00e9\\n"'].map((t) => new RawJson(t)),
  ),
  fc.boolean(),
  fc.constant(null),
);

/** A value under a delta object's `id` key: mostly an id, sometimes written with an escape, sometimes not a string. */
const idValueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: idArb },
  { weight: 1, arbitrary: fc.constant(new RawJson('"\\u007eu/a"')) }, // the id "~u/a"
  { weight: 1, arbitrary: scalarArb },
);

/**
 * A delta object over {@linkcode DELTA_KEYS}, no key twice, with up to
 * `maxKeys` keys; with `withId`, an `id` key somewhere.
 */
function objectArb(
  depth: number,
  withId = false,
  maxKeys = 4,
): fc.Arbitrary<Record<string, unknown>> {
  const keys = fc.tuple(
    fc.uniqueArray(fc.constantFrom(...DELTA_KEYS), { maxLength: maxKeys }),
    fc.nat(),
  ).map(([keys, at]) => {
    if (!withId || keys.includes("id")) return keys;
    const i = at % (keys.length + 1);
    return [...keys.slice(0, i), "id", ...keys.slice(i)];
  });
  return keys.chain((keys) =>
    keys.length === 0 ? fc.constant({}) : fc.tuple(
      ...keys.map((k) => k === "id" ? idValueArb : valueArb(depth)),
    ).map((values) => Object.fromEntries(keys.map((k, i) => [k, values[i]])))
  );
}

/** Any delta value with at most `depth` more levels of nesting. */
function valueArb(depth: number): fc.Arbitrary<unknown> {
  if (depth === 0) return scalarArb;
  return fc.oneof(
    { weight: 3, arbitrary: scalarArb },
    { weight: 2, arbitrary: objectArb(depth - 1) },
    {
      weight: 3,
      // Lists of objects with ids, mostly unique (what schedulers send)...
      arbitrary: fc.uniqueArray(objectArb(depth - 1, true, 3), {
        maxLength: 3,
        selector: (o) => typeof o.id === "string" ? o.id : Symbol(),
      }),
    },
    {
      weight: 1,
      // ...and sometimes anything: repeated or missing ids, nulls, scalars, nested lists.
      arbitrary: fc.array(
        fc.oneof(
          objectArb(depth - 1, false, 3),
          scalarArb,
          fc.array(objectArb(depth - 1, false, 2), { maxLength: 2 }),
        ),
        { maxLength: 3 },
      ),
    },
  );
}

/**
 * Random deltas: a JSON object (up to 5 levels deep) over the names of
 * {@linkcode FIELD_NAMES}, with nested objects, lists of objects with ids
 * from {@linkcode ID_ALPHABET}, nulls, and scalars of every kind. No object
 * has a key twice. Print with {@linkcode stringifyJson}.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { deltaArb } from "./arbitraries.ts";
 * import { stringifyJson } from "./reference.ts";
 * const [delta] = fc.sample(deltaArb, { seed: 5, numRuns: 1 });
 * console.assert(stringifyJson(delta).startsWith("{"));
 * ```
 */
export const deltaArb: fc.Arbitrary<Record<string, unknown>> = objectArb(4, false, 6);

/**
 * `delta` with an `id` on every object in a list and on every object that
 * had one, all different. The merge law aligns list elements by `id`, and a
 * delta written this way lets the union of two results be ordered by the
 * position of each id in the delta text.
 */
function withUniqueIds(delta: Record<string, unknown>, rotate: number): Record<string, unknown> {
  const start = rotate % ID_ALPHABET.length;
  const pool = [...ID_ALPHABET.slice(start), ...ID_ALPHABET.slice(0, start)];
  let next = 0;
  const fresh = () => next < pool.length ? pool[next++] : `~u/z${next++}`;
  const visit = (value: unknown, inList: boolean): unknown => {
    if (Array.isArray(value)) return value.map((v) => visit(v, true));
    if (value === null || typeof value !== "object" || value instanceof RawJson) return value;
    const entries = Object.entries(value);
    const out: [string, unknown][] = [];
    if (inList && !Object.hasOwn(value, "id")) out.push(["id", fresh()]);
    for (const [k, v] of entries) out.push([k, k === "id" ? fresh() : visit(v, false)]);
    return Object.fromEntries(out);
  };
  return visit(delta, false) as Record<string, unknown>;
}

/** The names of a level's fields, and for each name the union of its fields' sub-selections. */
function namesOf(level: RefField[]): Map<string, RefField[] | undefined> {
  const names = new Map<string, RefField[] | undefined>();
  for (const f of level) {
    const before = names.get(f.name);
    names.set(f.name, f.children ? [...(before ?? []), ...f.children] : before);
  }
  return names;
}

/**
 * A delta object shaped by the selection `level`: mostly its names, some
 * others, and under a relation's name a value shaped by its sub-selection.
 */
function guidedObjectArb(
  level: RefField[],
  depth: number,
  withId = false,
  maxKeys = 4,
): fc.Arbitrary<Record<string, unknown>> {
  const names = namesOf(level);
  const keyArb = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...names.keys()) },
    { weight: 1, arbitrary: fc.constantFrom(...DELTA_KEYS) },
  );
  const keys = fc.tuple(fc.uniqueArray(keyArb, { maxLength: maxKeys }), fc.nat()).map(
    ([keys, at]) => {
      if (!withId || keys.includes("id")) return keys;
      const i = at % (keys.length + 1);
      return [...keys.slice(0, i), "id", ...keys.slice(i)];
    },
  );
  return keys.chain((keys) =>
    keys.length === 0 ? fc.constant({}) : fc.tuple(...keys.map((k) => {
      if (k === "id") return idValueArb;
      const children = names.get(k);
      return children && depth > 0 ? guidedValueArb(children, depth - 1) : valueArb(depth);
    })).map((values) => Object.fromEntries(keys.map((k, i) => [k, values[i]])))
  );
}

/** A value under a relation whose sub-selection is `level`: mostly an object or a list of them. */
function guidedValueArb(level: RefField[], depth: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 1, arbitrary: scalarArb },
    { weight: 3, arbitrary: guidedObjectArb(level, depth) },
    {
      weight: 5,
      arbitrary: fc.uniqueArray(guidedObjectArb(level, depth, true, 3), {
        maxLength: 3,
        selector: (o) => typeof o.id === "string" ? o.id : Symbol(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.array(fc.oneof(guidedObjectArb(level, depth, false, 3), scalarArb), {
        maxLength: 3,
      }),
    },
  );
}

/**
 * Deltas for `set`: half free ({@linkcode deltaArb}), half shaped by the set,
 * whose keys follow its names level by level, so that intersections reach
 * deep (with free deltas alone most overlaps would stop at the root).
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { deltaForArb } from "./arbitraries.ts";
 * import { refParse } from "./reference.ts";
 * const set = refParse("{ jobs { status } }");
 * const deltas = fc.sample(deltaForArb(set), { seed: 1, numRuns: 20 });
 * console.assert(deltas.some((d) => "jobs" in d));
 * ```
 */
export function deltaForArb(set: RefField[]): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof(deltaArb, guidedObjectArb(set, 4, false, 6));
}

/**
 * A field set and a delta for it.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { setAndDeltaArb } from "./arbitraries.ts";
 * const [[set, delta]] = fc.sample(setAndDeltaArb, { seed: 1, numRuns: 1 });
 * console.assert(set.length > 0 && typeof delta === "object");
 * ```
 */
export const setAndDeltaArb: fc.Arbitrary<[RefField[], Record<string, unknown>]> = fieldSetArb
  .chain((set) => fc.tuple(fc.constant(set), deltaForArb(set)));

/**
 * A case of the merge law: two sets and a delta.
 *
 * @example
 * ```ts
 * import type { LawCase } from "./arbitraries.ts";
 * const c: LawCase = {
 *   a: [{ key: "name", name: "name", args: {} }],
 *   b: [{ key: "status", name: "status", args: {} }],
 *   delta: { name: "n", status: "s" },
 * };
 * console.assert(c.a.length === 1);
 * ```
 */
export interface LawCase {
  /** One set. */
  a: RefField[];
  /** The other set. */
  b: RefField[];
  /** A delta whose objects in lists all have distinct string ids. */
  delta: Record<string, unknown>;
}

/**
 * Cases for the merge law: two prunings of one set, so that a shared key
 * always has the same name, the same arguments (`ids`/`exids` included) and
 * the same leaf-or-selection shape, and no level is id-only; and a delta in
 * which every object in a list, and every object with an `id`, has a
 * distinct string `id`.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { lawCaseArb } from "./arbitraries.ts";
 * import { stringifyJson } from "./reference.ts";
 * const [{ a, delta }] = fc.sample(lawCaseArb, { seed: 5, numRuns: 1 });
 * console.assert(a.some((f) => f.name !== "id"));
 * const ids = [...stringifyJson(delta).matchAll(/"id":("[^"]*")/g)].map((m) => m[1]);
 * console.assert(new Set(ids).size === ids.length);
 * ```
 */
export const lawCaseArb: fc.Arbitrary<LawCase> = fieldSetArb.map(makeLawSafe).chain((u) =>
  fc.record({
    a: pruneArb(u, true),
    b: pruneArb(u, true),
    delta: fc.tuple(deltaForArb(u), fc.nat()).map(([d, rotate]) => withUniqueIds(d, rotate)),
  })
);

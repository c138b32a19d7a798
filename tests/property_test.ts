/**
 * Property tests of the WASM engine (`wasm/mod.ts`) against the reference in
 * `reference.ts` and against the laws of `docs/engine.md`. Seeds are fixed,
 * so a run is reproducible; a failure names the set as GraphQL text and the
 * delta as JSON text, ready to paste into a unit test.
 *
 * Every FieldSet and Sieve is disposed (`using`, or `try`/`finally` for
 * arrays of them), so that thousands of cases do not leak WASM memory.
 *
 * @module
 */
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { assert, assertEquals, assertThrows } from "./assert.ts";
import {
  deltaForArb,
  documentArb,
  fieldSetArb,
  lawCaseArb,
  mergePairArb,
  respellArb,
  setAndDeltaArb,
} from "./arbitraries.ts";
import {
  type RefField,
  refIntersect,
  refMerge,
  RefMergeConflictError,
  refNormalize,
  refParse,
  refPrint,
  stringifyJson,
} from "./reference.ts";
import {
  type FieldSet,
  intersect,
  intersectJson,
  merge,
  MergeConflictError,
  parseSubscription,
  printSubscription,
  Sieve,
} from "../wasm/mod.ts";

/** One seed for every property: a failure seen once is seen again. */
const SEED = 42;

/** The reference's answer as the text the engine must produce. */
function refIntersectJson(delta: Record<string, unknown>, set: RefField[]): string | undefined {
  const result = refIntersect(delta, set);
  return result === undefined ? undefined : stringifyJson(result);
}

/** A readable account of a case, for assertion messages. */
function explain(lines: Record<string, unknown>): string {
  return Object.entries(lines).map(([name, value]) =>
    `\n  ${name}: ${typeof value === "string" ? value : String(value)}`
  ).join("");
}

/**
 * The delta text with whitespace around every token. Whitespace between
 * tokens must not matter; whitespace inside a leaf would be kept, so the
 * results are compared after `JSON.parse`.
 */
function spaced(value: unknown): string {
  if (Array.isArray(value)) return `[ ${value.map(spaced).join(" ,\n ")} ]`;
  if (
    value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype
  ) {
    const members = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)} :\t${spaced(v)}`);
    return `{\n ${members.join(" , ")} }`;
  }
  return stringifyJson(value);
}

/**
 * The JSON text with some characters of its strings (keys included) written
 * as `\\uXXXX` escapes, picked by `seed`. Existing escapes and surrogate
 * pairs are left alone.
 */
function escapeSome(json: string, seed: number): string {
  let n = seed;
  return json.replace(/"(?:[^"\\]|\\.)*"/g, (token) => {
    let out = '"';
    for (let i = 1; i < token.length - 1; i++) {
      const unit = token.charCodeAt(i);
      if (token[i] === "\\") {
        const length = token[i + 1] === "u" ? 6 : 2;
        out += token.slice(i, i + length);
        i += length - 1;
      } else if ((unit < 0xd800 || unit > 0xdfff) && n++ % 3 === 0) {
        out += `\\u${unit.toString(16).padStart(4, "0")}`;
      } else {
        out += token[i];
      }
    }
    return out + '"';
  });
}

/** Whether a parsed JSON value holds a number JSON.parse could not represent (`1e400`). */
function hasNonFinite(value: unknown): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (value === null || typeof value !== "object") return false;
  return Object.values(value).some(hasNonFinite);
}

Deno.test("property: intersectJson equals the reference, byte for byte", () => {
  fc.assert(
    fc.property(setAndDeltaArb, ([set, delta]) => {
      const query = refPrint(set);
      const deltaJson = stringifyJson(delta);
      using fieldSet = parseSubscription(query);
      const actual = intersectJson(deltaJson, fieldSet);
      const expected = refIntersectJson(delta, set);
      assertEquals(actual, expected, explain({ query, deltaJson, actual, expected }));
    }),
    { seed: SEED, numRuns: 5000 },
  );
});

Deno.test("property: intersect on objects agrees with intersectJson; spelling does not matter", () => {
  fc.assert(
    fc.property(setAndDeltaArb, fc.nat(), ([set, delta], seed) => {
      const query = refPrint(set);
      const deltaJson = stringifyJson(delta);
      using fieldSet = parseSubscription(query);
      const viaText = intersectJson(deltaJson, fieldSet);
      // The object API sees JSON.parse'd numbers (1e3 is 1000, -0 is -0), so
      // both sides are compared as JSON.stringify of JSON.parse'd values, in
      // which key order is kept.
      const normalise = (text: string | undefined) =>
        text === undefined ? undefined : JSON.stringify(JSON.parse(text));
      const object = JSON.parse(deltaJson);
      const viaObject = JSON.stringify(intersect(object, fieldSet));
      // 1e400 parses to Infinity, which JSON.stringify writes as null: such an
      // object is not the delta any more, and means what its JSON text means.
      const faithful = !hasNonFinite(object);
      const expected = faithful ? viaText : intersectJson(JSON.stringify(object), fieldSet);
      assertEquals(
        viaObject,
        normalise(expected),
        explain({ query, deltaJson, viaObject, expected }),
      );
      // Whitespace between tokens and escapes in keys, ids and strings change
      // the text, not the meaning. Leaves keep their text, so compare parsed.
      for (const other of [spaced(delta), escapeSome(deltaJson, seed)]) {
        const viaOther = intersectJson(other, fieldSet);
        assertEquals(
          normalise(viaOther),
          normalise(viaText),
          explain({ query, deltaJson: other, viaOther, viaText }),
        );
      }
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

Deno.test("property: a Sieve's filter equals intersectJson per set; removed sets are gone", () => {
  const sieveCase = fc.array(fieldSetArb, { minLength: 1, maxLength: 24 }).chain((sets) =>
    fc.tuple(
      fc.constant(sets),
      fc.array(fc.nat(sets.length - 1).chain((i) => deltaForArb(sets[i])), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.nat(sets.length - 1),
    )
  );
  fc.assert(
    fc.property(sieveCase, ([sets, deltas, removed]) => {
      const queries = sets.map(refPrint);
      const fieldSets: FieldSet[] = [];
      using sieve = new Sieve();
      try {
        const ids: number[] = [];
        for (const query of queries) {
          const fieldSet = parseSubscription(query);
          fieldSets.push(fieldSet);
          // The sieve copies the set in: a set added and disposed at once must still filter.
          using copy = parseSubscription(query);
          ids.push(sieve.add(copy));
        }
        assertEquals(new Set(ids).size, ids.length, "add returns distinct ids");
        for (const delta of deltas) {
          const deltaJson = stringifyJson(delta);
          const expected = new Map<number, string>();
          fieldSets.forEach((fieldSet, i) => {
            const result = intersectJson(deltaJson, fieldSet);
            if (result !== undefined) expected.set(ids[i], result);
          });
          const actual = sieve.filter(deltaJson);
          const context = explain({ deltaJson, queries: JSON.stringify(queries) });
          assertEquals(new Map(actual), expected, context);
          assertEquals([...actual.keys()], [...expected.keys()], `in id order: ${context}`);
        }
        sieve.remove(ids[removed]);
        for (const delta of deltas) {
          const deltaJson = stringifyJson(delta);
          const actual = sieve.filter(deltaJson);
          assert(!actual.has(ids[removed]), `removed id ${ids[removed]} still filtered`);
          fieldSets.forEach((fieldSet, i) => {
            if (i === removed) return;
            assertEquals(actual.get(ids[i]), intersectJson(deltaJson, fieldSet));
          });
        }
      } finally {
        for (const fieldSet of fieldSets) fieldSet.dispose();
      }
    }),
    { seed: SEED, numRuns: 300 },
  );
});

Deno.test("property: printing round-trips, is canonical, and re-parses to an equal set", () => {
  fc.assert(
    fc.property(setAndDeltaArb, ([set, delta]) => {
      const query = refPrint(set);
      const deltaJson = stringifyJson(delta);
      using parsed = parseSubscription(query);
      const printed = printSubscription(parsed);
      using reparsed = parseSubscription(printed);
      assertEquals(printSubscription(reparsed), printed, explain({ query, printed }));
      // Read the printed text back with graphql-js: it must be the same set.
      assertEquals(refNormalize(refParse(printed)), refNormalize(set), explain({ query, printed }));
      assertEquals(
        intersectJson(deltaJson, reparsed),
        intersectJson(deltaJson, parsed),
        explain({ query, printed, deltaJson }),
      );
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

Deno.test("property: one set written two ways prints the same text", () => {
  fc.assert(
    fc.property(
      fieldSetArb.chain((set) => fc.tuple(fc.constant(set), respellArb(set))),
      ([set, respelt]) => {
        const one = refPrint(set);
        const other = refPrint(respelt);
        using a = parseSubscription(one);
        using b = parseSubscription(other);
        assertEquals(printSubscription(b), printSubscription(a), explain({ one, other }));
      },
    ),
    { seed: SEED, numRuns: 1000 },
  );
});

Deno.test("property: fragments, variables and directives parse to the set they spell", () => {
  fc.assert(
    fc.property(
      fieldSetArb.chain((set) => fc.tuple(fc.constant(set), documentArb(set))),
      ([set, { query, variables }]) => {
        const plain = refPrint(set);
        const vars = JSON.stringify(variables);
        // The reference reads the document as the set, which checks the arbitrary...
        assertEquals(
          refNormalize(refParse(query, variables)),
          refNormalize(set),
          explain({ query, vars }),
        );
        // ...and the engine must read it as the same set: the same canonical text.
        using expected = parseSubscription(plain);
        using actual = parseSubscription(query, variables);
        assertEquals(
          printSubscription(actual),
          printSubscription(expected),
          explain({ query, vars, plain }),
        );
      },
    ),
    { seed: SEED, numRuns: 2000 },
  );
});

Deno.test("property: merge agrees with the reference merge, conflicts included", () => {
  const mergeCase = mergePairArb.chain(([a, b]) =>
    fc.tuple(fc.constant(a), fc.constant(b), fc.oneof(deltaForArb(a), deltaForArb(b)))
  );
  fc.assert(
    fc.property(mergeCase, ([a, b, delta]) => {
      const queryA = refPrint(a);
      const queryB = refPrint(b);
      const deltaJson = stringifyJson(delta);
      let expected: RefField[];
      try {
        expected = refMerge(a, b);
      } catch (error) {
        if (!(error instanceof RefMergeConflictError)) throw error;
        using setA = parseSubscription(queryA);
        using setB = parseSubscription(queryB);
        for (const [x, y] of [[setA, setB], [setB, setA]]) {
          const thrown = assertThrows(() => merge(x, y).dispose(), MergeConflictError);
          assert(
            error.paths.some((path) => thrown.message.includes(path)),
            explain({ queryA, queryB, message: thrown.message, paths: error.paths.join(" ") }),
          );
        }
        return;
      }
      using setA = parseSubscription(queryA);
      using setB = parseSubscription(queryB);
      using merged = merge(setA, setB);
      const actual = intersectJson(deltaJson, merged);
      const reference = refIntersectJson(delta, expected);
      assertEquals(actual, reference, explain({ queryA, queryB, deltaJson, actual, reference }));
      const printed = printSubscription(merged);
      assertEquals(
        refNormalize(refParse(printed)),
        refNormalize(expected),
        explain({ queryA, queryB, printed, reference: refPrint(refNormalize(expected)) }),
      );
      using swapped = merge(setB, setA);
      assertEquals(printSubscription(swapped), printed, "merge is commutative");
      using again = merge(setA, setB, setA, merged);
      assertEquals(printSubscription(again), printed, "merge is idempotent, and n-ary");
      using alone = merge(setA);
      assertEquals(
        printSubscription(alone),
        printSubscription(setA),
        "merge of one set is that set",
      );
      using nothing = merge();
      assertEquals(intersectJson(deltaJson, nothing), undefined, "merge() selects nothing");
    }),
    { seed: SEED, numRuns: 3000 },
  );
});

/** The position of each object `id` in the delta text, which orders united lists. */
function idOrder(value: unknown, order = new Map<string, number>()): Map<string, number> {
  if (Array.isArray(value)) {
    for (const item of value) idOrder(item, order);
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "id" && typeof v === "string" && !order.has(v)) order.set(v, order.size);
      idOrder(v, order);
    }
  }
  return order;
}

/**
 * The deep union of two intersection results: objects by key, lists by
 * element `id` in delta order, equal values once. Object key order is not
 * compared (assertEquals ignores it); the reference property checks order.
 */
function deepUnion(x: unknown, y: unknown, order: Map<string, number>): unknown {
  if (x === undefined) return y;
  if (y === undefined || isDeepStrictEqual(x, y)) return x;
  if (Array.isArray(x) && Array.isArray(y)) {
    const byId = new Map<string, unknown>();
    for (const item of [...x, ...y]) {
      const id = (item as { id: string }).id;
      byId.set(id, deepUnion(byId.get(id), item, order));
    }
    return [...byId.entries()].sort(([p], [q]) => order.get(p)! - order.get(q)!).map(([, v]) => v);
  }
  if (x !== null && typeof x === "object" && y !== null && typeof y === "object") {
    const out: Record<string, unknown> = { ...x };
    for (const [k, v] of Object.entries(y)) out[k] = deepUnion(out[k], v, order);
    return out;
  }
  throw new Error(`cannot unite ${JSON.stringify(x)} and ${JSON.stringify(y)}`);
}

Deno.test("property: the intersection with a merge is the union of the intersections", () => {
  fc.assert(
    fc.property(lawCaseArb, ({ a, b, delta }) => {
      const queryA = refPrint(a);
      const queryB = refPrint(b);
      const deltaJson = stringifyJson(delta);
      using setA = parseSubscription(queryA);
      using setB = parseSubscription(queryB);
      using merged = merge(setA, setB);
      const parse = (text: string | undefined) => text === undefined ? undefined : JSON.parse(text);
      const ofA = parse(intersectJson(deltaJson, setA));
      const ofB = parse(intersectJson(deltaJson, setB));
      const ofMerged = parse(intersectJson(deltaJson, merged));
      const union = deepUnion(ofA, ofB, idOrder(JSON.parse(deltaJson)));
      assertEquals(
        ofMerged,
        union,
        explain({
          queryA,
          queryB,
          deltaJson,
          ofA: JSON.stringify(ofA),
          ofB: JSON.stringify(ofB),
          ofMerged: JSON.stringify(ofMerged),
        }),
      );
    }),
    { seed: SEED, numRuns: 3000 },
  );
});

Deno.test("contract: output follows the set's key order, not the delta's", () => {
  // docs/engine.md: response keys in order (aliases of `id` right after the
  // identity), whatever order the scheduler wrote. The delta below lists
  // every object's keys backwards; the keyed `ids` filter and the class of
  // two equal views must not change the order either.
  const query = '{ w(ids: ["a", "b"]) { z j { y s } i: id b } a }';
  const deltaJson = '{"a":0,"w":[{"z":1,"j":[{"s":2,"y":3,"id":"j1"}],"b":4,"id":"a"},' +
    '{"b":5,"id":"c"}]}';
  const expected = '{"a":0,"w":[{"id":"a","i":"a","b":4,"j":[{"id":"j1","s":2,"y":3}],"z":1}]}';
  assertEquals(stringifyJson(refIntersect(JSON.parse(deltaJson), refParse(query))), expected);
  using set = parseSubscription(query);
  assertEquals(intersectJson(deltaJson, set), expected);
  using sieve = new Sieve();
  const ids = [sieve.add(set), sieve.add(set)];
  assertEquals(new Map(sieve.filter(deltaJson)), new Map(ids.map((id) => [id, expected])));
});

Deno.test("contract: errors have the documented classes", () => {
  assertThrows(() => parseSubscription("subscription { a( }"), SyntaxError, "line 1, column ");
  assertThrows(() => parseSubscription("{ ...F }"), TypeError);
  assertThrows(() => parseSubscription("{ w(ids: [1]) { a } }"), TypeError);
  const deep = "{ a ".repeat(200) + " }".repeat(200); // well past 128, whichever way levels count
  assertThrows(() => parseSubscription(deep), RangeError);
  // Selections of one key in a document merge "with the rules of merge"; docs/engine.md
  // does not say whether a conflict there is a MergeConflictError or a TypeError.
  const conflict = assertThrows(() => parseSubscription("{ x: a x: b }"), Error, "x");
  assert(conflict instanceof MergeConflictError || conflict instanceof TypeError, String(conflict));
  using set = parseSubscription("{ a }");
  assertThrows(() => intersectJson('{"a":}', set), SyntaxError, "at byte ");
  assertThrows(() => intersectJson('{"a":1,"a":2}', set), SyntaxError);
  assertThrows(() => intersectJson("[]", set), TypeError);
  assertThrows(() => intersectJson(`{"a":${"[".repeat(200)}${"]".repeat(200)}}`, set), RangeError);
});

/**
 * Checks that baseline (b) implements docs/engine.md: hand-written cases for
 * each rule, then agreement with the wasm engine on all 1,000 benchmark
 * subscriptions (so the benchmark compares equal work).
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import { assert, assertEquals, assertThrows } from "../tests/assert.ts";
import { intersectJson, parseSubscription, Sieve } from "../wasm/mod.ts";
import {
  makeDelta,
  makeHighOverlapDelta,
  makeHighOverlapSubscriptions,
  makeSubscriptions,
  type SubscriptionFixture,
} from "./fixtures.ts";
import { executeForAll, prepareSubscribers } from "./graphql_execute.ts";
import { buildBenchSchema } from "./schema.ts";
import {
  compileSubscription,
  filterDelta,
  filterJson,
  type JsonObject,
  TsSieve,
} from "./ts_filter.ts";

function run(query: string, delta: JsonObject, variables?: Record<string, unknown>) {
  return filterDelta(delta, compileSubscription(query, variables));
}

Deno.test("leaves are copied whole, whatever their value", () => {
  const delta = { w: [{ id: "a", t: { x: [1, { y: null }] }, n: null, l: [1, "2"] }] };
  assertEquals(run("{ w { t n l } }", delta), delta);
});

Deno.test("relations: objects recurse, lists filter, null is kept, scalars drop", () => {
  const delta = {
    w: [{
      id: "a",
      parent: { id: "p", name: "P", other: 1 },
      cleared: null,
      scalar: 3,
      list: [{ id: "x", s: 1 }, null, 7, [{ s: 2 }], { id: "y" }, { s: 3 }],
    }],
  };
  const query = "{ w { parent { name } cleared { name } scalar { name } list { s } } }";
  assertEquals(run(query, delta), {
    w: [{
      id: "a",
      parent: { id: "p", name: "P" },
      cleared: null,
      list: [{ id: "x", s: 1 }, { s: 3 }],
    }],
  });
});

Deno.test("ids / exids filter objects by their id string", () => {
  const delta = { w: [{ id: "a", s: 1 }, { id: "b", s: 2 }, { s: 3 }, { id: 4, s: 4 }] };
  assertEquals(run('{ w(ids: ["b", "z"]) { s } }', delta), { w: [{ id: "b", s: 2 }] });
  assertEquals(run('{ w(ids: "a") { s } }', delta), { w: [{ id: "a", s: 1 }] });
  assertEquals(run('{ w(exids: ["b"]) { s } }', delta), {
    w: [{ id: "a", s: 1 }, { s: 3 }, { id: 4, s: 4 }],
  });
  // A single object is filtered too.
  const one = { w: { id: "a", s: 1 } };
  assertEquals(run('{ w(ids: ["b"]) { s } }', one), undefined);
  assertEquals(run('{ w(exids: ["b"]) { s } }', one), one);
});

Deno.test("identity: an emitted object carries its id, first", () => {
  const delta = { w: [{ s: 1, id: "a", t: 2 }] };
  assertEquals(JSON.stringify(run("{ w { t } }", delta)), '{"w":[{"id":"a","t":2}]}');
  assertEquals(JSON.stringify(run("{ w { t s } }", delta)), '{"w":[{"id":"a","s":1,"t":2}]}');
});

Deno.test("emission: only fields other than id make an object emitted", () => {
  const delta = { w: [{ id: "a" }, { id: "b", s: 1 }] };
  assertEquals(run("{ w { id s } }", delta), { w: [{ id: "b", s: 1 }] });
  assertEquals(run("{ w { id t } }", delta), undefined);
});

Deno.test("existence level: every field is id, so presence is enough", () => {
  const delta = { w: [{ id: "a", s: 1 }, { s: 2 }], v: { id: "c" } };
  assertEquals(run("{ w { id } v { id } }", delta), { w: [{ id: "a" }, {}], v: { id: "c" } });
});

Deno.test("root: no identity rule, id counts like any field", () => {
  assertEquals(run("{ s }", { id: "r", s: 1 }), { s: 1 });
  assertEquals(run("{ id }", { id: "r", s: 1 }), { id: "r" });
  assertEquals(run("{ t }", { id: "r", s: 1 }), undefined);
});

Deno.test("aliases key the output, in the set's order (by response key)", () => {
  const delta = { w: [{ id: "a", s: 1, t: 2 }] };
  assertEquals(
    JSON.stringify(run("{ w { t b: s a: s } }", delta)),
    '{"w":[{"id":"a","a":1,"b":1,"t":2}]}',
  );
});

Deno.test("key order: the set's (by response key), not the delta's, as the engine", () => {
  const query = '{ w(ids: ["a"]) { z j { y s } i: id b } a }';
  const deltaJson = '{"a":0,"w":[{"z":1,"j":[{"s":2,"y":3,"id":"j1"}],"b":4,"id":"a"}]}';
  using set = parseSubscription(query);
  const expected = '{"a":0,"w":[{"id":"a","i":"a","b":4,"j":[{"id":"j1","s":2,"y":3}],"z":1}]}';
  assertEquals(intersectJson(deltaJson, set), expected);
  assertEquals(filterJson(deltaJson, compileSubscription(query)), expected);
});

Deno.test("fragments, variables, defaults and directives resolve as GraphQL does", () => {
  const delta = { w: [{ id: "a", s: 1, t: 2, u: 3 }, { id: "b", s: 4 }] };
  const query = `
    subscription ($ids: [ID], $on: Boolean = true, $off: Boolean!, $gone: [ID]) {
      w(ids: $ids, exids: $gone) { ...F ... on W { t @include(if: $on) } u @skip(if: $off) }
    }
    fragment F on W { s @include(if: false) t }`;
  assertEquals(run(query, delta, { ids: ["a"], off: true }), { w: [{ id: "a", t: 2 }] });
  assertEquals(run(query, delta, { off: false }), { w: [{ id: "a", t: 2, u: 3 }] });
});

Deno.test("repeated response keys merge: ids unioned, a side without ids wins", () => {
  const delta = { w: [{ id: "a", s: 1, t: 2 }, { id: "b", s: 3, t: 4 }, { id: "c", s: 5 }] };
  assertEquals(run('{ w(ids: ["a"]) { s } w(ids: ["b"]) { t } }', delta), {
    w: [{ id: "a", s: 1, t: 2 }, { id: "b", s: 3, t: 4 }],
  });
  assertEquals(run('{ w(ids: ["a"]) { s } w { s } }', delta), {
    w: [{ id: "a", s: 1 }, { id: "b", s: 3 }, { id: "c", s: 5 }],
  });
  assertEquals(run('{ w(exids: ["a", "b"]) { s } w(exids: ["b"]) { s } }', delta), {
    w: [{ id: "a", s: 1 }, { id: "c", s: 5 }],
  });
  assertThrows(() => compileSubscription("{ w: a { s } w: b { s } }"), TypeError, "w");
  assertThrows(() => compileSubscription("{ w { s } w }"), TypeError, "leaf");
});

Deno.test("bad documents throw the documented error classes", () => {
  assertThrows(() => compileSubscription("{ w {"), SyntaxError);
  assertThrows(() => compileSubscription("{ ...F }"), TypeError, "unknown fragment");
  assertThrows(
    () => compileSubscription("{ ...A } fragment A on T { ...B } fragment B on T { ...A }"),
    TypeError,
    "cycle",
  );
  assertThrows(() => compileSubscription("{ a } { b }"), TypeError, "exactly one");
  assertThrows(() => compileSubscription("{ w(ids: [1]) { s } }"), TypeError, "ids");
  assertThrows(() => compileSubscription("{ w @skip(if: 1) }"), TypeError, "boolean");
  const deep = "{ a ".repeat(130) + "}".repeat(130);
  assertThrows(() => compileSubscription(deep), RangeError);
});

Deno.test("filterJson and TsSieve speak JSON text", () => {
  const set = compileSubscription("{ w { s } }");
  assertEquals(filterJson('{"w":[{"id":"a","s":1}]}', set), '{"w":[{"id":"a","s":1}]}');
  assertThrows(() => filterJson("[1]", set), TypeError);
  const sieve = new TsSieve();
  const a = sieve.add(set);
  const b = sieve.add(compileSubscription("{ w { t } }"));
  assertEquals(
    sieve.filter('{"w":[{"id":"a","t":2}]}'),
    new Map([[b, '{"w":[{"id":"a","t":2}]}']]),
  );
  sieve.remove(b);
  assertEquals(sieve.size, 1);
  assertEquals(
    sieve.filter('{"w":[{"id":"a","s":2}]}'),
    new Map([[a, '{"w":[{"id":"a","s":2}]}']]),
  );
});

const DELTA = makeDelta();
const SUBSCRIPTIONS = makeSubscriptions();

/**
 * Checks a fixture's shape: the delta's size within `[min, max]` bytes, and
 * 1,000 distinct subscriptions, valid against the schema and executable by
 * graphql-js without errors.
 */
function checkFixture(
  delta: string,
  subscriptions: readonly SubscriptionFixture[],
  [min, max]: [number, number],
): void {
  const bytes = new TextEncoder().encode(delta).length;
  assert(bytes > min && bytes < max, `delta is ${bytes} bytes`);
  assertEquals(new Set(subscriptions.map((s) => JSON.stringify(s))).size, 1000);
  const results = executeForAll(prepareSubscribers(buildBenchSchema(), subscriptions), delta);
  assertEquals(results.filter((r) => r.includes('"errors"')), []);
}

Deno.test("the fixtures: a ~4 KB delta and 1,000 distinct, valid subscriptions", () => {
  checkFixture(DELTA, SUBSCRIPTIONS, [3500, 4600]);
  // Most overlap the delta, so the benchmark does real work; some do not.
  const delta = JSON.parse(DELTA);
  const overlapping =
    SUBSCRIPTIONS.filter((s) =>
      filterDelta(delta, compileSubscription(s.query, s.variables)) !== undefined
    ).length;
  assert(overlapping > 600 && overlapping < 900, `${overlapping} of 1000 overlap`);
});

Deno.test("TS filter equals the wasm engine on all 1,000 subscriptions", () => {
  const mismatches: string[] = [];
  for (const [i, { query, variables }] of SUBSCRIPTIONS.entries()) {
    using set = parseSubscription(query, variables);
    const wasm = intersectJson(DELTA, set);
    const ts = filterJson(DELTA, compileSubscription(query, variables));
    const same = wasm === undefined || ts === undefined
      ? wasm === ts
      : isDeepStrictEqual(JSON.parse(wasm), JSON.parse(ts));
    if (!same) mismatches.push(`#${i}\n${query}wasm: ${wasm}\nts:   ${ts}`);
  }
  assertEquals(mismatches.length, 0, mismatches.slice(0, 3).join("\n\n"));
});

/**
 * Fills a wasm `Sieve` and a `TsSieve` with `subscriptions` and filters
 * `delta` through both; returns the indexes of the subscriptions whose
 * outputs differ (ids are matched by insertion index, since the two number
 * them freely), and how many overlap.
 */
function compareSieves(
  delta: string,
  subscriptions: readonly SubscriptionFixture[],
): { differing: number[]; overlapping: number; outputs: string[] } {
  const sieve = new Sieve();
  const tsSieve = new TsSieve();
  try {
    const wasmIds: number[] = [];
    const tsIds: number[] = [];
    for (const { query, variables } of subscriptions) {
      using set = parseSubscription(query, variables);
      wasmIds.push(sieve.add(set));
      tsIds.push(tsSieve.add(compileSubscription(query, variables)));
    }
    const wasm = sieve.filter(delta);
    const ts = tsSieve.filter(delta);
    assertEquals(wasm.size, ts.size);
    const differing: number[] = [];
    wasmIds.forEach((id, i) => {
      if (wasm.get(id) !== ts.get(tsIds[i])) differing.push(i);
    });
    return { differing, overlapping: wasm.size, outputs: [...wasm.values()] };
  } finally {
    sieve.dispose();
  }
}

Deno.test("TS filter and wasm agree byte for byte (key order included)", () => {
  const { differing } = compareSieves(DELTA, SUBSCRIPTIONS);
  assertEquals(differing.length, 0, `first differing: #${differing[0]}`);
});

const HIGH_DELTA = makeHighOverlapDelta();
const HIGH_SUBSCRIPTIONS = makeHighOverlapSubscriptions();

Deno.test("the high-overlap fixture: a ~4.4 KB delta, 1,000 distinct views, all overlapping with 1–4 KB each", () => {
  checkFixture(HIGH_DELTA, HIGH_SUBSCRIPTIONS, [4200, 4600]);
  const { differing, overlapping, outputs } = compareSieves(HIGH_DELTA, HIGH_SUBSCRIPTIONS);
  assertEquals(differing.length, 0, `first differing: #${differing[0]}`);
  assertEquals(overlapping, 1000);
  const sizes = outputs.map((o) => o.length);
  assert(
    Math.min(...sizes) >= 1000 && Math.max(...sizes) <= 4400,
    `outputs ${Math.min(...sizes)}–${Math.max(...sizes)} bytes`,
  );
});

Deno.test("the high-overlap fixture: the Sieve equals intersectJson per set", () => {
  using sieve = new Sieve();
  const expected = new Map<number, string>();
  for (const { query, variables } of HIGH_SUBSCRIPTIONS) {
    using set = parseSubscription(query, variables);
    const json = intersectJson(HIGH_DELTA, set);
    const id = sieve.add(set);
    if (json !== undefined) expected.set(id, json);
  }
  assertEquals(new Map(sieve.filter(HIGH_DELTA)), expected);
});

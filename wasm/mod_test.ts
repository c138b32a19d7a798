/**
 * Tests of the engine through its public TypeScript API, one group per
 * operation and rule of docs/engine.md. The Rust crate has its own unit
 * tests; these prove the same behaviour survives the wasm boundary.
 */
import { assert, assertEquals, assertThrows } from "../tests/assert.ts";
import {
  engineMemory,
  FieldSet,
  intersect,
  intersectJson,
  merge,
  MergeConflictError,
  parseSubscription,
  printSubscription,
  Sieve,
  SieveResult,
} from "./mod.ts";
import { MERGED, SEED_DELTA, SEED_EXPECTED, VIEW_1, VIEW_2 } from "../tests/seed.ts";

function overlap(delta: string, query: string): string | undefined {
  using set = parseSubscription(query);
  return intersectJson(delta, set);
}

Deno.test("seed example: the merge of two views intersects the delta as the issue says", () => {
  using view1 = parseSubscription(VIEW_1);
  using view2 = parseSubscription(VIEW_2);
  using merged = merge(view1, view2);
  using expected = parseSubscription(MERGED);
  assertEquals(printSubscription(merged), printSubscription(expected));
  assertEquals(intersectJson(SEED_DELTA, merged), SEED_EXPECTED);
});

Deno.test("rule A: id is carried into every emitted object that has one", () => {
  assertEquals(overlap(`{"t":{"id":"x","s":1,"n":2}}`, "{ t { s } }"), `{"t":{"id":"x","s":1}}`);
  assertEquals(overlap(`{"t":[{"s":1}]}`, "{ t { s } }"), `{"t":[{"s":1}]}`);
});

Deno.test("rule B: an object is emitted only when a selected non-id field is present", () => {
  assertEquals(overlap(`{"t":{"id":"x","n":2}}`, "{ t { id s } }"), undefined);
  assertEquals(overlap(`{"t":{"id":"x","p":{"id":"y"}}}`, "{ t { p { n } } }"), undefined);
});

Deno.test("rule B: an id-only level emits what is present", () => {
  assertEquals(
    overlap(`{"t":{"id":"x","p":{"id":"y","n":1}}}`, "{ t { p { id } } }"),
    `{"t":{"id":"x","p":{"id":"y"}}}`,
  );
  assertEquals(
    overlap(`{"nodes":[{"id":"a"},{"id":"b","x":1}]}`, "{ nodes { id } }"),
    `{"nodes":[{"id":"a"},{"id":"b"}]}`,
  );
});

Deno.test("rule C: no top-level overlap is undefined", () => {
  assertEquals(overlap(`{"a":1}`, "{ b }"), undefined);
  assertEquals(overlap(`{}`, "{ b }"), undefined);
  using set = parseSubscription("{ b }");
  assertEquals(intersect({ a: 1 }, set), undefined);
});

Deno.test("leaves copy the value whole, with number and string text preserved", () => {
  const delta =
    `{"a":1.50e+3,"b":[1,{"x":2}],"c":{"d":null},"e":null,"f":"\\u00e9","g":12345678901234567890}`;
  assertEquals(overlap(delta, "{ a b c e f g }"), delta);
});

Deno.test("selections: objects recurse, lists filter in order, null is kept, scalars dropped", () => {
  const delta =
    `{"t":[{"id":"1","s":"a"},{"id":"2","n":"b"},3,null,{"id":"3","s":"c"}],"u":5,"v":null}`;
  assertEquals(
    overlap(delta, "{ t { s } u { s } v { s } }"),
    `{"t":[{"id":"1","s":"a"},{"id":"3","s":"c"}],"v":null}`,
  );
  assertEquals(overlap(`{"t":[{"id":"2","n":"b"}]}`, "{ t { s } }"), undefined);
});

Deno.test("ids and exids filter objects by id; other arguments do not filter", () => {
  const delta = `{"w":[{"id":"a","s":1},{"id":"b","s":2}]}`;
  assertEquals(overlap(delta, `{ w(ids: ["b"]) { s } }`), `{"w":[{"id":"b","s":2}]}`);
  assertEquals(overlap(delta, `{ w(exids: ["b"]) { s } }`), `{"w":[{"id":"a","s":1}]}`);
  assertEquals(overlap(delta, `{ w(first: 1) { s } }`), delta);
});

Deno.test("output keys are response keys; two aliases of one field both work", () => {
  assertEquals(
    overlap(
      `{"w":[{"id":"a","s":1,"n":"x"},{"id":"b","s":2}]}`,
      `{ one: w(ids: ["a"]) { n } two: w(ids: ["b"]) { st: s } }`,
    ),
    `{"one":[{"id":"a","n":"x"}],"two":[{"id":"b","st":2}]}`,
  );
});

Deno.test("parseSubscription resolves fragments, variables, aliases and skip/include", () => {
  using set = parseSubscription(
    `query($ids: [ID], $hide: Boolean!) {
       w: workflows(ids: $ids) { ...F ... on Workflow { host @skip(if: $hide) } }
     }
     fragment F on Workflow { name status @include(if: $hide) }`,
    { ids: ["x"], hide: true },
  );
  assertEquals(printSubscription(set), `subscription { w: workflows(ids: ["x"]) { name status } }`);
});

Deno.test("parseSubscription keeps field arguments", () => {
  using set = parseSubscription(`{ w(first: 3, sort: {by: NAME}) { n } }`);
  assertEquals(printSubscription(set), `subscription { w(first: 3, sort: {by: NAME}) { n } }`);
});

Deno.test("bad syntax is a SyntaxError naming line and column", () => {
  assertThrows(() => parseSubscription("{\n  a(b: )\n}"), SyntaxError, "line 2, column 8:");
  assertThrows(() => parseSubscription("subscription { }"), SyntaxError, "line 1, column 16:");
  assertThrows(() => parseSubscription(""), SyntaxError, "line 1, column 1:");
});

Deno.test("semantic errors are TypeErrors, deep nesting a RangeError", () => {
  assertThrows(() => parseSubscription("{ ...Nope }"), TypeError, "unknown fragment 'Nope'");
  assertThrows(() => parseSubscription("{ a } { b }"), TypeError, "exactly one operation");
  assertThrows(() => parseSubscription("{ a(ids: [1]) { b } }"), TypeError, "'ids' must be");
  const deep = "{ a ".repeat(130) + "x" + " }".repeat(130);
  assertThrows(() => parseSubscription(deep), RangeError, "128");
  // deno-lint-ignore no-explicit-any
  assertThrows(() => parseSubscription(42 as any), TypeError, "query must be a string");
  // deno-lint-ignore no-explicit-any
  assertThrows(() => parseSubscription("{ a }", [1] as any), TypeError, "variables");
});

Deno.test("merge unions ids, lets a side without ids win, and names conflicts", () => {
  using a = parseSubscription(`{ w(ids: ["a"]) { n } }`);
  using b = parseSubscription(`{ w(ids: ["b"]) { s } }`);
  using all = parseSubscription(`{ w { n } }`);
  using ab = merge(a, b);
  assertEquals(printSubscription(ab), `subscription { w(ids: ["a", "b"]) { n s } }`);
  using aAll = merge(a, all);
  assertEquals(printSubscription(aAll), `subscription { w { n } }`);
  using c = parseSubscription(`{ w { t(first: 1) { n } } }`);
  using d = parseSubscription(`{ w { t(first: 2) { n } } }`);
  assertThrows(() => merge(c, d), MergeConflictError, "'w.t'");
  using empty = merge();
  assertEquals(intersectJson(`{"w":[{"id":"a","n":1}]}`, empty), undefined);
  assertThrows(() => printSubscription(empty), TypeError, "empty field set");
});

Deno.test("printSubscription round-trips to an equal set", () => {
  using a = parseSubscription(VIEW_1);
  using b = parseSubscription(VIEW_2);
  using m = merge(a, b);
  const text = printSubscription(m);
  using again = parseSubscription(text);
  assertEquals(printSubscription(again), text);
  assertEquals(intersectJson(SEED_DELTA, again), intersectJson(SEED_DELTA, m));
});

Deno.test("Sieve.filter equals per-set intersectJson and omits sets with no overlap", () => {
  const queries = [VIEW_1, VIEW_2, "{ other }", `{ workflows(ids: ["nope"]) { status } }`];
  using sieve = new Sieve();
  const sets = queries.map((q) => parseSubscription(q));
  try {
    const ids = sets.map((s) => sieve.add(s));
    assertEquals(ids, [1, 2, 3, 4]);
    assertEquals(sieve.size, 4);
    const expected = new Map<number, string>();
    sets.forEach((s, i) => {
      const out = intersectJson(SEED_DELTA, s);
      if (out !== undefined) expected.set(ids[i], out);
    });
    assertEquals(new Map(sieve.filter(SEED_DELTA)), expected);
    assertEquals([...expected.keys()], [1, 2]);
    assert(sieve.remove(1));
    assert(!sieve.remove(1));
    assert(!sieve.remove(-5));
    assertEquals([...sieve.filter(SEED_DELTA).keys()], [2]);
  } finally {
    sets.forEach((s) => s.dispose());
  }
});

Deno.test("Sieve.filter's result is a read-only map in id order", () => {
  using sieve = new Sieve();
  const sets = ["{ a }", "{ b }", "{ a b }", "{ c }"].map((q) => parseSubscription(q));
  try {
    const ids = sets.map((s) => sieve.add(s));
    const result = sieve.filter(`{"b":2,"a":1}`);
    const expected: [number, string][] = [
      [ids[0], `{"a":1}`],
      [ids[1], `{"b":2}`],
      [ids[2], `{"a":1,"b":2}`],
    ];
    assertEquals(result.size, 3);
    assertEquals([...result], expected);
    assertEquals([...result.entries()], expected);
    assertEquals([...result.keys()], expected.map(([id]) => id));
    assertEquals([...result.values()], expected.map(([, json]) => json));
    assertEquals(result.get(ids[2]), `{"a":1,"b":2}`);
    assertEquals(result.get(ids[3]), undefined);
    assertEquals(result.get(0), undefined);
    assertEquals(result.get(ids[3] + 100), undefined);
    assert(result.has(ids[0]) && !result.has(ids[3]));
    const seen: [number, string][] = [];
    result.forEach((json, id, map) => {
      assert(map === result);
      seen.push([id, json]);
    });
    assertEquals(seen, expected);
    assertEquals(sieve.filter(`{"d":1}`).size, 0);
    assertThrows(
      () => new SieveResult(Symbol("overlap engine"), new Uint32Array(), []),
      TypeError,
      "Sieve.filter",
    );
  } finally {
    sets.forEach((s) => s.dispose());
  }
});

Deno.test("Sieve.add copies the set, so the caller may dispose its own", () => {
  using sieve = new Sieve();
  const set = parseSubscription("{ a }");
  const id = sieve.add(set);
  set.dispose();
  assertEquals(new Map(sieve.filter(`{"a":1}`)), new Map([[id, `{"a":1}`]]));
});

Deno.test("malformed deltas give clear errors with the byte offset and the engine goes on", () => {
  using set = parseSubscription("{ a }");
  using sieve = new Sieve();
  sieve.add(set);
  assertThrows(() => intersectJson(`{"a": }`, set), SyntaxError, "at byte 6");
  assertThrows(() => intersectJson(`[1]`, set), TypeError, "found an array");
  assertThrows(() => intersectJson(`{"a":1,"a":2}`, set), SyntaxError, "duplicate key");
  assertThrows(() => sieve.filter(`{"a"`), SyntaxError, "at byte 4");
  const deep = `{"a":`.repeat(129) + "1" + "}".repeat(129);
  assertThrows(() => intersectJson(deep, set), RangeError, "128");
  assertEquals(intersectJson(`{"a":1}`, set), `{"a":1}`);
  assertEquals(sieve.filter(`{"a":1}`).size, 1);
});

Deno.test("non-ASCII text and lone surrogates cross the boundary intact", () => {
  using set = parseSubscription(`{ w(ids: ["é✓"]) { n } }`);
  assertEquals(overlap(`{"n":"😀 ü"}`, "{ n }"), `{"n":"😀 ü"}`);
  assertEquals(intersectJson(`{"w":[{"id":"é✓","n":1}]}`, set), `{"w":[{"id":"é✓","n":1}]}`);
  // A lone surrogate has no UTF-8 form: it becomes U+FFFD on the way in.
  assertEquals(overlap(`{"n":"\ud800"}`, "{ n }"), `{"n":"\ufffd"}`);
});

Deno.test("a 10 MB delta is handled", () => {
  const items = Array.from(
    { length: 100_000 },
    (_, i) => `{"id":"t${i}","status":"running","pad":"${"x".repeat(60)}"}`,
  );
  const delta = `{"taskProxies":[${items.join(",")}]}`;
  assert(delta.length > 10_000_000);
  using set = parseSubscription(`{ taskProxies(ids: ["t99999", "t5"]) { status } }`);
  assertEquals(
    intersectJson(delta, set),
    `{"taskProxies":[{"id":"t5","status":"running"},{"id":"t99999","status":"running"}]}`,
  );
  using all = parseSubscription(`{ taskProxies { status } }`);
  const out = intersectJson(delta, all)!;
  assertEquals(JSON.parse(out).taskProxies.length, 100_000);
});

Deno.test("random bytes never trap the engine", () => {
  // xorshift32 with a fixed seed: deterministic, no dependency.
  let state = 0x2545f491;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const alphabet = `{}[]:,"\\abidsu0123456789.-eE tnrulfse`;
  const decoder = new TextDecoder();
  using set = parseSubscription(`{ a { b c(ids: ["x"]) { id } } d }`);
  using sieve = new Sieve();
  sieve.add(set);
  let errors = 0;
  for (let n = 0; n < 5000; n++) {
    const len = next() % 48;
    const bytes = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      const r = next();
      bytes[i] = r % 4 === 0 ? r >>> 24 : alphabet.charCodeAt((r >>> 8) % alphabet.length);
    }
    const text = decoder.decode(bytes);
    for (const attempt of [() => intersectJson(text, set), () => sieve.filter(text)]) {
      try {
        attempt();
      } catch (e) {
        errors++;
        assert(
          e instanceof SyntaxError || e instanceof TypeError || e instanceof RangeError,
          `unexpected ${e}`,
        );
      }
    }
    try {
      parseSubscription(text).dispose();
    } catch (e) {
      assert(e instanceof SyntaxError || e instanceof TypeError || e instanceof RangeError);
    }
  }
  assert(errors > 0, "the random inputs should include malformed ones");
  // The engine is intact afterwards.
  assertEquals(intersectJson(`{"d":1}`, set), `{"d":1}`);
});

Deno.test("disposed sets and sieves refuse use; dispose is idempotent and frees memory", () => {
  const before = engineMemory().liveBytes;
  const set = parseSubscription(VIEW_1);
  const sieve = new Sieve();
  sieve.add(set);
  assert(set.bytes > 0);
  assert(engineMemory().liveBytes > before);
  set.dispose();
  set.dispose();
  sieve.dispose();
  sieve.dispose();
  assert(set.disposed);
  assertThrows(() => intersectJson("{}", set), TypeError, "disposed");
  assertThrows(() => sieve.filter("{}"), TypeError, "disposed");
  assertThrows(() => merge(set), TypeError, "disposed");
  // deno-lint-ignore no-explicit-any
  assertThrows(() => new (FieldSet as any)(Symbol("x"), 1), TypeError, "parseSubscription");
  assert(engineMemory().liveBytes <= before + 256, "memory should return to its baseline");
});

Deno.test("the finalizer frees a forgotten set", async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --v8-flags=--expose-gc (deno task test does)");
  const baseline = engineMemory().liveBytes;
  (() => {
    for (let i = 0; i < 200; i++) parseSubscription(VIEW_1);
  })();
  const leaked = engineMemory().liveBytes - baseline;
  assert(leaked > 100_000, `200 sets should hold memory, held ${leaked}`);
  // Finalizers run after a collection, on a later turn of the event loop.
  for (let round = 0; round < 50 && engineMemory().liveBytes - baseline > leaked / 10; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  assert(engineMemory().liveBytes - baseline <= leaked / 10, "forgotten sets were not freed");
});

/**
 * Unit tests of the reference engine in `reference.ts`, one or more per rule
 * of `docs/engine.md`. They run without the WASM engine: the reference must be
 * right before it can judge the engine.
 *
 * @module
 */
import { assert, assertEquals, assertThrows } from "./assert.ts";
import {
  RawJson,
  RefEnum,
  type RefField,
  refIntersect,
  refMerge,
  RefMergeConflictError,
  refNormalize,
  refParse,
  refPrint,
  stringifyJson,
} from "./reference.ts";
import { SEED_DELTA, SEED_EXPECTED, VIEW_1, VIEW_2 } from "./seed.ts";

/** Intersects a delta given as JSON text with a set given as GraphQL; the result as JSON text. */
function run(query: string, delta: string): string | undefined {
  const result = refIntersect(JSON.parse(delta), refParse(query));
  return result === undefined ? undefined : stringifyJson(result);
}

// --- The seed example -------------------------------------------------------

Deno.test("seed example: the delta intersected with the merge of both views", () => {
  const merged = refMerge(refParse(VIEW_1), refParse(VIEW_2));
  const result = refIntersect(JSON.parse(SEED_DELTA), merged);
  assertEquals(
    stringifyJson(result),
    SEED_EXPECTED,
  );
});

Deno.test("seed example: each view alone sees the same task", () => {
  const expected = SEED_EXPECTED;
  assertEquals(run(VIEW_1, SEED_DELTA), expected);
  assertEquals(run(VIEW_2, SEED_DELTA), expected);
});

// --- Rule A: identity --------------------------------------------------------

Deno.test("rule A: an emitted object carries its id even when id is not selected", () => {
  assertEquals(
    run("{ w { status } }", '{"w":{"status":"ok","id":"w1","host":"h"}}'),
    '{"w":{"id":"w1","status":"ok"}}',
  );
});

Deno.test("rule A: the id is emitted first, whatever its value", () => {
  assertEquals(run("{ w { a } }", '{"w":{"id":{"x":[1]},"a":1}}'), '{"w":{"id":{"x":[1]},"a":1}}');
  assertEquals(run("{ w { a } }", '{"w":{"a":1,"id":null}}'), '{"w":{"id":null,"a":1}}');
});

Deno.test("rule A: a selected id is not duplicated", () => {
  assertEquals(run("{ w { id a } }", '{"w":{"a":1,"id":"x"}}'), '{"w":{"id":"x","a":1}}');
});

// --- Rule B: emission ----------------------------------------------------------

Deno.test("rule B: an object whose only included field is id is not emitted", () => {
  assertEquals(run("{ w { id a } }", '{"w":{"id":"x","b":2}}'), undefined);
  assertEquals(
    run("{ w { id a } }", '{"w":[{"id":"x","b":2},{"id":"y","a":1}]}'),
    '{"w":[{"id":"y","a":1}]}',
  );
});

Deno.test("rule B: an object with no id is emitted without one", () => {
  assertEquals(run("{ w { a } }", '{"w":{"a":null}}'), '{"w":{"a":null}}');
});

Deno.test("rule B: an existence level emits every present object", () => {
  assertEquals(run("{ w { id } }", '{"w":{"id":"x","a":1}}'), '{"w":{"id":"x"}}');
  assertEquals(run("{ w { id } }", '{"w":{"a":1}}'), '{"w":{}}');
  assertEquals(run("{ w { id } }", '{"w":{}}'), '{"w":{}}');
  assertEquals(
    run("{ w { id } }", '{"w":[{"a":1},null,3,{"id":"y"},[{"id":"z"}]]}'),
    '{"w":[{},{"id":"y"}]}',
  );
  assertEquals(run("{ w { id } }", '{"w":[]}'), undefined);
  assertEquals(run("{ w { id } }", '{"w":"scalar"}'), undefined);
});

Deno.test("rule B: an existence level still applies ids filters", () => {
  assertEquals(
    run('{ w(ids: ["y"]) { id } }', '{"w":[{"a":1},{"id":"x"},{"id":"y"}]}'),
    '{"w":[{"id":"y"}]}',
  );
});

Deno.test("rule B: an existence level nested under a normal level counts as included", () => {
  assertEquals(
    run("{ w { p { id } } }", '{"w":{"id":"w1","p":{"id":"p1","q":1}}}'),
    '{"w":{"id":"w1","p":{"id":"p1"}}}',
  );
});

// --- Rule C: root ----------------------------------------------------------------

Deno.test("rule C: at the root id counts like any field and is not added", () => {
  assertEquals(run("{ id }", '{"id":"r","a":1}'), '{"id":"r"}');
  assertEquals(run("{ a }", '{"id":"r","a":1}'), '{"a":1}');
  assertEquals(run("{ a }", '{"id":"r","b":1}'), undefined);
  assertEquals(run("{ a }", "{}"), undefined);
});

Deno.test("rule C: a delta that is not an object is a TypeError", () => {
  for (const delta of [[], null, 1, "x"]) {
    assertThrows(() => refIntersect(delta, refParse("{ a }")), TypeError);
  }
});

// --- Step 1: leaves -----------------------------------------------------------------

Deno.test("a leaf copies its value whole: null, list, object, anything", () => {
  assertEquals(run("{ a }", '{"a":null}'), '{"a":null}');
  assertEquals(run("{ a }", '{"a":[1,null,[2],{"id":"x"}]}'), '{"a":[1,null,[2],{"id":"x"}]}');
  assertEquals(run("{ a }", '{"a":{"b":{"c":[]}}}'), '{"a":{"b":{"c":[]}}}');
  assertEquals(run("{ a }", '{"a":[]}'), '{"a":[]}');
  assertEquals(run("{ a }", '{"a":{}}'), '{"a":{}}');
  assertEquals(run("{ w { a } }", '{"w":{"a":false}}'), '{"w":{"a":false}}');
});

Deno.test("a leaf keeps number and string text exactly (via RawJson)", () => {
  const delta = {
    a: new RawJson("1e3"),
    b: new RawJson("-0"),
    c: new RawJson("12345678901234567890"),
    d: new RawJson('"\\u0041\\/"'),
    e: "ignored",
  };
  const set = refParse("{ d c b a }");
  assertEquals(
    stringifyJson(refIntersect(delta, set)),
    '{"a":1e3,"b":-0,"c":12345678901234567890,"d":"\\u0041\\/"}',
  );
});

Deno.test("a leaf with ids is copied whole, unfiltered (the reference's choice)", () => {
  assertEquals(run('{ a(ids: ["x"]) }', '{"a":[{"id":"y"}]}'), '{"a":[{"id":"y"}]}');
});

// --- Step 1: selections -------------------------------------------------------------

Deno.test("a list keeps the emitted elements in order and drops the rest", () => {
  assertEquals(
    run(
      "{ w { a } }",
      '{"w":[{"id":"3","a":3},{"id":"1","b":1},null,7,"s",[{"a":0}],{"id":"2","a":2}]}',
    ),
    '{"w":[{"id":"3","a":3},{"id":"2","a":2}]}',
  );
});

Deno.test("a list with no emitted element is dropped, and so is its parent if nothing else is", () => {
  assertEquals(run("{ w { t { a } } }", '{"w":{"id":"w1","t":[{"id":"x","b":1}]}}'), undefined);
  assertEquals(run("{ w { t { a } } }", '{"w":[{"id":"w1","t":[]}]}'), undefined);
});

Deno.test("a null relation is emitted as null, and counts for rule B", () => {
  assertEquals(
    run("{ w { p { a } } }", '{"w":{"id":"w1","p":null}}'),
    '{"w":{"id":"w1","p":null}}',
  );
  assertEquals(run("{ p { a } }", '{"p":null}'), '{"p":null}');
});

Deno.test("a scalar under a selection is dropped", () => {
  assertEquals(run("{ w { a } }", '{"w":"x"}'), undefined);
  assertEquals(run("{ w { a } }", '{"w":3}'), undefined);
  assertEquals(run("{ w { a } }", '{"w":true}'), undefined);
  assertEquals(run("{ w { p { a } b } }", '{"w":{"p":1,"b":2}}'), '{"w":{"b":2}}');
});

Deno.test("a nested object is included only if the recursion emits it", () => {
  assertEquals(run("{ w { p { a } } }", '{"w":{"p":{"b":1}}}'), undefined);
  assertEquals(run("{ w { p { a } } }", '{"w":{"p":{"a":1}}}'), '{"w":{"p":{"a":1}}}');
});

// --- ids / exids ------------------------------------------------------------------------

Deno.test("ids keeps only the listed objects, in a list or alone", () => {
  const q = '{ w(ids: ["a", "c"]) { s } }';
  assertEquals(
    run(q, '{"w":[{"id":"a","s":1},{"id":"b","s":2},{"s":3},{"id":"c","s":4},{"id":5,"s":5}]}'),
    '{"w":[{"id":"a","s":1},{"id":"c","s":4}]}',
  );
  assertEquals(run(q, '{"w":{"id":"b","s":2}}'), undefined);
  assertEquals(run(q, '{"w":{"id":"c","s":2}}'), '{"w":{"id":"c","s":2}}');
  assertEquals(run(q, '{"w":{"s":2}}'), undefined);
  assertEquals(run(q, '{"w":null}'), '{"w":null}');
});

Deno.test("exids drops the listed objects; objects without a string id pass", () => {
  const q = '{ w(exids: ["a"]) { s } }';
  assertEquals(
    run(q, '{"w":[{"id":"a","s":1},{"id":"b","s":2},{"s":3},{"id":null,"s":4}]}'),
    '{"w":[{"id":"b","s":2},{"s":3},{"id":null,"s":4}]}',
  );
});

Deno.test("ids and exids together mean ids minus exids; a single string is a list", () => {
  assertEquals(
    run('{ w(ids: ["a", "b"], exids: "a") { s } }', '{"w":[{"id":"a","s":1},{"id":"b","s":2}]}'),
    '{"w":[{"id":"b","s":2}]}',
  );
  assertEquals(
    run('{ w(ids: "a") { s } }', '{"w":[{"id":"a","s":1},{"id":"b","s":2}]}'),
    '{"w":[{"id":"a","s":1}]}',
  );
  assertEquals(run("{ w(ids: []) { s } }", '{"w":[{"id":"a","s":1}]}'), undefined);
});

Deno.test("ids compare the id's meaning, not its JSON text", () => {
  const delta = { w: [{ id: new RawJson('"\\u0061"'), s: 1 }] };
  assertEquals(
    stringifyJson(refIntersect(delta, refParse('{ w(ids: ["a"]) { s } }'))),
    '{"w":[{"id":"\\u0061","s":1}]}',
  );
});

Deno.test("ids and exids that are not strings are a TypeError when parsing", () => {
  assertThrows(() => refParse("{ w(ids: 1) { s } }"), TypeError, "ids");
  assertThrows(() => refParse('{ w(exids: ["a", 1]) { s } }'), TypeError, "exids");
});

// --- Aliases and order ------------------------------------------------------------------

Deno.test("output keys are response keys; delta keys match names, not aliases", () => {
  assertEquals(run("{ x: a }", '{"a":1,"x":2}'), '{"x":1}');
  assertEquals(run("{ a: b b: a }", '{"a":1,"b":2}'), '{"a":2,"b":1}');
});

Deno.test("two aliases of one field with different args are both emitted, in key order", () => {
  const q = '{ z: w(ids: ["a"]) { s } y: w(ids: ["b"]) { t } }';
  assertEquals(
    run(q, '{"w":[{"id":"a","s":1,"t":1},{"id":"b","s":2,"t":2}]}'),
    '{"y":[{"id":"b","t":2}],"z":[{"id":"a","s":1}]}',
  );
  assertEquals(run(q, '{"w":[{"id":"b","s":2}]}'), undefined);
});

Deno.test("an alias of id is emitted after the identity id", () => {
  assertEquals(
    run("{ w { i: id a } }", '{"w":{"a":1,"id":"x"}}'),
    '{"w":{"id":"x","i":"x","a":1}}',
  );
});

Deno.test("output follows the set's order (by response key), with id first", () => {
  assertEquals(run("{ a b c }", '{"c":3,"a":1,"b":2}'), '{"a":1,"b":2,"c":3}');
  assertEquals(
    run("{ w { a b } }", '{"w":{"b":2,"id":"x","a":1}}'),
    '{"w":{"id":"x","a":1,"b":2}}',
  );
});

// --- Merge ------------------------------------------------------------------------------

/** Merges two sets given as GraphQL and prints the result in canonical form. */
function mergeText(a: string, b: string): string {
  return refPrint(refNormalize(refMerge(refParse(a), refParse(b))));
}

Deno.test("merge: the union by response key, recursively", () => {
  assertEquals(
    mergeText("{ w { a p { x } } }", "{ w { b p { y } } v }"),
    "subscription { v w { a b p { x y } } }",
  );
});

Deno.test("merge: ids are unioned, sorted and de-duplicated", () => {
  assertEquals(
    mergeText('{ w(ids: ["c", "a"]) { s } }', '{ w(ids: ["b", "a"]) { s } }'),
    'subscription { w(ids: ["a", "b", "c"]) { s } }',
  );
});

Deno.test("merge: a side without ids wins", () => {
  assertEquals(mergeText('{ w(ids: ["a"]) { s } }', "{ w { s } }"), "subscription { w { s } }");
  assertEquals(mergeText("{ w { s } }", '{ w(exids: ["a"]) { s } }'), "subscription { w { s } }");
});

Deno.test("merge: exids keep only what both sides exclude", () => {
  assertEquals(
    mergeText('{ w(exids: ["a", "b"]) { s } }', '{ w(exids: ["b", "c"]) { s } }'),
    'subscription { w(exids: ["b"]) { s } }',
  );
  assertEquals(
    mergeText('{ w(exids: ["a"]) { s } }', '{ w(exids: ["b"]) { s } }'),
    "subscription { w { s } }",
  );
});

Deno.test("merge: ids on one side and exids on the other exclude exids minus ids", () => {
  assertEquals(
    mergeText('{ w(ids: ["a"]) { s } }', '{ w(exids: ["a", "b"]) { s } }'),
    'subscription { w(exids: ["b"]) { s } }',
  );
});

Deno.test("merge: a side with ids and exids is ids minus exids first", () => {
  assertEquals(
    mergeText('{ w(ids: ["a", "b"], exids: ["a"]) { s } }', '{ w(ids: ["c"]) { s } }'),
    'subscription { w(ids: ["b", "c"]) { s } }',
  );
});

Deno.test("merge: a different name on one key is a conflict naming the path", () => {
  const error = assertThrows(
    () =>
      refMerge(
        refParse("{ workflows { taskProxies { a } } }"),
        refParse("{ workflows { taskProxies: jobs { a } } }"),
      ),
    RefMergeConflictError,
    "workflows.taskProxies",
  );
  assertEquals(error.paths, ["workflows.taskProxies"]);
});

Deno.test("merge: a different argument is a conflict; ids and exids never are", () => {
  assertThrows(
    () =>
      refMerge(refParse("{ w { t(first: 1) { a } } }"), refParse("{ w { t(first: 2) { a } } }")),
    RefMergeConflictError,
    "w.t: argument first",
  );
  assertThrows(
    () => refMerge(refParse("{ w { t(first: 1) { a } } }"), refParse("{ w { t { a } } }")),
    RefMergeConflictError,
    "w.t",
  );
  assertThrows(
    () => refMerge(refParse("{ t(sort: ASC) { a } }"), refParse('{ t(sort: "ASC") { a } }')),
    RefMergeConflictError,
    "t: argument sort",
  );
});

Deno.test("merge: input objects compare regardless of field order", () => {
  assertEquals(
    mergeText('{ t(where: {a: "x", b: [1, 2]}) { a } }', '{ t(where: {b: [1, 2], a: "x"}) { b } }'),
    'subscription { t(where: {a: "x", b: [1, 2]}) { a b } }',
  );
});

Deno.test("merge: a leaf against a selection is a conflict", () => {
  assertThrows(
    () =>
      refMerge(
        refParse("{ workflows { taskProxies } }"),
        refParse("{ workflows { taskProxies { id } } }"),
      ),
    RefMergeConflictError,
    "workflows.taskProxies",
  );
});

Deno.test("merge: every conflict is listed, the message names the first by key", () => {
  const error = assertThrows(
    () => refMerge(refParse("{ z: a b { c } }"), refParse("{ z: b b { c: d } }")),
    RefMergeConflictError,
    "b.c",
  );
  assertEquals(error.paths, ["b.c", "z"]);
});

Deno.test("merge: the merged set selects the union of what each side selects", () => {
  const a = refParse('{ w(ids: ["a"]) { s } }');
  const b = refParse('{ w(ids: ["b"]) { s } }');
  const delta = JSON.parse('{"w":[{"id":"b","s":2},{"id":"c","s":3},{"id":"a","s":1}]}');
  assertEquals(
    stringifyJson(refIntersect(delta, refMerge(a, b))),
    '{"w":[{"id":"b","s":2},{"id":"a","s":1}]}',
  );
});

// --- Parsing and printing ----------------------------------------------------------------

Deno.test("print: strings are escaped, lists and objects bracketed, enums bare", () => {
  const set: RefField[] = [{
    key: "t",
    name: "taskProxies",
    args: {
      s: 'q"b\\n\n\té\u0001',
      l: [1, 2.5, -3, null, true],
      o: { b: new RefEnum("ASC"), a: { c: [] } },
    },
    children: [{ key: "id", name: "id", args: {} }],
  }];
  const text = refPrint(set);
  assertEquals(
    text,
    'subscription { t: taskProxies(s: "q\\"b\\\\n\\n\\té\\u0001", l: [1, 2.5, -3, null, true], ' +
      "o: {b: ASC, a: {c: []}}) { id } }",
  );
  assertEquals(refParse(text), set);
});

Deno.test("print: the normal form is sorted and parses back to itself", () => {
  const set = refParse('{ z: w(exids: "q", ids: ["b", "a", "b"], o: {y: 1, x: 2}) { s a } b }');
  const normal = refNormalize(set);
  const text = refPrint(normal);
  assertEquals(text, 'subscription { b z: w(ids: ["a", "b"], o: {x: 2, y: 1}) { a s } }');
  assertEquals(refNormalize(refParse(text)), normal);
});

Deno.test("print: an empty set cannot be printed", () => {
  assertThrows(() => refPrint([]), RangeError);
});

Deno.test("parse: fragments, inline fragments, variables, skip and include", () => {
  const set = refParse(
    `query Q($show: Boolean!, $ids: [String!] = ["d"], $none: Int) {
       w(ids: $ids, first: $none) { ...F ... on T { b } c @skip(if: $show) d @include(if: $show) }
     }
     fragment F on T { a e @deprecated }`,
    { show: true },
  );
  assertEquals(refPrint(set), 'subscription { w(ids: ["d"]) { a b d e } }');
});

Deno.test("parse: duplicate keys merge; conflicts and bad documents throw", () => {
  assertEquals(refPrint(refParse("{ w { a } w { b } }")), "subscription { w { a b } }");
  assertThrows(() => refParse("{ x: a x: b }"), RefMergeConflictError, "x");
  assertThrows(() => refParse("{ a ...F }"), TypeError, "unknown fragment F");
  assertThrows(
    () => refParse("{ ...F } fragment F on T { ...G } fragment G on T { ...F }"),
    TypeError,
    "cycle",
  );
  assertThrows(() => refParse("{ a } { b }"), TypeError, "exactly one operation");
  assertThrows(() => refParse('{ a @skip(if: "yes") }'), TypeError, "@skip");
  assertThrows(() => refParse("{ a(x: ) }"), SyntaxError, "line 1, column 8: ");
});

Deno.test("parse: 128 levels are accepted, 129 are a RangeError", () => {
  const nested = (depth: number) => "{ a ".repeat(depth - 1) + "{ a }" + " }".repeat(depth - 1);
  assert(refParse(nested(128)).length === 1);
  assertThrows(() => refParse(nested(129)), RangeError);
});

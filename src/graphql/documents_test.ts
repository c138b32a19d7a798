import { assert, assertEquals } from "../../tests/assert.ts";
import { createSchema } from "./schema.ts";
import { DocumentCache } from "./documents.ts";

const schema = createSchema();

/** `F0` selects `id`; each `Fk` spreads `F(k-1)` twice: 2^n expansions of `id`. */
function fragmentBomb(levels: number): string {
  let text = "fragment F0 on Workflow { id }\n";
  for (let i = 1; i <= levels; i++) {
    text += `fragment F${i} on Workflow { ...F${i - 1} ...F${i - 1} }\n`;
  }
  return `{ workflows { ...F${levels} } }\n${text}`;
}

const messages = (cache: DocumentCache, text: string) => {
  const entry = cache.get(text);
  return "errors" in entry ? entry.errors.map((e) => e.message) : [];
};

Deno.test("documents: a fragment bomb is refused in linear time, not 2^n", () => {
  const cache = new DocumentCache(schema);
  const started = performance.now();
  assertEquals(messages(cache, fragmentBomb(60)), [
    "the operation selects more than 1000 fields (aliases and fragments expanded); " +
    "the limit is 1000 (OVERLAP_MAX_FIELDS): select fewer fields or aliases",
  ]);
  // 2^60 expansions would never finish; memoized it is a few dozen steps.
  assert(performance.now() - started < 2000, "the fragment bomb took too long");
  // Within the limit (2^9 = 512 fields, plus workflows) the same shape is fine.
  assertEquals(messages(cache, fragmentBomb(9)), []);
});

Deno.test("documents: fields are counted with aliases, fragments and inline fragments expanded", () => {
  const cache = new DocumentCache(schema, { maxFields: 5 });
  // workflows + a + b + c + id = 5
  assertEquals(
    messages(
      cache,
      "{ workflows { a: id b: id ...on Workflow { c: id } ...F } } fragment F on Workflow { id }",
    ),
    [],
  );
  assertEquals(
    messages(cache, "{ workflows { a: id b: id c: id d: id e: id } }")[0],
    "the operation selects more than 5 fields (aliases and fragments expanded); " +
      "the limit is 5 (OVERLAP_MAX_FIELDS): select fewer fields or aliases",
  );
  // Each operation is counted on its own.
  assertEquals(
    messages(cache, "query A { workflows { id status } } query B { workflows { id name } }"),
    [],
  );
});

Deno.test("documents: depth counts through fragments, and fragment cycles do not hang", () => {
  const cache = new DocumentCache(schema, { maxDepth: 3 });
  assertEquals(
    messages(
      cache,
      "{ workflows { ...T } } fragment T on Workflow { taskProxies { firstParent { id } } }",
    ),
    ["selection is nested 4 levels deep; the limit is 3"],
  );
  const cycle = messages(
    cache,
    "{ workflows { ...A } } fragment A on Workflow { ...B } fragment B on Workflow { ...A }",
  );
  assert(cycle.some((m) => m.includes('Cannot spread fragment "A" within itself')), cycle.join());
});

Deno.test("documents: graphql-js's 'Validation aborted.' is said plainly", () => {
  // 900 overlapping fields exhaust graphql-js's own work budget (with our field limit raised).
  const cache = new DocumentCache(schema, { maxFields: 5000 });
  assertEquals(messages(cache, `{ workflows { ${"id ".repeat(900)} } }`), [
    "the document is too complex to validate (too many overlapping fields or fragment " +
    "spreads); send a smaller document",
  ]);
});

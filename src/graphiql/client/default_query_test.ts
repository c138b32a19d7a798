import { parse, validate } from "graphql";
import { assertEquals } from "../../../tests/assert.ts";
import { createSchema } from "../../graphql/schema.ts";
import {
  DEFAULT_TABS,
  DELTAS_SUBSCRIPTION,
  STANDARD_SUBSCRIPTION,
  WORKFLOWS_QUERY,
} from "./default_query.ts";

Deno.test("GraphiQL's default tabs are valid against the server's schema", () => {
  const schema = createSchema();
  for (const { query } of DEFAULT_TABS) {
    assertEquals(validate(schema, parse(query)).map((e) => e.message), [], query);
  }
  assertEquals(DEFAULT_TABS.map((tab) => tab.query), [
    WORKFLOWS_QUERY,
    STANDARD_SUBSCRIPTION,
    DELTAS_SUBSCRIPTION,
  ]);
});

Deno.test("the default tabs are one query, one standard and one delta-mode subscription", () => {
  const kinds = DEFAULT_TABS.map(({ query }) => {
    const [operation] = parse(query).definitions as unknown as {
      operation: string;
      name: { value: string };
      directives?: { name: { value: string } }[];
    }[];
    return [
      operation.operation,
      operation.name.value,
      (operation.directives ?? []).map((d) => d.name.value),
    ];
  });
  assertEquals(kinds, [
    ["query", "Workflows", []],
    ["subscription", "WatchTasks", []],
    ["subscription", "WatchTaskDeltas", ["deltas"]],
  ]);
});

import { assert, assertEquals } from "../../tests/assert.ts";
import { readWorkflowGraph } from "./dag_cache.ts";
import type { Queryable } from "../db/database.ts";

Deno.test("the graph version changes with the edges and nodes, not with row order", async () => {
  const db = (nodes: string[], edges: [string | null, string | null][]): Queryable => ({
    query: (sql) =>
      Promise.resolve(
        sql.includes("from edges")
          ? edges.map(([source, target]) => ({ source, target }))
          : nodes.map((id) => ({ id })),
      ) as never,
  });
  const one = await readWorkflowGraph(db(["a", "b"], [["a", "b"], ["b", "a"]]), "w");
  const same = await readWorkflowGraph(db(["b", "a"], [["b", "a"], ["a", "b"], [null, "a"]]), "w");
  const other = await readWorkflowGraph(db(["a", "b"], [["a", "b"]]), "w");
  const more = await readWorkflowGraph(db(["a", "b", "c"], [["a", "b"], ["b", "a"]]), "w");
  assertEquals(one.version, same.version);
  assert(one.version !== other.version && one.version !== more.version);
  assertEquals(same.edges, [["a", "b"], ["b", "a"]]);
});

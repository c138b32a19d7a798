import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { merge, parseSubscription, printSubscription } from "../../wasm/mod.ts";
import { parseSelection } from "./selection_tree.ts";

Deno.test("parseSelection reads the engine's canonical print: fields, aliases, ids/exids", () => {
  using a = parseSubscription(
    'subscription { workflows(ids: "~u/f") { id t: taskProxies(exids: ["x", "y"]) { id } } }',
  );
  using b = parseSubscription(
    'subscription { workflows(ids: ["~u/g"]) { jobs(first: 3) { id } } }',
  );
  using both = merge(a, b);
  const root = parseSelection(printSubscription(both));
  const workflows = root.get("workflows")!;
  assertEquals(workflows.ids, ["~u/f", "~u/g"]);
  assertEquals(workflows.children.get("t")?.name, "taskProxies");
  assertEquals(workflows.children.get("t")?.exids, ["x", "y"]);
  assertEquals(workflows.children.get("jobs")?.ids, undefined);
  assertEquals([...workflows.children.get("jobs")!.children.keys()], ["id"]);
  assertThrows(() => parseSelection("subscription { a"), SyntaxError);
});

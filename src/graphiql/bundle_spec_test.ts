import { assert, assertEquals } from "../../tests/assert.ts";
import { inputFiles } from "../web/bundle.ts";
import { entryGraph } from "../web/testing.ts";
import { graphiqlSpec } from "./bundle_spec.ts";

/**
 * The stamp hashes only the listed inputs, so every local module the entry
 * imports must be among them (else a change to it would not rebuild).
 */
Deno.test("the GraphiQL spec's inputs cover every local module the entry imports", async () => {
  const spec = graphiqlSpec();
  const { local, npm } = await entryGraph(spec);
  assert(local.includes("src/graphiql/client/main.tsx"), local.join(", "));
  assert(local.includes("src/graphiql/client/fetcher.ts"), local.join(", "));
  const inputs = new Set(await inputFiles(spec));
  assertEquals(local.filter((file) => !inputs.has(file)), [], "local modules missing from inputs");
  assert(inputs.has("deno.lock") && inputs.has("deno.json"), "package versions are in the stamp");
  assert(npm.some((s) => s.startsWith("npm:/graphiql@3.")), npm.join(", "));
});

import { assert, assertEquals } from "../../tests/assert.ts";
import { inputFiles } from "../web/bundle.ts";
import { graphiqlSpec } from "./bundle_spec.ts";

/**
 * The stamp hashes only the listed inputs, so every local module the entry
 * imports must be among them (else a change to it would not rebuild). The
 * module graph comes from `deno info`, the bundler's own resolution.
 */
Deno.test("the GraphiQL spec's inputs cover every local module the entry imports", async () => {
  const spec = graphiqlSpec();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", spec.entry],
    cwd: spec.root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string }[];
  };
  const root = spec.root.href;
  const local = info.modules.map((m) => m.specifier).filter((s) => s.startsWith(root)).map((s) =>
    s.slice(root.length)
  );
  assert(local.includes("src/graphiql/client/main.tsx"), local.join(", "));
  assert(local.includes("src/graphiql/client/fetcher.ts"), local.join(", "));
  const inputs = new Set(await inputFiles(spec));
  assertEquals(local.filter((file) => !inputs.has(file)), [], "local modules missing from inputs");
  assert(inputs.has("deno.lock") && inputs.has("deno.json"), "package versions are in the stamp");
  const npm = info.modules.map((m) => m.specifier).filter((s) => s.startsWith("npm:"));
  assert(npm.some((s) => s.startsWith("npm:/graphiql@3.")), npm.join(", "));
});

/**
 * Builds GraphiQL's browser bundle into `dist/graphiql/` when it is missing
 * or stale (`deno task build:graphiql`), or always with `--force`. Prints
 * what it did, the files and their sizes; exits 1 with the bundler's error
 * when the build fails. `deno task start` does the same check by itself and
 * builds in the background, so running this first only saves that wait.
 *
 * @module
 */
import { graphiqlSpec } from "../src/graphiql/bundle_spec.ts";
import { ensureBundle } from "../src/web/bundle.ts";

if (import.meta.main) {
  const args = new Set(Deno.args);
  const unknown = [...args].filter((arg) => arg !== "--force");
  if (unknown.length > 0) {
    console.error(
      `build_graphiql: unknown argument ${unknown[0]}; usage: build_graphiql.ts [--force]`,
    );
    Deno.exit(2);
  }
  const spec = graphiqlSpec();
  try {
    const { manifest, built, ms } = await ensureBundle(spec, { force: args.has("--force") });
    console.log(
      `${built ? "built" : "up to date"}: ${spec.name} in ${ms} ms, stamp ${
        manifest.stamp.slice(0, 16)
      }, into ${spec.outDir.pathname}`,
    );
    for (const [name, file] of Object.entries(manifest.files)) {
      console.log(`  ${name} -> ${file.file} (${file.bytes} bytes)`);
    }
  } catch (error) {
    console.error(`build_graphiql: ${(error as Error).message}`);
    Deno.exit(1);
  }
}

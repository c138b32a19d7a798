/**
 * `deno task build`: builds the browser bundles (the UI into `dist/ui/`,
 * GraphiQL into `dist/graphiql/`) when they are missing or stale, or always
 * with `--force`; `deno task build ui` (or `graphiql`) builds one. Prints
 * what it did, the build id, the files and their sizes; exits 1 with the
 * bundler's error when a build fails. `deno task start` does the same check
 * by itself before it listens, so running this first only saves that wait.
 *
 * @module
 */
import { graphiqlSpec } from "../src/graphiql/bundle_spec.ts";
import { type BundleSpec, ensureBundle } from "../src/web/bundle.ts";
import { uiSpec } from "../src/web/ui_app.ts";

const SPECS: Readonly<Record<string, () => BundleSpec>> = { ui: uiSpec, graphiql: graphiqlSpec };
const USAGE = `usage: build_web.ts [--force] [${Object.keys(SPECS).join("|")}]…`;

if (import.meta.main) {
  const force = Deno.args.includes("--force");
  const names = Deno.args.filter((arg) => arg !== "--force");
  const unknown = names.filter((name) => !(name in SPECS));
  if (unknown.length > 0) {
    console.error(`build_web: unknown argument ${unknown[0]}; ${USAGE}`);
    Deno.exit(2);
  }
  const specs = (names.length > 0 ? names : Object.keys(SPECS)).map((name) => SPECS[name]());
  let failed = false;
  // One after the other: each build is already parallel inside esbuild, and
  // the output stays readable.
  for (const spec of specs) {
    try {
      const { manifest, built, ms } = await ensureBundle(spec, { force });
      console.log(
        `${built ? "built" : "up to date"}: ${spec.name} in ${ms} ms, build ${manifest.id}, ` +
          `stamp ${manifest.stamp.slice(0, 16)}, into ${spec.outDir.pathname}`,
      );
      for (const [name, file] of Object.entries(manifest.files)) {
        console.log(`  ${manifest.id}/${name} (${file.bytes} bytes)`);
      }
    } catch (error) {
      console.error(`build_web: ${(error as Error).message}`);
      failed = true;
    }
  }
  if (failed) Deno.exit(1);
}

/**
 * What the GraphiQL bundle is built from and where it goes: the browser
 * sources under `src/graphiql/client/` (entry `main.tsx`), with `deno.json`
 * and `deno.lock` (the npm package versions) in its stamp, into the
 * gitignored `dist/graphiql/`.
 *
 * @module
 */
import type { BundleSpec } from "../web/bundle.ts";

/** The repository root. */
const ROOT = new URL("../../", import.meta.url);

/**
 * The GraphiQL bundle's spec; `outDir` defaults to `dist/graphiql/` in the repository.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { graphiqlSpec } from "./bundle_spec.ts";
 * const spec = graphiqlSpec();
 * assert.equal(spec.entry, "src/graphiql/client/main.tsx");
 * assert(spec.outDir.pathname.endsWith("/dist/graphiql/"));
 * ```
 */
export function graphiqlSpec(outDir: URL = new URL("dist/graphiql/", ROOT)): BundleSpec {
  return {
    name: "graphiql",
    root: ROOT,
    entry: "src/graphiql/client/main.tsx",
    inputs: ["src/graphiql/client/", "deno.json", "deno.lock"],
    outDir,
    expect: [".js", ".css"],
  };
}

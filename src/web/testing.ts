/**
 * Test helpers for the web modules: bundle states built by hand (no
 * `deno bundle`), and the local modules an entry really imports.
 *
 * @module
 */
import type { AssetSet, StaticAsset } from "./assets.ts";
import type { BuiltAssets, BuiltAssetsState } from "./built_assets.ts";
import type { BundleSpec } from "./bundle.ts";

/** The build id of {@linkcode readyState}. */
export const TEST_BUILD_ID = "0123456789abcdef";

/** A small asset. */
export function fakeAsset(name: string, text: string, contentType = ""): StaticAsset {
  return {
    name,
    contentType,
    body: new TextEncoder().encode(text),
    gzip: undefined,
    etag: `"${name}"`,
    integrity: `sha384-${btoa(name)}`,
  };
}

/** A set of assets under {@linkcode TEST_BUILD_ID}. */
export function fakeAssets(...assets: StaticAsset[]): AssetSet {
  return { id: TEST_BUILD_ID, files: new Map(assets.map((a) => [a.name, a])) };
}

/** A ready bundle named `name` with `main.js`, `main.css` and `overlap.wasm`. */
export function readyState(name = "test"): BuiltAssetsState {
  const js = fakeAsset("main.js", "console.log(1);", "text/javascript; charset=utf-8");
  const css = fakeAsset("main.css", "a{}", "text/css; charset=utf-8");
  const wasm = fakeAsset("overlap.wasm", "\0asm", "application/wasm");
  const files = Object.fromEntries(
    [js, css, wasm].map((a) => [a.name, { bytes: a.body.length, sha256: "a".repeat(64) }]),
  );
  return {
    kind: "ready",
    built: false,
    manifest: {
      format: 2,
      name,
      stamp: "0".repeat(64),
      id: TEST_BUILD_ID,
      deno: Deno.version.deno,
      builtAt: new Date(0).toISOString(),
      files,
    },
    assets: fakeAssets(js, css, wasm),
  };
}

/** A {@linkcode BuiltAssets} that is always in `state`. */
export function fixedBundle(state: BuiltAssetsState, name = "test"): BuiltAssets {
  return {
    name,
    state: () => state,
    settled: Promise.resolve(state),
    status: () => ({ state: state.kind }),
    close: () => Promise.resolve(),
  };
}

/**
 * The local modules (relative to the spec's root) that `spec`'s entry
 * imports, by `deno info --json` (the bundler's own resolution), and the
 * npm packages it pulls.
 */
export async function entryGraph(spec: BundleSpec): Promise<{ local: string[]; npm: string[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", spec.entry],
    cwd: spec.root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string }[];
  };
  const specifiers = info.modules.map((m) => m.specifier);
  const root = spec.root.href;
  return {
    local: specifiers.filter((s) => s.startsWith(root)).map((s) => s.slice(root.length)),
    npm: specifiers.filter((s) => s.startsWith("npm:")),
  };
}

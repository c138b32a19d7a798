/**
 * Test helpers: a GraphiQL bundle state built by hand (no `deno bundle`), for
 * route tests.
 *
 * @module
 */
import type { StaticAsset } from "../web/assets.ts";
import type { BuiltAssets, BuiltAssetsState } from "../web/built_assets.ts";

/** A small asset named like a build output. */
export function fakeAsset(file: string, text: string, contentType: string): StaticAsset {
  return {
    file,
    contentType,
    body: new TextEncoder().encode(text),
    gzip: undefined,
    etag: `"${file}"`,
    integrity: `sha384-${btoa(file)}`,
  };
}

/** A ready bundle with `main.js` and `main.css`. */
export function readyState(): BuiltAssetsState {
  const js = fakeAsset(
    "main.0123456789abcdef.js",
    "console.log(1);",
    "text/javascript; charset=utf-8",
  );
  const css = fakeAsset("main.fedcba9876543210.css", "a{}", "text/css; charset=utf-8");
  return {
    kind: "ready",
    built: false,
    manifest: {
      format: 1,
      name: "graphiql",
      stamp: "0".repeat(64),
      deno: Deno.version.deno,
      builtAt: new Date(0).toISOString(),
      files: {
        "main.js": { file: js.file, bytes: js.body.length, sha256: "a".repeat(64) },
        "main.css": { file: css.file, bytes: css.body.length, sha256: "b".repeat(64) },
      },
    },
    assets: {
      byFile: new Map([[js.file, js], [css.file, css]]),
      byName: new Map([["main.js", js], ["main.css", css]]),
    },
  };
}

/** A {@linkcode BuiltAssets} that is always in `state`. */
export function fixedBundle(state: BuiltAssetsState): BuiltAssets {
  return {
    name: "graphiql",
    state: () => state,
    settled: Promise.resolve(state),
    status: () => ({ state: state.kind }),
    close: () => Promise.resolve(),
  };
}

/**
 * The browser UI's bundle: what goes in, where it is built, and how the
 * server gets it at start (built when missing or stale).
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { type BundleSpec, ensureBundle } from "./asset_build.ts";
import { loadAssets, type LoadedAssets } from "./asset_routes.ts";

/** The project root (this file is `src/web/ui_bundle.ts`). */
export const PROJECT_ROOT: URL = new URL("../../", import.meta.url);

/**
 * The UI: `src/ui/main.tsx` bundled with the engine (`wasm/mod.ts`, which
 * loads `overlap.wasm` from beside the bundle), the stylesheet, and the
 * page. The lockfile is an input because it pins Preact's version.
 */
export const UI_BUNDLE: BundleSpec = Object.freeze({
  name: "ui",
  entry: "src/ui/main.tsx",
  inputs: ["src/ui", "wasm/mod.ts", "wasm/overlap.wasm", "deno.lock"],
  outDir: "dist/ui",
  copy: ["wasm/overlap.wasm", "src/ui/style.css"],
  html: "src/ui/index.html",
  urlPath: "/assets",
});

/**
 * Builds the UI if its output is missing or stale, then loads it. A failed
 * build is one log line, and the UI answers 503 with the reason; the rest of
 * the server runs.
 *
 * @example
 * ```ts ignore
 * const assets = await prepareUi(log);
 * const app = assetRoutes(assets, UI_BUNDLE.urlPath);
 * ```
 */
export async function prepareUi(log: Logger, root: URL = PROJECT_ROOT): Promise<LoadedAssets> {
  try {
    const out = await ensureBundle(UI_BUNDLE, root);
    if (out.built) log.info("ui bundle built", { assets: out.assetsPath, ms: out.ms });
    return await loadAssets(out.outDir);
  } catch (error) {
    const reason = `the UI bundle could not be built: ${(error as Error).message}`;
    log.error(reason);
    return { ok: false, reason };
  }
}

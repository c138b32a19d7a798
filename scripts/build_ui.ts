/**
 * `deno task build:ui`: builds the browser UI into `dist/ui/` (when its
 * inputs changed since the last build; `--force` rebuilds anyway).
 *
 * @module
 */
import { ensureBundle } from "../src/web/asset_build.ts";
import { PROJECT_ROOT, UI_BUNDLE } from "../src/web/ui_bundle.ts";

if (import.meta.main) {
  if (Deno.args.includes("--force")) {
    await Deno.remove(new URL(UI_BUNDLE.outDir, PROJECT_ROOT), { recursive: true }).catch(() => {});
  }
  try {
    const out = await ensureBundle(UI_BUNDLE, PROJECT_ROOT);
    console.log(
      out.built
        ? `built ${UI_BUNDLE.outDir} in ${out.ms} ms (assets at ${out.assetsPath})`
        : `${UI_BUNDLE.outDir} is up to date (assets at ${out.assetsPath})`,
    );
  } catch (error) {
    console.error(`build:ui: ${(error as Error).message}`);
    Deno.exit(1);
  }
}

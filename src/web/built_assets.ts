/**
 * A bundle a running server serves, built in the background when missing or
 * stale: the server starts at once, and the page answers 503 while the
 * build runs or when it failed (with the reason), instead of the whole
 * server waiting for, or dying with, a browser tool's build.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { type AssetSet, loadAssets } from "./assets.ts";
import {
  type BuildOptions,
  type BundleManifest,
  type BundleSpec,
  ensureBundle,
  type EnsureResult,
} from "./bundle.ts";

/** Where a served bundle stands. */
export type BuiltAssetsState =
  | { readonly kind: "building"; readonly since: Date }
  | {
    readonly kind: "ready";
    readonly manifest: BundleManifest;
    readonly assets: AssetSet;
    /** Whether this start built it (false: it was up to date). */
    readonly built: boolean;
  }
  | { readonly kind: "failed"; readonly reason: string };

/** A bundle being prepared or ready to serve. */
export interface BuiltAssets {
  /** The spec's name. */
  readonly name: string;
  /** The current state. */
  state(): BuiltAssetsState;
  /** Settles with the state once the build succeeded or failed. */
  readonly settled: Promise<BuiltAssetsState>;
  /** Figures for `/status`. */
  status(): Record<string, unknown>;
  /** Aborts a running build and waits for it to stop. */
  close(): Promise<void>;
}

/** Options of {@linkcode prepareAssets}. */
export interface PrepareOptions extends Pick<BuildOptions, "timeoutMs"> {
  /** Where building, built and failed are logged. */
  readonly log: Logger;
  /** Builds when needed (default {@linkcode ensureBundle}; tests inject failures). */
  readonly ensure?: (spec: BundleSpec, options: BuildOptions) => Promise<EnsureResult>;
  /** The clock for `since` (default `new Date()`). */
  readonly now?: () => Date;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " | ");
}

/**
 * Checks `spec`'s output and builds it in the background when it is missing
 * or stale; loads the files into memory when done. A failure is logged as
 * one line and kept as the reason.
 *
 * @example
 * ```ts ignore
 * const graphiql = prepareAssets(graphiqlSpec(), { log });
 * const state = await graphiql.settled; // { kind: "ready", … } or { kind: "failed", reason }
 * ```
 */
export function prepareAssets(spec: BundleSpec, options: PrepareOptions): BuiltAssets {
  const { log } = options;
  const ensure = options.ensure ?? ensureBundle;
  const abort = new AbortController();
  let state: BuiltAssetsState = { kind: "building", since: (options.now ?? (() => new Date()))() };
  const settled = (async (): Promise<BuiltAssetsState> => {
    const started = performance.now();
    try {
      const result = await ensure(spec, { signal: abort.signal, timeoutMs: options.timeoutMs });
      const assets = await loadAssets(spec.outDir, result.manifest);
      const files = Object.values(result.manifest.files).map((f) => `${f.file} (${f.bytes} B)`);
      log.info(result.built ? `${spec.name} bundle built` : `${spec.name} bundle up to date`, {
        // Checking (and building) plus loading into memory.
        ms: Math.round(performance.now() - started),
        files: files.join(", "),
      });
      state = { kind: "ready", manifest: result.manifest, assets, built: result.built };
    } catch (error) {
      const reason = (error as Error).message;
      if (abort.signal.aborted) {
        // Stopped by close(): the server is stopping, this is no failure to report.
        log.info(`${spec.name} build stopped`);
      } else {
        log.error(`${spec.name} is unavailable: ${oneLine(reason)}`);
      }
      state = { kind: "failed", reason };
    }
    return state;
  })();
  return {
    name: spec.name,
    state: () => state,
    settled,
    status() {
      const now = state;
      if (now.kind === "ready") {
        return { state: "ready", built: now.built, stamp: now.manifest.stamp.slice(0, 16) };
      }
      return now.kind === "failed"
        ? { state: "failed", reason: now.reason }
        : { state: "building" };
    },
    async close() {
      abort.abort();
      await settled;
    },
  };
}

/**
 * A bundle a server serves, checked and (when missing or stale) built in the
 * background, then loaded into memory. {@linkcode BuiltAssets.settled} says
 * when it is ready or failed: `deno task start` waits for it before it
 * listens (see `extension.ts`), so a person who opens the page right away
 * gets the page, not a 503. A failure is one log line and a kept reason: the
 * page answers 503 with it, and the rest of the server runs.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { type AssetSet, loadAssets } from "./assets.ts";
import {
  type BundleManifest,
  type BundleSpec,
  ensureBundle,
  type EnsureOptions,
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
export interface PrepareOptions extends Pick<EnsureOptions, "timeoutMs"> {
  /** Where building, built and failed are logged. */
  readonly log: Logger;
  /** Builds when needed (default {@linkcode ensureBundle}; tests inject failures). */
  readonly ensure?: (spec: BundleSpec, options: EnsureOptions) => Promise<EnsureResult>;
  /** The clock for `since` (default `new Date()`). */
  readonly now?: () => Date;
}

const BUILD_REASONS = {
  missing: "none is built yet",
  stale: "its inputs changed",
  forced: "asked to",
} as const;

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
      const result = await ensure(spec, {
        signal: abort.signal,
        timeoutMs: options.timeoutMs,
        // Said before the wait, so a person watching the start knows why.
        onBuild: (why) => log.info(`building the ${spec.name} bundle: ${BUILD_REASONS[why]}`),
      });
      const assets = await loadAssets(spec.outDir, result.manifest);
      const files = Object.entries(result.manifest.files).map(([name, f]) =>
        `${name} (${f.bytes} B)`
      );
      log.info(result.built ? `${spec.name} bundle built` : `${spec.name} bundle up to date`, {
        // Checking (and building) plus loading into memory.
        ms: Math.round(performance.now() - started),
        id: result.manifest.id,
        files: files.join(", "),
      });
      state = { kind: "ready", manifest: result.manifest, assets, built: result.built };
    } catch (error) {
      const reason = (error as Error).message;
      if (abort.signal.aborted) {
        // Stopped by close(): the server is stopping, this is no failure to report.
        log.info(`${spec.name} build stopped`);
      } else {
        log.error(
          `${spec.name} is unavailable: ${oneLine(reason)} (its page answers 503; ` +
            "run deno task build to see the build, then restart)",
        );
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
        return {
          state: "ready",
          built: now.built,
          id: now.manifest.id,
          stamp: now.manifest.stamp.slice(0, 16),
        };
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

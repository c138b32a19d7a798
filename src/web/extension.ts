/**
 * The pages as a part of `deno task start`: the UI at `/` and GraphiQL at
 * `/graphiql`. Both bundles are checked, and built when missing or stale,
 * in parallel; {@linkcode WebExtension.ready} settles when both are ready or
 * failed, and the server waits for it before it listens. So a person who
 * runs `deno task start` and opens the page gets the page, not a 503 (an
 * up-to-date check takes milliseconds, a build about a second).
 *
 * A failed build does not stop the server: it is one `ERROR` line, and that
 * page answers 503 with the reason; the other page, GraphQL and the
 * pipeline run. `/status` shows where each bundle stands (`web.ui.state`,
 * `web.graphiql.state`: `building`, `ready`, or `failed` with the reason),
 * and stopping the server stops a running build.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Extension } from "../server.ts";
import { graphiqlSpec } from "../graphiql/bundle_spec.ts";
import { graphiqlApp } from "../graphiql/web_app.ts";
import { type BuiltAssets, prepareAssets, type PrepareOptions } from "./built_assets.ts";
import type { BundleSpec } from "./bundle.ts";
import type { WebApp } from "./routes.ts";
import { uiApp, uiSpec } from "./ui_app.ts";

/** The extension and the apps the routes serve. */
export interface WebExtension extends Extension {
  /** The apps, for `Services.web`. */
  readonly apps: readonly WebApp[];
  /** Settles when every bundle is ready or failed (never rejects). */
  readonly ready: Promise<void>;
}

/** Options of {@linkcode webExtension}. */
export interface WebExtensionOptions extends Omit<PrepareOptions, "log"> {
  /** The UI's spec (default {@linkcode uiSpec}; tests build elsewhere). */
  readonly ui?: BundleSpec;
  /** GraphiQL's spec (default `graphiqlSpec()`). */
  readonly graphiql?: BundleSpec;
}

/**
 * Starts preparing both bundles (in the background; await `ready`).
 *
 * @example
 * ```ts ignore
 * const web = webExtension(log.child("web"));
 * await web.ready; // before listening
 * // extensions: [web]; services: { web: web.apps }
 * ```
 */
export function webExtension(log: Logger, options: WebExtensionOptions = {}): WebExtension {
  const { ui, graphiql, ...prepare } = options;
  const bundles: BuiltAssets[] = [
    prepareAssets(ui ?? uiSpec(), { log, ...prepare }),
    prepareAssets(graphiql ?? graphiqlSpec(), { log, ...prepare }),
  ];
  const [uiBundle, graphiqlBundle] = bundles;
  return {
    apps: [uiApp(uiBundle), graphiqlApp(graphiqlBundle)],
    ready: Promise.all(bundles.map((b) => b.settled)).then(() => {}),
    status: () => ({
      web: Object.fromEntries(bundles.map((bundle) => [bundle.name, bundle.status()])),
    }),
    close: async () => {
      await Promise.all(bundles.map((bundle) => bundle.close()));
    },
  };
}

/**
 * GraphiQL as a part of `deno task start`: the bundle is checked at start
 * and built in the background when missing or stale; `/status` shows where
 * it stands (`graphiql.state`: `building`, `ready` or `failed` with the
 * reason), and stopping the server stops a running build.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Extension } from "../server.ts";
import type { BundleSpec } from "../web/bundle.ts";
import { type BuiltAssets, prepareAssets, type PrepareOptions } from "../web/built_assets.ts";
import { graphiqlSpec } from "./bundle_spec.ts";

/** The extension and the bundle the `/graphiql` routes serve. */
export interface GraphiqlExtension extends Extension {
  /** The bundle, for `Services.graphiql`. */
  readonly bundle: BuiltAssets;
}

/**
 * Starts preparing GraphiQL's bundle.
 *
 * @example
 * ```ts ignore
 * const graphiql = graphiqlExtension(log.child("graphiql"));
 * // extensions: [graphiql]; services: { graphiql: graphiql.bundle }
 * ```
 */
export function graphiqlExtension(
  log: Logger,
  spec: BundleSpec = graphiqlSpec(),
  options: Omit<PrepareOptions, "log"> = {},
): GraphiqlExtension {
  const bundle = prepareAssets(spec, { log, ...options });
  return {
    bundle,
    status: () => ({ graphiql: bundle.status() }),
    close: () => bundle.close(),
  };
}

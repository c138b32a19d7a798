/**
 * The cache pools wired into a server: their GraphQL fields (`artifact`,
 * `dag`, `jobLog`, `searchArtifacts`) and their figures under `cache` in
 * `GET /status`.
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { Queryable } from "../db/database.ts";
import type { Logger } from "../log.ts";
import type { Extension } from "../server.ts";
import { registerCacheMetrics } from "../metrics/cache_metrics.ts";
import { cacheFields } from "./graphql_fields.ts";
import { type CachePools, type CachePoolsOptions, startCachePools } from "./pools.ts";

/** The pools as an extension. */
export interface CacheExtension extends Extension {
  /** The running pools. */
  readonly pools: CachePools;
}

/**
 * Starts the three pools (each a cache server subprocess) and returns them
 * as an extension.
 *
 * @throws {CacheServerError} when a cache server cannot start.
 *
 * @example
 * ```ts ignore
 * const cache = await cacheExtension(config, db, log);
 * console.log(cache.status?.());
 * await cache.close?.();
 * ```
 */
export async function cacheExtension(
  config: Config,
  db: Queryable,
  log: Logger,
  options: CachePoolsOptions = {},
): Promise<CacheExtension> {
  const pools = await startCachePools(config, db, log, options);
  const fields = cacheFields(pools);
  log.info("cache pools started", {
    dir: config.cacheDir,
    ...Object.fromEntries(
      Object.entries(config.cachePools).map(([pool, { workers, maxBytes }]) => [
        pool,
        `${workers} workers, ${maxBytes} bytes`,
      ]),
    ),
  });
  return {
    pools,
    query: fields.query,
    subscription: fields.subscription,
    status: () => ({ cache: pools.status() }),
    metrics: (registry) => registerCacheMetrics(registry, () => pools.status()),
    close: () => pools.close(),
  };
}

/**
 * Starts Overlap's three cache pools (`dag`, `artifacts`, `logs`), each a
 * client with its own server subprocess, from the configuration.
 *
 * @module
 */
import type { CachePoolName, Config } from "../config.ts";
import type { Queryable } from "../db/database.ts";
import type { Logger } from "../log.ts";
import { CacheClient } from "./client.ts";
import type { CacheClientOptions, PoolStats } from "./client.ts";
import { ArtifactCache } from "./artifact_cache.ts";
import { DagCache } from "./dag_cache.ts";
import { LogCache } from "./log_cache.ts";
import type { WorkerSettings } from "./actions/action.ts";

/** The running pools. */
export interface CachePools {
  readonly dag: DagCache;
  readonly artifacts: ArtifactCache;
  readonly logs: LogCache;
  /** The artifact roots as resolved (absolute, symlinks followed): where `file://` artifacts may be. */
  readonly artifactRoots: readonly string[];
  /** Per-pool figures for `GET /status`. */
  status(): Record<CachePoolName, PoolStats>;
  /** Stops every server and its workers. */
  close(): Promise<void>;
}

/** Options for tests and tools; production passes none. */
export interface CachePoolsOptions {
  /** Enables the `test:*` actions on every pool. Never set in production. */
  readonly testActions?: boolean;
  /** Receives the servers' stderr. */
  readonly serverStderr?: (text: string) => void;
  /** See {@linkcode CacheClientOptions.writeTimeoutMs}. */
  readonly writeTimeoutMs?: number;
}

function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path.replace(/^\.\//, "")}`;
}

/** A root as given (made absolute) and as resolved: permissions need both when it is a symlink. */
function resolveRoots(roots: readonly string[]): { real: string[]; grant: string[] } {
  const real: string[] = [];
  const grant: string[] = [];
  for (const root of roots) {
    const path = absolute(root).replace(/\/+$/, "");
    let resolved = path;
    try {
      resolved = Deno.realPathSync(path);
    } catch { /* created later: its path is its real path */ }
    real.push(resolved);
    grant.push(path, resolved);
  }
  return { real, grant: [...new Set(grant)] };
}

/**
 * Starts the three pools; if one cannot start, stops the others and throws.
 *
 * @throws {CacheServerError} when a server exits before it is ready.
 *
 * @example
 * ```ts ignore
 * const pools = await startCachePools(config, db, log);
 * const dag = await pools.dag.getDag("~user/flow");
 * console.log(pools.status().dag.hits);
 * await pools.close();
 * ```
 */
export async function startCachePools(
  config: Config,
  db: Queryable,
  log: Logger,
  options: CachePoolsOptions = {},
): Promise<CachePools> {
  const artifactRoots = resolveRoots(config.artifactRoots);
  const logRoots = resolveRoots(config.logRoots);
  const settings: WorkerSettings = {
    artifactRoots: artifactRoots.real,
    logRoots: logRoots.real,
    artifactMaxBytes: config.artifactMaxBytes,
    artifactHosts: config.artifactHosts,
    s3Endpoint: config.s3Endpoint,
    s3Region: config.s3Region,
  };
  const s3Host = config.s3Endpoint === undefined ? [] : [new URL(config.s3Endpoint).host];
  const credentials: Record<string, string> = {};
  if (config.s3AccessKeyId !== undefined) credentials.AWS_ACCESS_KEY_ID = config.s3AccessKeyId;
  if (config.s3SecretAccessKey !== undefined) {
    credentials.AWS_SECRET_ACCESS_KEY = config.s3SecretAccessKey;
  }
  const common = (pool: CachePoolName): Omit<CacheClientOptions, "actions"> => ({
    pool,
    root: `${absolute(config.cacheDir)}/${pool}`,
    maxBytes: config.cachePools[pool].maxBytes,
    workers: config.cachePools[pool].workers,
    timeoutMs: config.cacheTimeoutMs,
    settings,
    testActions: options.testActions,
    writeTimeoutMs: options.writeTimeoutMs,
    serverStderr: options.serverStderr,
    logLevel: config.logLevel,
    logFormat: config.logFormat,
    log: log.child(`cache-${pool}`),
  });
  const starting = [
    CacheClient.start({ ...common("dag"), actions: ["GetDag"] }),
    CacheClient.start({
      ...common("artifacts"),
      actions: ["GetArtifacts", "SearchArtifacts"],
      dataRoots: artifactRoots.grant,
      netHosts: [...config.artifactHosts, ...s3Host],
      env: credentials,
      workerEnv: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
    }),
    CacheClient.start({ ...common("logs"), actions: ["GetLogFile"], dataRoots: logRoots.grant }),
  ];
  const results = await Promise.allSettled(starting);
  const failed = results.find((result) => result.status === "rejected");
  if (failed !== undefined) {
    await Promise.all(
      results.map((result) => (result.status === "fulfilled" ? result.value.close() : undefined)),
    );
    throw (failed as PromiseRejectedResult).reason;
  }
  const [dag, artifacts, logs] = results.map((result) =>
    (result as PromiseFulfilledResult<CacheClient>).value
  );
  return {
    dag: new DagCache(dag, db),
    artifacts: new ArtifactCache(artifacts),
    logs: new LogCache(logs, logRoots.real),
    artifactRoots: artifactRoots.real,
    status: () => ({ dag: dag.stats(), artifacts: artifacts.stats(), logs: logs.stats() }),
    close: async () => {
      await Promise.all([dag.close(), artifacts.close(), logs.close()]);
    },
  };
}

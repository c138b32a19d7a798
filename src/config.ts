/**
 * Overlap's configuration, read in one place from environment variables.
 *
 * Every variable is documented in the README's "Configuration" table. Bad
 * values are refused at start with a message naming the variable, the value
 * and what was expected, rather than silently falling back to a default.
 *
 * @module
 */

/** The cache pools; each has its own cache server subprocess. */
export const CACHE_POOLS = ["dag", "artifacts", "logs"] as const;

/** The name of one cache pool. */
export type CachePoolName = typeof CACHE_POOLS[number];

/** Limits of one cache pool. */
export interface CachePoolConfig {
  /** Worker subprocesses run at once (`OVERLAP_CACHE_<POOL>_WORKERS`). */
  readonly workers: number;
  /** Bytes the pool may keep on disk (`OVERLAP_CACHE_<POOL>_MAX_BYTES`). */
  readonly maxBytes: number;
}

/** Limits that bound what one client can make the server do. */
export interface Limits {
  /** Open WebSocket connections at once (`OVERLAP_MAX_CONNECTIONS`). */
  readonly maxConnections: number;
  /** Active subscriptions on one connection (`OVERLAP_MAX_SUBSCRIPTIONS`). */
  readonly maxSubscriptions: number;
  /** Largest incoming WebSocket message, in bytes (`OVERLAP_MAX_MESSAGE_BYTES`). */
  readonly maxMessageBytes: number;
  /** Unsent bytes after which a slow consumer is closed (`OVERLAP_SEND_BUFFER_BYTES`). */
  readonly sendBufferBytes: number;
  /** Largest request body on `/api/*` and `/graphql`, in bytes (`OVERLAP_MAX_BODY_BYTES`). */
  readonly maxBodyBytes: number;
  /** Time a socket has to send `connection_init`, in ms (`OVERLAP_INIT_TIMEOUT_MS`). */
  readonly initTimeoutMs: number;
}

/** The server's configuration. */
export interface Config {
  /** Interface to bind to (`OVERLAP_HOST`, default `127.0.0.1`). */
  readonly host: string;
  /** TCP port to listen on (`OVERLAP_PORT`, default `8080`; `0` picks a free port). */
  readonly port: number;
  /** PostgreSQL URL (`DATABASE_URL`); `undefined` selects embedded PGlite. */
  readonly databaseUrl: string | undefined;
  /** Directory for PGlite, the cache and simulator files (`OVERLAP_DATA_DIR`, default `./data`). */
  readonly dataDir: string;
  /** Seconds of event log kept for resuming clients (`OVERLAP_EVENT_RETENTION_S`, default 86400). */
  readonly eventRetentionS: number;
  /** Interval of the safety-net poll of the event log, in ms (`OVERLAP_POLL_MS`, default 1000). */
  readonly pollMs: number;
  /** Inline token list as JSON (`OVERLAP_TOKENS`). */
  readonly tokens: string | undefined;
  /** Path of a JSON token file (`OVERLAP_TOKENS_FILE`). */
  readonly tokensFile: string | undefined;
  /** Browser origins allowed to connect (`OVERLAP_ALLOWED_ORIGINS`, comma-separated; `*` = any). */
  readonly allowedOrigins: readonly string[];
  /** Per-client limits. */
  readonly limits: Limits;
  /** Least level written to the log (`OVERLAP_LOG_LEVEL`: debug, info, warn, error). */
  readonly logLevel: "debug" | "info" | "warn" | "error";
  /** How log lines are written (`OVERLAP_LOG_FORMAT`: `text` for people, `json` one object a line). */
  readonly logFormat: "text" | "json";
  /**
   * Longest a graceful drain (SIGTERM/SIGINT) may take before the process
   * exits anyway, in ms (`OVERLAP_DRAIN_TIMEOUT_MS`, default 10000).
   */
  readonly drainTimeoutMs: number;
  /** Root of the on-disk cache (`OVERLAP_CACHE_DIR`, default `<dataDir>/cache`). */
  readonly cacheDir: string;
  /** Default time a cache request may take, in ms (`OVERLAP_CACHE_TIMEOUT_MS`). */
  readonly cacheTimeoutMs: number;
  /** Per-pool worker counts and disk limits. */
  readonly cachePools: Readonly<Record<CachePoolName, CachePoolConfig>>;
  /** Directories `file://` artifacts may be read from (`OVERLAP_ARTIFACT_ROOTS`, comma-separated). */
  readonly artifactRoots: readonly string[];
  /** Directories job logs may be read from (`OVERLAP_LOG_ROOTS`, comma-separated). */
  readonly logRoots: readonly string[];
  /** Largest artifact served, in bytes (`OVERLAP_ARTIFACT_MAX_BYTES`). */
  readonly artifactMaxBytes: number;
  /** Hosts (`host[:port]`) that `http(s)://` artifacts may come from (`OVERLAP_ARTIFACT_HOSTS`). */
  readonly artifactHosts: readonly string[];
  /** S3-compatible endpoint for `s3://` artifacts (`OVERLAP_S3_ENDPOINT`). */
  readonly s3Endpoint: string | undefined;
  /** S3 region (`OVERLAP_S3_REGION`, default `us-east-1`). */
  readonly s3Region: string;
  /** S3 access key (`AWS_ACCESS_KEY_ID`). */
  readonly s3AccessKeyId: string | undefined;
  /** S3 secret key (`AWS_SECRET_ACCESS_KEY`). */
  readonly s3SecretAccessKey: string | undefined;
  /** Expected heartbeat interval, in seconds (`OVERLAP_HEARTBEAT_INTERVAL_S`, default 60). */
  readonly heartbeatIntervalS: number;
  /** Grace added to the interval before an item is marked, in seconds (`OVERLAP_HEARTBEAT_BUFFER_S`, default 30). */
  readonly heartbeatBufferS: number;
  /** Whether to run the scheduler simulator (`OVERLAP_SIMULATOR`: `1`, `0`, or unset = auto). */
  readonly simulator: "on" | "off" | "auto";
  /**
   * Write token the simulator sends (`OVERLAP_SIMULATOR_TOKEN`); needed when
   * tokens are configured. The built-in simulator does not start without it then.
   */
  readonly simulatorToken: string | undefined;
  /** Server the `deno task demo` simulator talks to (`OVERLAP_SIMULATOR_URL`; default this server's host and port). */
  readonly simulatorUrl: string | undefined;
}

/** A source of environment variables; `Deno.env` satisfies it. */
export interface EnvSource {
  /** Returns the value of `name`, or `undefined` when it is not set. */
  get(name: string): string | undefined;
}

const MIB = 1024 * 1024;

/** The defaults used when a variable is not set. */
export const DEFAULTS: Config = Object.freeze({
  host: "127.0.0.1",
  port: 8080,
  databaseUrl: undefined,
  dataDir: "./data",
  eventRetentionS: 86400,
  pollMs: 1000,
  tokens: undefined,
  tokensFile: undefined,
  allowedOrigins: Object.freeze([]) as readonly string[],
  limits: Object.freeze({
    maxConnections: 10000,
    maxSubscriptions: 100,
    maxMessageBytes: 64 * 1024,
    sendBufferBytes: 4 * MIB,
    maxBodyBytes: 16 * MIB,
    initTimeoutMs: 3000,
  }),
  logLevel: "info",
  logFormat: "text",
  drainTimeoutMs: 10000,
  cacheDir: "./data/cache",
  cacheTimeoutMs: 60000,
  cachePools: Object.freeze({
    dag: Object.freeze({ workers: 2, maxBytes: 256 * MIB }),
    artifacts: Object.freeze({ workers: 4, maxBytes: 1024 * MIB }),
    logs: Object.freeze({ workers: 2, maxBytes: 512 * MIB }),
  }),
  artifactRoots: Object.freeze(["./data/artifacts"]) as readonly string[],
  logRoots: Object.freeze(["./data/logs"]) as readonly string[],
  artifactMaxBytes: 64 * MIB,
  artifactHosts: Object.freeze([]) as readonly string[],
  s3Endpoint: undefined,
  s3Region: "us-east-1",
  s3AccessKeyId: undefined,
  s3SecretAccessKey: undefined,
  heartbeatIntervalS: 60,
  heartbeatBufferS: 30,
  simulator: "auto",
  simulatorToken: undefined,
  simulatorUrl: undefined,
});

/**
 * Reads the configuration from `env`.
 *
 * @throws {TypeError} when a variable is set to a value of the wrong form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "./config.ts";
 * const config = loadConfig(new Map([["OVERLAP_PORT", "9000"]]));
 * assert(config.port === 9000 && config.host === "127.0.0.1");
 * ```
 */
export function loadConfig(env: EnvSource = Deno.env): Config {
  const dataDir = readPath(env, "OVERLAP_DATA_DIR", DEFAULTS.dataDir);
  const under = (path: string) => `${dataDir.replace(/\/+$/, "")}/${path}`;
  const d = DEFAULTS.limits;
  const pools = {} as Record<CachePoolName, CachePoolConfig>;
  for (const pool of CACHE_POOLS) {
    const upper = pool.toUpperCase();
    pools[pool] = {
      workers: readInteger(
        env,
        `OVERLAP_CACHE_${upper}_WORKERS`,
        DEFAULTS.cachePools[pool].workers,
        1,
        64,
      ),
      maxBytes: readInteger(
        env,
        `OVERLAP_CACHE_${upper}_MAX_BYTES`,
        DEFAULTS.cachePools[pool].maxBytes,
        1024,
        Number.MAX_SAFE_INTEGER,
      ),
    };
  }
  return {
    host: readHost(env, "OVERLAP_HOST", DEFAULTS.host),
    port: readInteger(env, "OVERLAP_PORT", DEFAULTS.port, 0, 65535),
    databaseUrl: readDatabaseUrl(env, "DATABASE_URL"),
    dataDir,
    eventRetentionS: readInteger(
      env,
      "OVERLAP_EVENT_RETENTION_S",
      DEFAULTS.eventRetentionS,
      1,
      10 * 365 * 86400,
    ),
    pollMs: readInteger(env, "OVERLAP_POLL_MS", DEFAULTS.pollMs, 10, 3600_000),
    tokens: readOptional(env, "OVERLAP_TOKENS"),
    tokensFile: readOptional(env, "OVERLAP_TOKENS_FILE"),
    allowedOrigins: readList(env, "OVERLAP_ALLOWED_ORIGINS", DEFAULTS.allowedOrigins),
    limits: {
      maxConnections: readInteger(env, "OVERLAP_MAX_CONNECTIONS", d.maxConnections, 1, 1_000_000),
      maxSubscriptions: readInteger(
        env,
        "OVERLAP_MAX_SUBSCRIPTIONS",
        d.maxSubscriptions,
        1,
        100_000,
      ),
      maxMessageBytes: readInteger(
        env,
        "OVERLAP_MAX_MESSAGE_BYTES",
        d.maxMessageBytes,
        256,
        64 * MIB,
      ),
      sendBufferBytes: readInteger(
        env,
        "OVERLAP_SEND_BUFFER_BYTES",
        d.sendBufferBytes,
        1024,
        1024 * MIB,
      ),
      maxBodyBytes: readInteger(env, "OVERLAP_MAX_BODY_BYTES", d.maxBodyBytes, 1024, 1024 * MIB),
      initTimeoutMs: readInteger(env, "OVERLAP_INIT_TIMEOUT_MS", d.initTimeoutMs, 1, 3600_000),
    },
    logLevel: readChoice(env, "OVERLAP_LOG_LEVEL", ["debug", "info", "warn", "error"], "info"),
    logFormat: readChoice(env, "OVERLAP_LOG_FORMAT", ["text", "json"], DEFAULTS.logFormat),
    drainTimeoutMs: readInteger(
      env,
      "OVERLAP_DRAIN_TIMEOUT_MS",
      DEFAULTS.drainTimeoutMs,
      1,
      3600_000,
    ),
    cacheDir: readPath(env, "OVERLAP_CACHE_DIR", under("cache")),
    cacheTimeoutMs: readInteger(
      env,
      "OVERLAP_CACHE_TIMEOUT_MS",
      DEFAULTS.cacheTimeoutMs,
      1,
      24 * 3600_000,
    ),
    cachePools: pools,
    artifactRoots: readList(env, "OVERLAP_ARTIFACT_ROOTS", [under("artifacts")]),
    logRoots: readList(env, "OVERLAP_LOG_ROOTS", [under("logs")]),
    artifactMaxBytes: readInteger(
      env,
      "OVERLAP_ARTIFACT_MAX_BYTES",
      DEFAULTS.artifactMaxBytes,
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    artifactHosts: readList(env, "OVERLAP_ARTIFACT_HOSTS", DEFAULTS.artifactHosts),
    s3Endpoint: readUrl(env, "OVERLAP_S3_ENDPOINT", ["http:", "https:"]),
    s3Region: readOptional(env, "OVERLAP_S3_REGION") ?? DEFAULTS.s3Region,
    s3AccessKeyId: readOptional(env, "AWS_ACCESS_KEY_ID"),
    s3SecretAccessKey: readOptional(env, "AWS_SECRET_ACCESS_KEY"),
    heartbeatIntervalS: readInteger(
      env,
      "OVERLAP_HEARTBEAT_INTERVAL_S",
      DEFAULTS.heartbeatIntervalS,
      1,
      7 * 86400,
    ),
    heartbeatBufferS: readInteger(
      env,
      "OVERLAP_HEARTBEAT_BUFFER_S",
      DEFAULTS.heartbeatBufferS,
      0,
      7 * 86400,
    ),
    simulator: readSwitch(env, "OVERLAP_SIMULATOR"),
    simulatorToken: readOptional(env, "OVERLAP_SIMULATOR_TOKEN"),
    simulatorUrl: readUrl(env, "OVERLAP_SIMULATOR_URL", ["http:", "https:"]),
  };
}

function readOptional(env: EnvSource, name: string): string | undefined {
  const value = env.get(name);
  return value === undefined || value === "" ? undefined : value;
}

function readHost(env: EnvSource, name: string, fallback: string): string {
  const value = env.get(name);
  if (value === undefined || value === "") return fallback;
  // A host name or an IPv4/IPv6 literal; anything with spaces, slashes or a
  // scheme is a configuration mistake worth catching before bind() does.
  if (!/^[A-Za-z0-9.:\-\[\]]+$/.test(value)) {
    throw new TypeError(
      `${name} must be a host name or IP address (for example 127.0.0.1), got ${
        JSON.stringify(value)
      }`,
    );
  }
  return value;
}

function readInteger(
  env: EnvSource,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = env.get(name);
  if (value === undefined || value === "") return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new TypeError(
      `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

function readPath(env: EnvSource, name: string, fallback: string): string {
  const value = env.get(name);
  if (value === undefined || value === "") return fallback;
  if (value.includes("\0")) {
    throw new TypeError(`${name} must be a file system path, got a value with a NUL byte`);
  }
  return value;
}

function readList(env: EnvSource, name: string, fallback: readonly string[]): readonly string[] {
  const value = env.get(name);
  if (value === undefined) return fallback;
  return value.split(",").map((part) => part.trim()).filter((part) => part !== "");
}

function readChoice<T extends string>(
  env: EnvSource,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const value = env.get(name);
  if (value === undefined || value === "") return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new TypeError(
      `${name} must be one of ${choices.join(", ")}, got ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}

function readSwitch(env: EnvSource, name: string): "on" | "off" | "auto" {
  const value = env.get(name);
  if (value === undefined || value === "") return "auto";
  if (value === "1" || value === "true") return "on";
  if (value === "0" || value === "false") return "off";
  throw new TypeError(`${name} must be 1 or 0, got ${JSON.stringify(value)}`);
}

function readUrl(env: EnvSource, name: string, protocols: readonly string[]): string | undefined {
  const value = readOptional(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(
      `${name} must be a URL (for example http://127.0.0.1:4569), got ${JSON.stringify(value)}`,
    );
  }
  if (!protocols.includes(url.protocol)) {
    throw new TypeError(`${name} must use ${protocols.join(" or ")}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function readDatabaseUrl(env: EnvSource, name: string): string | undefined {
  const value = readOptional(env, name);
  if (value === undefined) return undefined;
  if (!/^postgres(ql)?:\/\//.test(value)) {
    throw new TypeError(
      `${name} must be a postgres:// or postgresql:// URL, got a value starting ${
        JSON.stringify(value.slice(0, 12))
      }`,
    );
  }
  return value;
}

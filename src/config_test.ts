import { assertEquals, assertThrows } from "../tests/assert.ts";
import { DEFAULTS, loadConfig } from "./config.ts";

const env = (entries: Record<string, string>) => new Map(Object.entries(entries));

Deno.test("loadConfig uses loopback and port 8080 by default", () => {
  assertEquals(loadConfig(env({})), DEFAULTS);
  assertEquals(DEFAULTS.host, "127.0.0.1");
  assertEquals(DEFAULTS.port, 8080);
});

Deno.test("loadConfig reads OVERLAP_HOST and OVERLAP_PORT", () => {
  const config = loadConfig(env({ OVERLAP_HOST: "::1", OVERLAP_PORT: "0" }));
  assertEquals([config.host, config.port], ["::1", 0]);
});

Deno.test("loadConfig derives cache, artifact and log directories from OVERLAP_DATA_DIR", () => {
  const config = loadConfig(env({ OVERLAP_DATA_DIR: "/srv/overlap/" }));
  assertEquals(config.cacheDir, "/srv/overlap/cache");
  assertEquals(config.artifactRoots, ["/srv/overlap/artifacts"]);
  assertEquals(config.logRoots, ["/srv/overlap/logs"]);
});

Deno.test("loadConfig reads per-pool cache limits", () => {
  const config = loadConfig(env({
    OVERLAP_CACHE_DAG_WORKERS: "3",
    OVERLAP_CACHE_LOGS_MAX_BYTES: "2048",
  }));
  assertEquals(config.cachePools.dag, { workers: 3, maxBytes: DEFAULTS.cachePools.dag.maxBytes });
  assertEquals(config.cachePools.logs.maxBytes, 2048);
  assertThrows(
    () => loadConfig(env({ OVERLAP_CACHE_ARTIFACTS_WORKERS: "0" })),
    TypeError,
    "OVERLAP_CACHE_ARTIFACTS_WORKERS must be a whole number from 1 to 64",
  );
});

Deno.test("loadConfig reads lists, switches and URLs, and refuses bad ones", () => {
  const config = loadConfig(env({
    OVERLAP_ALLOWED_ORIGINS: "http://a.example, https://b.example",
    OVERLAP_SIMULATOR: "0",
    DATABASE_URL: "postgres://u@127.0.0.1:5432/x",
  }));
  assertEquals(config.allowedOrigins, ["http://a.example", "https://b.example"]);
  assertEquals(config.simulator, "off");
  assertEquals(config.databaseUrl, "postgres://u@127.0.0.1:5432/x");
  assertThrows(
    () => loadConfig(env({ OVERLAP_SIMULATOR: "yes" })),
    TypeError,
    "OVERLAP_SIMULATOR must be 1 or 0",
  );
  assertThrows(
    () => loadConfig(env({ DATABASE_URL: "mysql://x" })),
    TypeError,
    "DATABASE_URL must be a postgres://",
  );
  assertThrows(
    () => loadConfig(env({ OVERLAP_S3_ENDPOINT: "ftp://x" })),
    TypeError,
    "OVERLAP_S3_ENDPOINT must use http: or https:",
  );
  assertThrows(
    () => loadConfig(env({ OVERLAP_LOG_LEVEL: "loud" })),
    TypeError,
    "OVERLAP_LOG_LEVEL must be one of debug, info, warn, error",
  );
});

Deno.test("loadConfig refuses a bad port with a message naming the variable", () => {
  for (const bad of ["-1", "65536", "80a", "8.5"]) {
    assertThrows(
      () => loadConfig(env({ OVERLAP_PORT: bad })),
      TypeError,
      "OVERLAP_PORT must be a whole number from 0 to 65535",
    );
  }
});

Deno.test("loadConfig refuses a host that is not a host", () => {
  assertThrows(
    () => loadConfig(env({ OVERLAP_HOST: "http://x" })),
    TypeError,
    "OVERLAP_HOST must be a host name or IP address",
  );
});

Deno.test("loadConfig reads OVERLAP_LOG_FORMAT and OVERLAP_DRAIN_TIMEOUT_MS, and refuses bad ones", () => {
  const config = loadConfig(env({ OVERLAP_LOG_FORMAT: "json", OVERLAP_DRAIN_TIMEOUT_MS: "2500" }));
  assertEquals([config.logFormat, config.drainTimeoutMs], ["json", 2500]);
  assertEquals([DEFAULTS.logFormat, DEFAULTS.drainTimeoutMs], ["text", 10000]);
  assertThrows(
    () => loadConfig(env({ OVERLAP_LOG_FORMAT: "JSON" })),
    TypeError,
    'OVERLAP_LOG_FORMAT must be one of text, json, got "JSON"',
  );
  assertThrows(
    () => loadConfig(env({ OVERLAP_DRAIN_TIMEOUT_MS: "0" })),
    TypeError,
    "OVERLAP_DRAIN_TIMEOUT_MS must be a whole number from 1 to 3600000",
  );
});

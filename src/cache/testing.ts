/**
 * Helpers for the cache's own tests: a client with the test actions on, in
 * a fresh temporary root, that forgets its server's stderr unless asked.
 *
 * @module
 */
import { silentLogger } from "../log.ts";
import { CacheClient } from "./client.ts";
import type { CacheClientOptions, RequestSpec } from "./client.ts";
import type { Entry } from "./entry_codec.ts";

/** A started test client and its root (removed by `close`). */
export interface TestPool {
  readonly client: CacheClient;
  /** The pool root. */
  readonly root: string;
  /** `<root>/test`, where test actions keep counters and gates. */
  readonly testDir: string;
  /** Creates the gate file `name`, letting gated test actions go on. */
  openGate(name: string): Promise<void>;
  /** Lines in the counter file `name` (worker runs of `test:count`). */
  count(name: string): Promise<number>;
  /** Closes the client and removes the root. */
  close(): Promise<void>;
}

/**
 * Starts a client with test actions on; `options` override the defaults
 * (2 workers, 1 MiB, 10 s timeout, silent server).
 *
 * @example
 * ```ts ignore
 * const pool = await startTestPool({ workers: 1 });
 * await pool.client.request(bytesSpec(["k"], 10));
 * await pool.close();
 * ```
 */
export async function startTestPool(options: Partial<CacheClientOptions> = {}): Promise<TestPool> {
  const root = await Deno.makeTempDir({ prefix: "overlap-cache-test-" });
  const client = await CacheClient.start({
    pool: "test",
    root,
    maxBytes: 1024 * 1024,
    workers: 2,
    timeoutMs: 10_000,
    actions: [],
    settings: {
      artifactRoots: [],
      logRoots: [],
      artifactMaxBytes: 1024,
      artifactHosts: [],
      s3Region: "us-east-1",
    },
    testActions: true,
    log: silentLogger,
    logLevel: "error",
    serverStderr: () => {},
    closeTimeoutMs: 1000,
    ...options,
  });
  const testDir = `${root}/test`;
  return {
    client,
    root,
    testDir,
    openGate: (name) => Deno.writeTextFile(`${testDir}/${name}`, ""),
    count: async (name) => {
      try {
        return (await Deno.readTextFile(`${testDir}/${name}`)).split("\n").filter(Boolean).length;
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return 0;
        throw error;
      }
    },
    close: async () => {
      await client.close();
      await Deno.remove(root, { recursive: true });
    },
  };
}

/**
 * A request for a test action whose value is the body length of each key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { testSpec } from "./testing.ts";
 * const spec = testSpec("test:bytes", ["a"], { bytes: 3 });
 * assert(spec.action === "test:bytes" && spec.keys[0] === "a");
 * ```
 */
export function testSpec(
  action: string,
  keys: readonly string[],
  payload: Record<string, unknown> = {},
  extra: Partial<RequestSpec<number[]>> = {},
): RequestSpec<number[]> {
  return {
    action,
    keys,
    payload: () => payload,
    decode: (entries: readonly Entry[]) => entries.map((entry) => entry.body.length),
    ...extra,
  };
}

/**
 * Waits for the first progress event of each future (i.e. their workers started).
 *
 * @example
 * ```ts ignore
 * await started([future]);
 * ```
 */
export async function started(
  futures: readonly { events(): AsyncGenerator<{ type: string }> }[],
): Promise<void> {
  await Promise.all(futures.map(async (future) => {
    for await (const event of future.events()) {
      if (event.type === "progress") return;
    }
  }));
}

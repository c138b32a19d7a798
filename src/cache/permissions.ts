/**
 * The Deno permission flags of the cache server and its workers: the
 * narrowest that work, so a bug in an action (or a hostile location) cannot
 * read outside the roots, write outside the cache, or reach other hosts.
 *
 * - server: read+write its pool root, read the pool's data roots, run only
 *   the deno executable (no net, no env);
 * - worker: read+write only its private job directory, read the pool's data
 *   roots, net only for the artifacts pool and only to the configured
 *   artifact hosts and the S3 endpoint, env only the two AWS variables.
 *
 * Caveat (Deno's model): `--allow-run` lets the server start deno with any
 * flags; the server only ever passes the worker flags below.
 *
 * @module
 */

/** What a process may touch. */
export interface PermissionPlan {
  readonly read: readonly string[];
  readonly write: readonly string[];
  readonly net: readonly string[];
  readonly run: readonly string[];
  readonly env: readonly string[];
}

/**
 * Turns a plan into `deno run` flags; empty lists give no flag (denied).
 *
 * @throws {TypeError} when a path or host contains a comma (it would split the list).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { permissionFlags } from "./permissions.ts";
 * const flags = permissionFlags({ read: ["/a", "/b"], write: ["/a"], net: [], run: [], env: [] });
 * assert.deepEqual(flags, ["--no-prompt", "--allow-read=/a,/b", "--allow-write=/a"]);
 * ```
 */
export function permissionFlags(plan: PermissionPlan): string[] {
  const flags = ["--no-prompt"];
  for (const kind of ["read", "write", "net", "run", "env"] as const) {
    const list = [...new Set(plan[kind])];
    if (list.length === 0) continue;
    for (const item of list) {
      if (item.includes(",")) {
        throw new TypeError(
          `cannot grant --allow-${kind} to ${JSON.stringify(item)}: it has a comma`,
        );
      }
    }
    flags.push(`--allow-${kind}=${list.join(",")}`);
  }
  return flags;
}

/**
 * The server's plan: its pool root, the data roots, and the deno executable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serverPermissions } from "./permissions.ts";
 * const plan = serverPermissions("/c/logs", ["/logs"], "/usr/bin/deno");
 * assert.deepEqual(plan.write, ["/c/logs"]);
 * assert.deepEqual(plan.net, []);
 * ```
 */
export function serverPermissions(
  root: string,
  dataRoots: readonly string[],
  execPath: string,
): PermissionPlan {
  return { read: [root, ...dataRoots], write: [root], net: [], run: [execPath], env: [] };
}

/**
 * A worker's plan: its job directory, the data roots (and in test mode the
 * test directory), the allowed hosts, the allowed environment variables.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workerPermissions } from "./permissions.ts";
 * const plan = workerPermissions("/c/a/tmp/job-1", ["/art"], ["127.0.0.1:9000"], []);
 * assert.deepEqual(plan.read, ["/c/a/tmp/job-1", "/art"]);
 * assert.deepEqual(plan.write, ["/c/a/tmp/job-1"]);
 * ```
 */
export function workerPermissions(
  jobDir: string,
  dataRoots: readonly string[],
  net: readonly string[],
  env: readonly string[],
  testDir?: string,
): PermissionPlan {
  const extra = testDir === undefined ? [] : [testDir];
  return {
    read: [jobDir, ...dataRoots, ...extra],
    write: [jobDir, ...extra],
    net,
    run: [],
    env,
  };
}

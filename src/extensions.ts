/**
 * The parts wired into a production server besides the realtime pipeline:
 * the cache pools and their GraphQL fields, the heartbeat monitor and the
 * scheduler simulator. Tests start servers without them, or with the ones
 * they exercise.
 *
 * @module
 */
import type { Config } from "./config.ts";
import type { StartOptions } from "./server.ts";

/**
 * The start options of `deno task start`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "./config.ts";
 * import { standardExtensions } from "./extensions.ts";
 * assert.equal(typeof standardExtensions(loadConfig(new Map())), "object");
 * ```
 */
export function standardExtensions(_config: Config): Omit<StartOptions, "log"> {
  return {};
}

/**
 * The parts wired into a production server besides the realtime pipeline:
 * GraphiQL at `/graphiql`, the cache pools and their GraphQL fields, the
 * heartbeat monitor with `POST /api/heartbeats`, and the scheduler simulator. Tests start servers
 * without them, or with the ones they exercise.
 *
 * @module
 */
import { cacheExtension } from "./cache/extension.ts";
import type { Config } from "./config.ts";
import { type GraphiqlExtension, graphiqlExtension } from "./graphiql/extension.ts";
import { type HeartbeatExtension, startHeartbeats } from "./heartbeat/extension.ts";
import type { Extension, StartOptions } from "./server.ts";
import { simulatorExtension } from "./simulator/extension.ts";

/**
 * The start options of `deno task start`: GraphiQL (its bundle built in the
 * background when stale), cache pools, heartbeat monitor and simulator, in
 * that order (stopped in reverse).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "./config.ts";
 * import { standardExtensions } from "./extensions.ts";
 * const options = standardExtensions(loadConfig(new Map()));
 * assert.equal(typeof options.extend, "function");
 * assert.equal(typeof options.services, "function");
 * ```
 */
export function standardExtensions(config: Config): Omit<StartOptions, "log"> {
  let heartbeats: HeartbeatExtension | undefined;
  let graphiql: GraphiqlExtension | undefined;
  return {
    async extend(db, log, { auth, availability }) {
      const started: Extension[] = [];
      try {
        graphiql = graphiqlExtension(log.child("graphiql"));
        started.push(graphiql);
        started.push(await cacheExtension(config, db, log));
        heartbeats = await startHeartbeats(config, db, log, { availability });
        started.push(heartbeats);
        started.push(
          await simulatorExtension(config, db, log, {
            tokensConfigured: auth === "tokens",
          }),
        );
        return started;
      } catch (error) {
        for (const extension of started.reverse()) await extension.close?.();
        throw error;
      }
    },
    services: () => ({
      heartbeats: (body, principal) => {
        if (heartbeats === undefined) throw new Error("the heartbeat monitor is not started");
        return heartbeats.route(body, principal);
      },
      graphiql: graphiql?.bundle,
    }),
  };
}

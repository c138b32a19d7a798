/**
 * The parts wired into a production server besides the realtime pipeline:
 * the browser UI at `/` and GraphiQL at `/graphiql`, the cache pools and their GraphQL fields, the
 * heartbeat monitor with `POST /api/heartbeats`, and the scheduler simulator. Tests start servers
 * without them, or with the ones they exercise.
 *
 * @module
 */
import { cacheExtension } from "./cache/extension.ts";
import type { Config } from "./config.ts";
import { type HeartbeatExtension, startHeartbeats } from "./heartbeat/extension.ts";
import type { Extension, StartOptions } from "./server.ts";
import { simulatorExtension } from "./simulator/extension.ts";
import { type WebExtension, webExtension } from "./web/extension.ts";

/**
 * The start options of `deno task start`: the pages (the UI's and
 * GraphiQL's bundles checked, and built when stale, while the rest starts;
 * the server listens once they are ready or failed), cache pools, heartbeat
 * monitor and simulator, in that order (stopped in reverse).
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
  let web: WebExtension | undefined;
  return {
    async extend(db, log, { auth }) {
      const started: Extension[] = [];
      try {
        web = webExtension(log.child("web"));
        started.push(web);
        started.push(await cacheExtension(config, db, log));
        heartbeats = await startHeartbeats(config, db, log);
        started.push(heartbeats);
        started.push(
          await simulatorExtension(config, db, log, {
            tokensConfigured: auth === "tokens",
          }),
        );
        // The pages are served from the first request on: no 503 for a
        // person who opens the UI right after starting the server.
        await web.ready;
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
      web: web?.apps,
    }),
  };
}

/**
 * Overlap's entry point: `deno task start`.
 *
 * Reads the configuration from the environment and serves the HTTP app.
 *
 * @module
 */
import { createApp } from "./src/app.ts";
import { loadConfig } from "./src/config.ts";

if (import.meta.main) {
  const config = loadConfig();
  const app = createApp();
  Deno.serve({
    hostname: config.host,
    port: config.port,
    onListen({ hostname, port }) {
      console.log(`[overlap] listening on http://${hostname}:${port} (GET /healthz)`);
    },
  }, app.fetch);
}

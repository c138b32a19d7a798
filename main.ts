/**
 * Overlap's entry point: `deno task start`.
 *
 * Reads the configuration from the environment and serves the HTTP app.
 * A configuration mistake stops the start with one line naming the
 * variable, and exit code 2.
 *
 * @module
 */
import { createApp } from "./src/app.ts";
import { type Config, loadConfig } from "./src/config.ts";

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    console.error(`[overlap] configuration error: ${error.message}`);
    Deno.exit(2);
  }
}

if (import.meta.main) {
  const config = configOrExit();
  const app = createApp();
  Deno.serve({
    hostname: config.host,
    port: config.port,
    onListen({ hostname, port }) {
      console.log(`[overlap] listening on http://${hostname}:${port} (GET /healthz)`);
    },
  }, app.fetch);
}

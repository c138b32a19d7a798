/**
 * Overlap's entry point: `deno task start`.
 *
 * Reads the configuration from the environment and starts the server:
 * embedded PGlite under `OVERLAP_DATA_DIR` unless `DATABASE_URL` is set. A
 * configuration mistake stops the start with one line naming the variable,
 * and exit code 2; any other failure to start (database, cache servers) with
 * one line naming the cause, and exit code 1. SIGINT/SIGTERM stop it cleanly.
 *
 * @module
 */
import { type Config, loadConfig } from "./src/config.ts";
import { createLogger } from "./src/log.ts";
import { startServer } from "./src/server.ts";
import { standardExtensions } from "./src/extensions.ts";
import { assetRoutes } from "./src/web/asset_routes.ts";
import { prepareUi, UI_BUNDLE } from "./src/web/ui_bundle.ts";

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
  const log = createLogger("overlap", config.logLevel);
  let server;
  try {
    // The UI is built before the server starts when missing or stale; a
    // failed build is logged and the UI answers 503, the rest runs.
    const ui = await prepareUi(log.child("ui"));
    server = await startServer(config, {
      log,
      ...standardExtensions(config),
      web: assetRoutes(ui, UI_BUNDLE.urlPath),
    });
  } catch (error) {
    // A configuration mistake exits 2; anything else (the database or a
    // cache server would not start) exits 1, with the cause on one line.
    log.error(`cannot start: ${(error as Error).message}`);
    Deno.exit(error instanceof TypeError ? 2 : 1);
  }
  const running = server;
  const stop = () => {
    log.info("signal received, stopping");
    running.close().then(() => Deno.exit(0));
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}

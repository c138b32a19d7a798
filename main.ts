/**
 * Overlap's entry point: `deno task start`.
 *
 * Reads the configuration from the environment and starts the server:
 * embedded PGlite under `OVERLAP_DATA_DIR` unless `DATABASE_URL` is set.
 *
 * Exit codes:
 * - 0: stopped by SIGTERM/SIGINT after a complete graceful drain;
 * - 1: could not start (database, cache servers), with one line naming the cause;
 * - 2: a configuration mistake, with one line naming the variable;
 * - 3: stopped with the drain incomplete: `OVERLAP_DRAIN_TIMEOUT_MS` passed
 *   (or a second signal came) first, or a drain step failed; the log says
 *   what was cut short.
 *
 * @module
 */
import { type Config, loadConfig } from "./src/config.ts";
import { createLogger } from "./src/log.ts";
import { startServer } from "./src/server.ts";
import { standardExtensions } from "./src/extensions.ts";

/** Exit code of a stop whose drain did not complete. */
export const EXIT_DRAIN_INCOMPLETE = 3;

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    // The format itself may be what is wrong, so read it as written.
    const json = Deno.env.get("OVERLAP_LOG_FORMAT") === "json";
    const log = createLogger("overlap", "error", undefined, undefined, json ? "json" : "text");
    log.error(`configuration error: ${error.message}`);
    Deno.exit(2);
  }
}

if (import.meta.main) {
  const config = configOrExit();
  const log = createLogger("overlap", config.logLevel, undefined, undefined, config.logFormat);
  let server;
  try {
    // The UI's and GraphiQL's bundles are built when missing or stale before
    // the server listens (src/web/extension.ts); a failed build is one log
    // line and that page answers 503, the rest runs.
    server = await startServer(config, { log, ...standardExtensions(config) });
  } catch (error) {
    // A configuration mistake exits 2; anything else (the database or a
    // cache server would not start) exits 1, with the cause on one line.
    log.error(`cannot start: ${(error as Error).message}`);
    Deno.exit(error instanceof TypeError ? 2 : 1);
  }
  const running = server;
  let signals = 0;
  const stop = (signal: Deno.Signal) => {
    signals++;
    if (signals > 1) {
      // An operator who asks twice wants it gone now.
      log.error("second signal during the drain: exiting now", { signal });
      Deno.exit(EXIT_DRAIN_INCOMPLETE);
    }
    log.info("signal received: draining", { signal, timeoutMs: config.drainTimeoutMs });
    running.close().then(
      (report) => Deno.exit(report.completed ? 0 : EXIT_DRAIN_INCOMPLETE),
      (error) => {
        log.error("drain failed", { error });
        Deno.exit(EXIT_DRAIN_INCOMPLETE);
      },
    );
  };
  Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
}

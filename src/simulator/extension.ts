/**
 * The scheduler simulator started with the server (`deno task start` on an
 * empty embedded database), so a newcomer sees a live system at once.
 *
 * It starts once the server listens, because it is a real HTTP client of the
 * server's ingest API, and stops before the server does.
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { Queryable } from "../db/database.ts";
import type { Logger } from "../log.ts";
import type { Extension } from "../server.ts";
import { shouldStartSimulator, simulatorOptions } from "./auto_start.ts";
import { Simulator, type SimulatorOptions } from "./simulator.ts";

/** Options of {@linkcode simulatorExtension}. */
export interface SimulatorExtensionOptions {
  /** Whether tokens are configured (the simulator then needs `OVERLAP_SIMULATOR_TOKEN`). */
  readonly tokensConfigured: boolean;
  /** Overrides of the simulator's options (tests: clock, timers, seed). */
  readonly simulator?: Partial<SimulatorOptions>;
}

/** The simulator as an extension; `simulator` is set once it started. */
export interface SimulatorExtension extends Extension {
  /** The running simulator, if it was started. */
  readonly simulator: Simulator | undefined;
}

/**
 * Decides now (the database is open) whether the simulator runs, and starts
 * it when the server listens. See {@linkcode shouldStartSimulator} for the
 * rule; with tokens configured and no `OVERLAP_SIMULATOR_TOKEN` it logs why
 * it does not start.
 *
 * @example
 * ```ts ignore
 * const sim = await simulatorExtension(config, db, log, { tokensConfigured: false });
 * await sim.onListen?.("http://127.0.0.1:8080");
 * await sim.close?.();
 * ```
 */
export async function simulatorExtension(
  config: Config,
  db: Queryable,
  log: Logger,
  options: SimulatorExtensionOptions,
): Promise<SimulatorExtension> {
  const simLog = log.child("simulator");
  let run = await shouldStartSimulator(config, db);
  if (run && options.tokensConfigured && config.simulatorToken === undefined) {
    simLog.warn(
      "not starting the simulator: tokens are configured and OVERLAP_SIMULATOR_TOKEN is not set " +
        "(it needs a token with write scope on ~sim/*)",
    );
    run = false;
  }
  let simulator: Simulator | undefined;
  return {
    get simulator() {
      return simulator;
    },
    onListen(url: string) {
      if (!run) return;
      simulator = new Simulator({
        ...simulatorOptions(config, url, { token: config.simulatorToken, log: simLog }),
        ...options.simulator,
      });
      simLog.info("the built-in simulator feeds this server (OVERLAP_SIMULATOR=0 turns it off)", {
        heartbeatS: config.heartbeatIntervalS,
      });
      simulator.start();
    },
    status: () => ({ simulator: simulator === undefined ? "off" : "running" }),
    // It posts to this server: stop it before the drain waits for ingest.
    async drain() {
      await simulator?.stop();
    },
    async close() {
      await simulator?.stop();
    },
  };
}

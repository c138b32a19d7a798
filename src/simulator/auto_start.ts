/**
 * Whether `deno task start` runs the simulator, and the simulator options
 * that follow from the server's configuration.
 *
 * `OVERLAP_SIMULATOR=1` always, `0` never; unset (`auto`): only on the
 * embedded database (no `DATABASE_URL`) when it holds no workflow other than
 * the simulator's own, so a fresh clone shows a live system at once and a
 * restart of the demo keeps it going, while a database with real workflows
 * is never mixed with simulated ones.
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { Queryable } from "../db/database.ts";
import type { Logger } from "../log.ts";
import { IngestClient } from "./client.ts";
import type { SimulatorOptions } from "./simulator.ts";
import { SIM_OWNER } from "./workflows.ts";

/**
 * Decides whether to start the simulator.
 *
 * @example
 * ```ts ignore
 * if (await shouldStartSimulator(config, db)) simulatorFromConfig(config, baseUrl, { token }).start();
 * ```
 */
export async function shouldStartSimulator(
  config: Pick<Config, "simulator" | "databaseUrl">,
  db: Queryable,
): Promise<boolean> {
  if (config.simulator === "on") return true;
  if (config.simulator === "off" || config.databaseUrl !== undefined) return false;
  const rows = await db.query<{ other: boolean }>(
    "select exists (select 1 from workflows where id not like $1) as other",
    [`~${SIM_OWNER}/%`],
  );
  return rows[0].other === false;
}

/** What {@linkcode simulatorOptions} needs besides the configuration. */
export interface SimulatorConnection {
  /** A scheduler token the server accepts. */
  readonly token?: string;
  /** Where the simulator logs. */
  readonly log?: Logger;
  /** PRNG seed; default: different every start. */
  readonly seed?: number;
}

/**
 * Simulator options from the server's configuration: files under the first
 * log and artifact roots, heartbeats at the configured interval, and silent
 * jobs given up (resubmitted) two heartbeat windows after they went quiet,
 * by which time the monitor has marked them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "../config.ts";
 * import { simulatorOptions } from "./auto_start.ts";
 * const options = simulatorOptions(loadConfig(new Map()), "http://127.0.0.1:8080", { seed: 1 });
 * assert.equal(options.logRoot, "./data/logs");
 * assert.equal(options.heartbeatMs, 60_000);
 * assert.equal(options.silentGiveUpMs, 180_000);
 * ```
 */
export function simulatorOptions(
  config: Pick<Config, "logRoots" | "artifactRoots" | "heartbeatIntervalS" | "heartbeatBufferS">,
  baseUrl: string,
  connection: SimulatorConnection = {},
): SimulatorOptions {
  const [logRoot] = config.logRoots;
  const [artifactRoot] = config.artifactRoots;
  if (logRoot === undefined || artifactRoot === undefined) {
    throw new TypeError(
      "the simulator writes job logs and artifacts under the first of OVERLAP_LOG_ROOTS and " +
        "OVERLAP_ARTIFACT_ROOTS; set at least one directory in each",
    );
  }
  return {
    client: new IngestClient({ baseUrl, token: connection.token }),
    logRoot,
    artifactRoot,
    heartbeatMs: config.heartbeatIntervalS * 1000,
    silentGiveUpMs: 2 * (config.heartbeatIntervalS + config.heartbeatBufferS) * 1000,
    seed: connection.seed ?? Math.floor(Math.random() * 2 ** 31),
    log: connection.log,
  };
}

/**
 * `deno task demo`: runs the scheduler simulator against a running Overlap
 * server until Ctrl-C.
 *
 * ```sh
 * deno run --allow-net --allow-env --allow-read=. --allow-write=./data src/simulator/main.ts \
 *   [--url http://127.0.0.1:8080] [--token TOKEN] [--seed N] [--cycles N]
 * ```
 *
 * The URL defaults to `OVERLAP_SIMULATOR_URL`, else `http://<OVERLAP_HOST>:<OVERLAP_PORT>`;
 * the token to `OVERLAP_SIMULATOR_TOKEN`. Files go under the first of
 * `OVERLAP_LOG_ROOTS` / `OVERLAP_ARTIFACT_ROOTS`, heartbeats follow
 * `OVERLAP_HEARTBEAT_INTERVAL_S`, like the server's own configuration.
 *
 * @module
 */
import { type EnvSource, loadConfig } from "../config.ts";
import { createLogger } from "../log.ts";
import { simulatorOptions } from "./auto_start.ts";
import { Simulator } from "./simulator.ts";

/** The command line, parsed. */
export interface SimulatorArgs {
  /** Base URL of the server. */
  readonly url: string;
  /** Scheduler token, if any. */
  readonly token: string | undefined;
  /** PRNG seed, if given. */
  readonly seed: number | undefined;
  /** Cycle points per workflow before stopping, if given. */
  readonly cycles: number | undefined;
}

/**
 * Parses the command line and environment. Throws a `TypeError` naming the
 * bad option and what was expected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSimulatorArgs } from "./main.ts";
 * const args = parseSimulatorArgs(["--seed", "5"], new Map([["OVERLAP_PORT", "9000"]]));
 * assert.deepEqual(args, { url: "http://127.0.0.1:9000", token: undefined, seed: 5, cycles: undefined });
 * ```
 */
export function parseSimulatorArgs(args: readonly string[], env: EnvSource): SimulatorArgs {
  const config = loadConfig(env);
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  const hostPart = host.includes(":") ? `[${host}]` : host;
  let url = config.simulatorUrl ?? `http://${hostPart}:${config.port}`;
  let token = config.simulatorToken;
  let seed: number | undefined;
  let cycles: number | undefined;
  for (let i = 0; i < args.length; i += 2) {
    const [name, value] = [args[i], args[i + 1]];
    if (value === undefined) {
      throw new TypeError(`${name} needs a value; usage: ${USAGE}`);
    }
    if (name === "--url") url = value;
    else if (name === "--token") token = value;
    else if (name === "--seed" || name === "--cycles") {
      if (!/^\d+$/.test(value)) {
        throw new TypeError(`${name} must be a whole number, got ${JSON.stringify(value)}`);
      }
      if (name === "--seed") seed = Number(value);
      else cycles = Number(value);
    } else {
      throw new TypeError(`unknown option ${JSON.stringify(name)}; usage: ${USAGE}`);
    }
  }
  return { url, token, seed, cycles };
}

const USAGE = "main.ts [--url URL] [--token TOKEN] [--seed N] [--cycles N]";

async function main(): Promise<void> {
  let args: SimulatorArgs;
  try {
    args = parseSimulatorArgs(Deno.args, Deno.env);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
  const config = loadConfig(Deno.env);
  const log = createLogger("simulator", config.logLevel, undefined, undefined, config.logFormat);
  const simulator = new Simulator({
    ...simulatorOptions(config, args.url, { token: args.token, seed: args.seed, log }),
    maxCycles: args.cycles,
  });
  log.info("simulating", { url: args.url, workflows: simulator.workflowIds.join(",") });
  const done = Promise.withResolvers<void>();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => done.resolve());
  }
  simulator.start();
  const poll = setInterval(() => {
    if (simulator.finished) done.resolve();
  }, 1000);
  await done.promise;
  clearInterval(poll);
  await simulator.stop();
  log.info("simulator stopped");
  Deno.exit(0);
}

if (import.meta.main) await main();

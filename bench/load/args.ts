/**
 * The flags of `deno task load`, checked: an unknown flag or a bad value
 * stops the script with a message naming the flag and what was expected.
 *
 * @module
 */
import type { PeerTransport } from "../peer/peer_server.ts";

/** What the load script does. */
export type LoadMode = "single" | "peer" | "sweep" | "heap" | "cpu";

/** Parsed flags. */
export interface LoadArgs {
  /** `single` (default), `peer`, `sweep`, `heap` or `cpu` (`--peer`, …). */
  readonly mode: LoadMode;
  /** Clients (single and peer modes). */
  readonly clients: number;
  /** Cohorts (single and peer modes). */
  readonly cohorts: number;
  /** Deltas/s of the single run, and the common rate of the peer comparison. */
  readonly rate: number;
  /** Seconds of the single run, and of each step elsewhere. */
  readonly seconds: number;
  /** Tasks per delta (single and peer modes). */
  readonly touch: number;
  /** Client worker threads. */
  readonly workers: number;
  /** Peer transports to compare (`--peer-transport ws|deno|both`). */
  readonly transports: readonly PeerTransport[];
  /** Highest rate the sustained-rate search tries. */
  readonly maxRate: number;
  /** p99 bound of a sustained rate, ms. */
  readonly p99Ms: number;
  /** Looser p99 bound of the peer comparison's second search ("keeps up"), ms. */
  readonly keepUpMs: number;
  /** Sweep: client counts. */
  readonly sweepClients: readonly number[];
  /** Sweep: rates, tried in increasing order until one fails. */
  readonly sweepRates: readonly number[];
  /** Sweep: cohort counts (at `sweepCohortClients` clients and `sweepCohortRate`). */
  readonly sweepCohorts: readonly number[];
  /** Sweep: cohorts of the clients × rates grid. */
  readonly sweepGridCohorts: number;
  /** Sweep: clients of the cohort series. */
  readonly sweepCohortClients: number;
  /** Sweep: rate of the cohort series. */
  readonly sweepCohortRate: number;
  /** Sweep: Overlap instances behind one database (`--instances 1,2`). */
  readonly instances: readonly number[];
  /** Server `--cpu` profiles: `overlap` (default) or `peer` (`--cpu-server`). */
  readonly cpuServer: "overlap" | "peer";
  /** Checkout whose `main.ts` runs as Overlap (`--root DIR`; this one by default), for before/after runs. */
  readonly root?: string;
}

const DEFAULTS: LoadArgs = {
  mode: "single",
  clients: 2000,
  cohorts: 50,
  rate: 50,
  seconds: 30,
  touch: 10,
  workers: 1,
  transports: ["ws"],
  maxRate: 3200,
  p99Ms: 50,
  keepUpMs: 1000,
  sweepClients: [1000, 2000, 5000, 10000],
  sweepRates: [10, 50, 100, 200],
  sweepCohorts: [10, 100, 1000],
  sweepGridCohorts: 100,
  sweepCohortClients: 5000,
  sweepCohortRate: 50,
  instances: [1, 2],
  cpuServer: "overlap",
};

function positive(flag: string, raw: string | undefined, integer = true): number {
  const value = Number(raw);
  if (
    raw === undefined || !Number.isFinite(value) || value <= 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw new TypeError(
      `${flag} expects a ${integer ? "whole " : ""}number > 0, got ${JSON.stringify(raw ?? null)}`,
    );
  }
  return value;
}

function list(flag: string, raw: string | undefined): number[] {
  if (raw === undefined || raw === "") {
    throw new TypeError(`${flag} expects a comma-separated list of numbers`);
  }
  return raw.split(",").map((part) => positive(flag, part.trim()));
}

/**
 * Parses `deno task load` flags. Single-run defaults reproduce the README's
 * figures: 2,000 clients, 50 cohorts, 50 deltas/s for 30 s, 10 tasks per delta.
 *
 * @throws {TypeError} for an unknown flag, a missing value or a bad number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseLoadArgs } from "./args.ts";
 * const args = parseLoadArgs(["--peer", "--clients", "500", "--peer-transport", "both"]);
 * assert.equal(args.mode, "peer");
 * assert.equal(args.clients, 500);
 * assert.deepEqual(args.transports, ["ws", "deno"]);
 * ```
 */
export function parseLoadArgs(argv: readonly string[]): LoadArgs {
  const out: { -readonly [K in keyof LoadArgs]: LoadArgs[K] } = { ...DEFAULTS };
  let touchSet = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i];
    switch (flag) {
      case "--peer":
      case "--cpu":
      case "--heap":
      case "--sweep": {
        const mode = flag.slice(2) as LoadMode;
        if (out.mode !== "single" && out.mode !== mode) {
          throw new TypeError("--peer, --sweep, --heap and --cpu are separate runs; give one");
        }
        out.mode = mode;
        break;
      }
      case "--clients":
        out.clients = positive(flag, value());
        break;
      case "--cohorts":
        out.cohorts = positive(flag, value());
        break;
      case "--rate":
        out.rate = positive(flag, value(), false);
        break;
      case "--seconds":
        out.seconds = positive(flag, value(), false);
        break;
      case "--touch":
        out.touch = positive(flag, value());
        touchSet = true;
        break;
      case "--workers":
        out.workers = positive(flag, value());
        break;
      case "--max-rate":
        out.maxRate = positive(flag, value(), false);
        break;
      case "--p99-ms":
        out.p99Ms = positive(flag, value(), false);
        break;
      case "--keep-up-ms":
        out.keepUpMs = positive(flag, value(), false);
        break;
      case "--peer-transport": {
        const raw = value();
        if (raw === "both") out.transports = ["ws", "deno"];
        else if (raw === "ws" || raw === "deno") out.transports = [raw];
        else {throw new TypeError(
            `--peer-transport expects ws, deno or both, got ${JSON.stringify(raw ?? null)}`,
          );}
        break;
      }
      case "--sweep-clients":
        out.sweepClients = list(flag, value());
        break;
      case "--sweep-rates":
        out.sweepRates = list(flag, value()).sort((a, b) => a - b);
        break;
      case "--sweep-cohorts":
        out.sweepCohorts = list(flag, value());
        break;
      case "--sweep-grid-cohorts":
        out.sweepGridCohorts = positive(flag, value());
        break;
      case "--sweep-cohort-clients":
        out.sweepCohortClients = positive(flag, value());
        break;
      case "--sweep-cohort-rate":
        out.sweepCohortRate = positive(flag, value(), false);
        break;
      case "--cpu-server": {
        const raw = value();
        if (raw !== "overlap" && raw !== "peer") {
          throw new TypeError(
            `--cpu-server expects overlap or peer, got ${JSON.stringify(raw ?? null)}`,
          );
        }
        out.cpuServer = raw;
        break;
      }
      case "--root": {
        const raw = value();
        if (!raw) throw new TypeError("--root expects the directory of an Overlap checkout");
        out.root = raw;
        break;
      }
      case "--instances":
        out.instances = list(flag, value());
        break;
      default:
        throw new TypeError(
          `unknown flag ${JSON.stringify(flag)}; see the header of bench/load.ts`,
        );
    }
  }
  if (!touchSet) out.touch = Math.min(out.touch, out.cohorts);
  if (out.mode === "sweep" && argv.indexOf("--seconds") < 0) out.seconds = 10;
  if (out.mode === "peer" && argv.indexOf("--seconds") < 0) out.seconds = 10;
  if (out.mode === "peer" && argv.indexOf("--rate") < 0) out.rate = 10;
  return out;
}

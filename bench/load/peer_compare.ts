/**
 * `deno task load --peer`: Overlap and the peer server under the same
 * clients, subscriptions and deltas, one after the other in one invocation
 * (each on a fresh database). For each: RSS per connection, CPU per frame at
 * the common `--rate`, the highest rate it sustains (p99 ≤ `--p99-ms`,
 * nothing lost, every client exactly its deltas), and the highest rate it
 * keeps up with (p99 ≤ `--keep-up-ms`, nothing lost: the throughput bound,
 * finite even for a server that never meets the latency bound); then the
 * ratios.
 *
 * @module
 */
import type { PeerTransport } from "../peer/peer_server.ts";
import type { LoadArgs } from "./args.ts";
import { searchRate } from "./rate_search.ts";
import { LoadSession, type MemoryResult, type StepResult, sustained } from "./session.ts";
import { type ServerKind, withServers } from "./servers.ts";
import { markdownTable } from "./table.ts";

/** What one contender measured. */
export interface ContenderResult {
  /** `overlap`, `peer (ws)` or `peer (deno)`. */
  readonly label: string;
  /** RSS while the clients opened. */
  readonly memory: MemoryResult;
  /** The step at the common rate. */
  readonly common: StepResult;
  /** Highest sustained rate, p99 ≤ `--p99-ms` (0 when none). */
  readonly best: number;
  /** The step at that rate. */
  readonly bestStep?: StepResult;
  /** Highest rate it keeps up with, p99 ≤ `--keep-up-ms` (0 when none). */
  readonly keepUp: number;
  /** The step at that rate. */
  readonly keepUpStep?: StepResult;
  /** Every step of the search, in order. */
  readonly steps: readonly StepResult[];
}

/**
 * The step rows every table of the load script prints.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { STEP_HEADERS } from "./peer_compare.ts";
 * assert.equal(STEP_HEADERS[0], "deltas/s");
 * ```
 */
export const STEP_HEADERS = [
  "deltas/s",
  "posted/s",
  "frames/s",
  "p50 ms",
  "p99 ms",
  "max ms",
  "lost",
  "wrong",
  "server CPU %",
  "load CPU %",
  "db CPU %",
  "machine busy %",
  "µs CPU/frame",
] as const;

/**
 * One step as a table row (see {@linkcode STEP_HEADERS}).
 *
 * @example
 * ```ts ignore
 * const rows = session.steps.map(stepRow);
 * console.log(markdownTable(STEP_HEADERS, rows));
 * ```
 */
export function stepRow(step: StepResult): number[] {
  return [
    step.rate,
    step.postedRate,
    step.framesPerSecond,
    step.p50,
    step.p99,
    step.max,
    step.lost,
    step.wrongClients,
    step.serverCpuPct,
    step.loadCpuPct,
    step.dbCpuPct,
    step.machineBusyPct,
    step.serverCpuPerFrameUs,
  ];
}

/**
 * Runs the comparison and prints its tables.
 *
 * @example
 * ```ts ignore
 * await peerComparison(parseLoadArgs(["--peer"]), Deno.env.get("DATABASE_URL"));
 * ```
 */
export async function peerComparison(args: LoadArgs, adminUrl: string | undefined): Promise<void> {
  const scenario = { clients: args.clients, cohorts: args.cohorts, touch: args.touch };
  const contenders: { label: string; kind: ServerKind; transport?: PeerTransport }[] = [
    { label: "overlap", kind: "overlap" },
    ...args.transports.map((transport) => ({
      label: `peer (${transport})`,
      kind: "peer" as const,
      transport,
    })),
  ];
  console.error(
    `peer comparison: ${args.clients} clients, ${args.cohorts} cohorts, ${args.touch} tasks per delta, ` +
      `${args.seconds} s steps, ${adminUrl ? "PostgreSQL" : "PGlite"}`,
  );
  const results: ContenderResult[] = [];
  for (const contender of contenders) {
    console.error(`== ${contender.label}`);
    results.push(
      await withServers({
        kind: contender.kind,
        transport: contender.transport,
        count: 1,
        adminUrl,
        maxConnections: args.clients + 100,
        root: args.root,
      }, async ({ servers, database }) => {
        const session = await LoadSession.open({
          servers,
          scenario,
          workers: args.workers,
          database,
        });
        try {
          const steps: StepResult[] = [];
          const runner = (bound: number) => async (rate: number) => {
            const step = await session.step(rate, args.seconds);
            steps.push(step);
            const ok = sustained(step, bound);
            console.error(
              `  ${rate} deltas/s (p99 ≤ ${bound} ms?): p99 ${step.p99} ms, lost ${step.lost}, ` +
                `wrong ${step.wrongClients}, server CPU ${step.serverCpuPct} %, ` +
                `load CPU ${step.loadCpuPct} % → ${ok ? "ok" : "FAIL"}`,
            );
            if (!ok) await session.quiesce();
            return { ...step, ok };
          };
          const strict = await searchRate(runner(args.p99Ms), {
            start: args.rate,
            max: args.maxRate,
            bisections: 3,
          });
          const loose = await searchRate(runner(args.keepUpMs), {
            start: Math.max(args.rate, strict.best),
            max: args.maxRate,
            bisections: 3,
          });
          const at = (probes: (StepResult & { ok: boolean })[], rate: number) =>
            probes.filter((p) => p.ok && p.rate === rate).at(-1);
          return {
            label: contender.label,
            memory: session.memory,
            common: steps[0],
            best: strict.best,
            bestStep: at(strict.probes, strict.best),
            keepUp: loose.best,
            keepUpStep: at(loose.probes, loose.best),
            steps,
          };
        } finally {
          await session.close();
        }
      }),
    );
  }
  printComparison(args, results);
}

function printComparison(args: LoadArgs, results: readonly ContenderResult[]): void {
  const out: string[] = [];
  out.push(
    `## Peer comparison: ${args.clients} clients, ${args.cohorts} cohorts, ${args.touch} tasks per delta, ` +
      `${args.seconds} s per step (${new Date().toISOString()})`,
  );
  for (const result of results) {
    out.push("", `### ${result.label}: steps in the order run`, "");
    out.push(markdownTable(STEP_HEADERS, result.steps.map(stepRow)));
  }
  out.push("", "### Summary", "");
  out.push(markdownTable(
    [
      "server",
      `max deltas/s, p99 ≤ ${args.p99Ms} ms`,
      "frames/s there",
      "p99 there ms",
      `max deltas/s, p99 ≤ ${args.keepUpMs} ms`,
      "frames/s there",
      `µs CPU/frame at ${args.rate}/s`,
      "RSS/conn avg KB",
      "RSS/conn marginal KB",
      "RSS/conn slope KB",
    ],
    results.map((r) => [
      r.label,
      r.best,
      r.bestStep?.framesPerSecond ?? NaN,
      r.bestStep?.p99 ?? NaN,
      r.keepUp,
      r.keepUpStep?.framesPerSecond ?? NaN,
      r.common.serverCpuPerFrameUs,
      r.memory.averageKB,
      r.memory.marginalKB,
      r.memory.slopeKB,
    ]),
  ));
  const overlap = results[0];
  for (const peer of results.slice(1)) {
    out.push(
      "",
      `Ratios, overlap vs ${peer.label}: sustained rate (p99 ≤ ${args.p99Ms} ms) ` +
        `${
          ratio(overlap.best, peer.best)
        }× (target ≥ 10×), rate kept up with (p99 ≤ ${args.keepUpMs} ms) ` +
        `${ratio(overlap.keepUp, peer.keepUp)}×, CPU per frame ${
          ratio(peer.common.serverCpuPerFrameUs, overlap.common.serverCpuPerFrameUs)
        }× less, ` +
        `RSS per connection ${
          ratio(peer.memory.marginalKB, overlap.memory.marginalKB)
        }× less (marginal), ` +
        `${ratio(peer.memory.averageKB, overlap.memory.averageKB)}× less (average)` +
        (overlap.best >= args.maxRate
          ? `; overlap reached --max-rate ${args.maxRate}, so its ratio is a lower bound`
          : ""),
    );
  }
  console.log(out.join("\n"));
}

function ratio(a: number, b: number): string {
  if (b === 0) return a === 0 ? "—" : "∞";
  return (a / b).toFixed(2);
}

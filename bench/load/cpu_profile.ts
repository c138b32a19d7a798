/**
 * `deno task load --cpu`: where the server's main thread spends its time
 * under the load scenario. Starts the server (Overlap, or the peer with
 * `--cpu-server peer`) with `--inspect`, opens the clients, then samples
 * one step at `--rate` for `--seconds` with V8's CPU profiler and prints
 * self time per function. Only the JavaScript thread is sampled: time in
 * Deno's Rust threads shows up as the ops' JavaScript callers at most.
 *
 * @module
 */
import type { LoadArgs } from "./args.ts";
import { type CpuProfile, Inspector, selfTimes } from "./inspector.ts";
import { LoadSession } from "./session.ts";
import { freePort, withServers } from "./servers.ts";
import { markdownTable } from "./table.ts";

/**
 * Runs the profile and prints the table.
 *
 * @example
 * ```ts ignore
 * await cpuProfile(parseLoadArgs(["--cpu", "--rate", "50"]), Deno.env.get("DATABASE_URL"));
 * ```
 */
export async function cpuProfile(args: LoadArgs, adminUrl: string | undefined): Promise<void> {
  const scenario = { clients: args.clients, cohorts: args.cohorts, touch: args.touch };
  const inspectAt = `127.0.0.1:${freePort()}`;
  const kind = args.cpuServer;
  const { profile, step } = await withServers({
    kind,
    transport: args.transports[0],
    count: 1,
    adminUrl,
    maxConnections: args.clients + 100,
    root: args.root,
    denoFlags: [`--inspect=${inspectAt}`],
  }, async ({ servers, database }) => {
    const inspector = await Inspector.connect(inspectAt);
    const session = await LoadSession.open({ servers, scenario, workers: args.workers, database });
    try {
      await inspector.send("Profiler.enable");
      await inspector.send("Profiler.setSamplingInterval", { interval: 200 });
      await inspector.send("Profiler.start");
      const step = await session.step(args.rate, args.seconds);
      const { profile } = await inspector.send<{ profile: CpuProfile }>("Profiler.stop");
      return { profile, step };
    } finally {
      await session.close();
      inspector.close();
    }
  });
  const rows = selfTimes(profile).slice(0, 30);
  console.log([
    `## CPU profile of ${kind}: ${args.clients} clients, ${args.cohorts} cohorts, ${args.rate} deltas/s for ` +
    `${args.seconds} s, ${step.framesReceived} frames, server CPU ${step.serverCpuPct} % ` +
    `(${step.serverCpuPerFrameUs} µs per frame) (${new Date().toISOString()})`,
    "",
    markdownTable(
      ["function (self time)", "% of samples", "ms"],
      rows.map((r) => [r.key, r.percent, r.ms]),
    ),
  ].join("\n"));
}

/**
 * `deno task load` without a mode flag: one Overlap server, one step, the
 * JSON record the README's "Realtime load" table is made from.
 *
 * @module
 */
import type { LoadArgs } from "./args.ts";
import { LoadSession } from "./session.ts";
import { withServers } from "./servers.ts";

/**
 * Runs the single load run and prints its JSON record.
 *
 * @example
 * ```ts ignore
 * await singleRun(parseLoadArgs([]), Deno.env.get("DATABASE_URL"));
 * ```
 */
export async function singleRun(args: LoadArgs, adminUrl: string | undefined): Promise<void> {
  const scenario = { clients: args.clients, cohorts: args.cohorts, touch: args.touch };
  const record = await withServers({
    kind: "overlap",
    count: 1,
    adminUrl,
    maxConnections: args.clients + 100,
    root: args.root,
  }, async ({ servers, database }) => {
    const session = await LoadSession.open({ servers, scenario, workers: args.workers, database });
    try {
      const step = await session.step(args.rate, args.seconds);
      const m = session.memory;
      return {
        database: database ? "postgres" : "pglite",
        clients: args.clients,
        cohorts: args.cohorts,
        touch: args.touch,
        deltas: step.deltas,
        rate: args.rate,
        seconds: args.seconds,
        connectMs: m.connectMs,
        framesExpected: step.framesExpected,
        framesReceived: step.framesReceived,
        lost: step.lost,
        wrongClients: step.wrongClients,
        framesPerSecond: step.framesPerSecond,
        latencyMs: { p50: step.p50, p99: step.p99, max: step.max },
        serverRssKiB: {
          before: m.rssKiB[0],
          half: m.rssKiB[2],
          after: m.rssKiB[4],
          quarters: m.rssKiB,
        },
        rssPerConnectionKB: { average: m.averageKB, marginal: m.marginalKB, slope: m.slopeKB },
        cpu: {
          serverPct: step.serverCpuPct,
          loadPct: step.loadCpuPct,
          databasePct: step.dbCpuPct,
          machineBusyPct: step.machineBusyPct,
          serverUsPerFrame: step.serverCpuPerFrameUs,
        },
      };
    } finally {
      await session.close();
    }
  });
  console.log(JSON.stringify(record, null, 2));
}

/**
 * `deno task load --sweep`: how far one Overlap instance, and two behind one
 * PostgreSQL, go on this machine. A grid of clients × rates (at
 * `--sweep-grid-cohorts` cohorts, a tenth of them touched per delta; rates
 * in increasing order, stopping after the first the server does not keep
 * up with: p99 over `--keep-up-ms` or a frame lost) and a series over
 * the number of cohorts. Every row shows the CPU of the servers, of the
 * load process and of the database, and the machine's busy time, so it is
 * plain which one saturates.
 *
 * @module
 */
import type { LoadArgs } from "./args.ts";
import { STEP_HEADERS, stepRow } from "./peer_compare.ts";
import type { Scenario } from "./scenario.ts";
import { LoadSession, type StepResult, sustained } from "./session.ts";
import { withServers } from "./servers.ts";
import { markdownTable } from "./table.ts";

interface Row {
  readonly instances: number;
  readonly scenario: Scenario;
  readonly rssPerConnKB: number;
  readonly step?: StepResult;
  readonly note?: string;
  readonly rate?: number;
}

async function series(
  args: LoadArgs,
  adminUrl: string | undefined,
  instances: number,
  scenario: Scenario,
  rates: readonly number[],
): Promise<Row[]> {
  console.error(
    `== ${instances} instance(s), ${scenario.clients} clients, ${scenario.cohorts} cohorts, ` +
      `touch ${scenario.touch}, rates ${rates.join(", ")}`,
  );
  return await withServers({
    kind: "overlap",
    count: instances,
    adminUrl,
    maxConnections: scenario.clients + 100,
    root: args.root,
  }, async ({ servers, database }) => {
    const rows: Row[] = [];
    const session = await LoadSession.open({ servers, scenario, workers: args.workers, database });
    try {
      let failed = false;
      for (const rate of rates) {
        if (failed) {
          rows.push({
            instances,
            scenario,
            rssPerConnKB: session.memory.marginalKB,
            note: "not run: a lower rate was not kept up with",
            rate,
          });
          continue;
        }
        const step = await session.step(rate, args.seconds);
        const ok = sustained(step, args.p99Ms);
        const keptUp = sustained(step, args.keepUpMs);
        console.error(
          `  ${rate} deltas/s: ${step.framesPerSecond} frames/s, p99 ${step.p99} ms, lost ${step.lost}, ` +
            `server ${step.serverCpuPct} %, load ${step.loadCpuPct} %, db ${step.dbCpuPct} % → ${
              ok ? "ok" : keptUp ? "p99 over target, kept up" : "did not keep up"
            }`,
        );
        rows.push({ instances, scenario, rssPerConnKB: session.memory.marginalKB, step });
        // A rate that breaks the latency target still tells where the
        // server stands; one it cannot keep up with leaves a backlog that
        // spoils every higher rate, so the series stops there.
        if (!keptUp) {
          failed = true;
          await session.quiesce();
        }
      }
    } finally {
      await session.close();
    }
    return rows;
  });
}

function noteOf(step: StepResult, args: LoadArgs): string {
  if (sustained(step, args.p99Ms)) return "";
  if (sustained(step, args.keepUpMs)) return `p99 over ${args.p99Ms} ms`;
  return `not kept up with (p99 over ${args.keepUpMs} ms, or loss)`;
}

/**
 * Runs the sweep and prints one table per instance count.
 *
 * @example
 * ```ts ignore
 * await sweep(parseLoadArgs(["--sweep", "--instances", "2"]), Deno.env.get("DATABASE_URL"));
 * ```
 */
export async function sweep(args: LoadArgs, adminUrl: string | undefined): Promise<void> {
  const out: string[] = [];
  const touchOf = (cohorts: number) => Math.max(1, Math.round(cohorts / 10));
  for (const instances of args.instances) {
    if (instances > 1 && !adminUrl) {
      out.push(
        `\n(${instances} instances skipped: they share a PostgreSQL database; set DATABASE_URL)`,
      );
      continue;
    }
    const rows: Row[] = [];
    for (const clients of args.sweepClients) {
      const cohorts = Math.min(args.sweepGridCohorts, clients);
      rows.push(
        ...await series(
          args,
          adminUrl,
          instances,
          { clients, cohorts, touch: touchOf(cohorts) },
          args.sweepRates,
        ),
      );
    }
    for (const cohorts of args.sweepCohorts) {
      const clients = Math.max(args.sweepCohortClients, cohorts);
      rows.push(
        ...await series(args, adminUrl, instances, { clients, cohorts, touch: touchOf(cohorts) }, [
          args.sweepCohortRate,
        ]),
      );
    }
    out.push(
      "",
      `## Sweep: ${instances} Overlap instance(s)${
        instances > 1 ? " behind one PostgreSQL, clients split" : ""
      }, ` +
        `${args.seconds} s per step, ${adminUrl ? "PostgreSQL" : "PGlite"} (${
          new Date().toISOString()
        })`,
      "",
      markdownTable(
        ["clients", "cohorts", "touch", ...STEP_HEADERS, "RSS/conn KB", "note"],
        rows.map((row) => [
          row.scenario.clients,
          row.scenario.cohorts,
          row.scenario.touch,
          ...(row.step
            ? stepRow(row.step)
            : [row.rate ?? NaN, ...STEP_HEADERS.slice(1).map(() => NaN)]),
          row.rssPerConnKB,
          row.note ?? noteOf(row.step!, args),
        ]),
      ),
    );
  }
  console.log(out.join("\n"));
}

/**
 * The realtime load benchmark: `deno task load`.
 *
 * Servers run as separate processes (embedded PGlite in a temporary
 * directory; or, with `DATABASE_URL` set to any database of a PostgreSQL
 * server, a fresh database created on that server for each run and dropped
 * after). Clients run in worker threads of this process (`--workers`); each
 * opens one WebSocket (`graphql-transport-ws`) with one delta-mode
 * subscription to one task. Each delta sets the status of `--touch` tasks,
 * so `touch / cohorts` of the clients get a frame per delta. Latency runs
 * from the start of the POST to receipt; every client's frames are checked
 * against the deltas it should have received.
 *
 *   deno task load [--clients 2000] [--cohorts 50] [--rate 50] [--seconds 30] [--touch 10] [--workers 1]
 *       one Overlap run; prints a JSON record (latency, loss, RSS per connection, CPU)
 *   deno task load --peer [--peer-transport ws|deno|both] [--rate 10] [--seconds 10] [--max-rate 3200]
 *       [--p99-ms 50] [--keep-up-ms 1000]
 *       Overlap and the peer (bench/peer/) under the same clients and deltas, one after the
 *       other in this one invocation: RSS per connection, CPU per frame at --rate, and the
 *       highest rate each sustains (p99 ≤ --p99-ms, nothing lost) and keeps up with (p99 ≤
 *       --keep-up-ms); prints tables and ratios
 *   deno task load --sweep [--sweep-clients 1000,2000,5000,10000] [--sweep-rates 10,50,100,200]
 *       [--sweep-grid-cohorts 100] [--sweep-cohorts 10,100,1000] [--sweep-cohort-clients 5000]
 *       [--sweep-cohort-rate 50] [--instances 1,2] [--seconds 10]
 *       clients × rates (rates in increasing order until one fails) and a cohort series, on one
 *       Overlap instance and on two behind one PostgreSQL (clients split); prints tables
 *   deno task load --heap [--clients 2000] [--cohorts 50]
 *       Overlap under --inspect: RSS, V8 heap and heap-snapshot growth per connection, by object type
 *   deno task load --cpu [--cpu-server overlap|peer] [--rate 50] [--seconds 10]
 *       the server under --inspect: V8 CPU profile of one step, self time per function
 *
 * @module
 */
import { parseLoadArgs } from "./load/args.ts";
import { cpuProfile } from "./load/cpu_profile.ts";
import { heapProfile } from "./load/heap_profile.ts";
import { peerComparison } from "./load/peer_compare.ts";
import { singleRun } from "./load/single_run.ts";
import { sweep } from "./load/sweep.ts";

if (import.meta.main) {
  let args;
  try {
    args = parseLoadArgs(Deno.args);
  } catch (error) {
    console.error(`load: ${(error as Error).message}`);
    Deno.exit(2);
  }
  const adminUrl = Deno.env.get("DATABASE_URL") || undefined;
  if (args.mode === "single") await singleRun(args, adminUrl);
  else if (args.mode === "peer") await peerComparison(args, adminUrl);
  else if (args.mode === "heap") await heapProfile(args, adminUrl);
  else if (args.mode === "cpu") await cpuProfile(args, adminUrl);
  else await sweep(args, adminUrl);
}

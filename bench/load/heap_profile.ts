/**
 * `deno task load --heap`: what one connection costs the server, from the
 * inside. Starts Overlap with `--inspect`, opens half the clients (the same
 * clients and subscriptions as the load run), then the other half; after
 * each, runs a full GC and reads RSS and the V8 heap. Then takes a heap
 * snapshot, closes the second half, and takes another: the difference is
 * what those connections held. Prints the split of RSS growth per
 * connection (V8 heap in use and committed, and outside V8: Rust sockets,
 * buffers, malloc), and the V8 objects per connection by type.
 *
 * @module
 */
import type { LoadArgs } from "./args.ts";
import { groupHeap, heapGrowth, Inspector } from "./inspector.ts";
import { rssKiB } from "./proc.ts";
import { ClientPool } from "./client_pool.ts";
import { checkScenario, setupBody, subscriptionOf } from "./scenario.ts";
import { freePort, withServers } from "./servers.ts";
import { markdownTable } from "./table.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the profile and prints its tables.
 *
 * @example
 * ```ts ignore
 * await heapProfile(parseLoadArgs(["--heap"]), Deno.env.get("DATABASE_URL"));
 * ```
 */
export async function heapProfile(args: LoadArgs, adminUrl: string | undefined): Promise<void> {
  const scenario = { clients: args.clients, cohorts: args.cohorts, touch: args.touch };
  checkScenario(scenario);
  const inspectAt = `127.0.0.1:${freePort()}`;
  const half = Math.floor(scenario.clients / 2);
  const result = await withServers({
    kind: "overlap",
    count: 1,
    adminUrl,
    maxConnections: args.clients + 100,
    root: args.root,
    denoFlags: [`--inspect=${inspectAt}`],
  }, async ({ servers }) => {
    const [server] = servers;
    const inspector = await Inspector.connect(inspectAt);
    const specs = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, k) => ({
        index: from + k,
        url: server.wsUrl,
        query: subscriptionOf((from + k) % scenario.cohorts),
      }));
    // RSS is read after a GC and before any snapshot: serializing a
    // snapshot grows the process by far more than the connections do.
    const measure = async () => {
      await sleep(500);
      await inspector.collectGarbage();
      const usage = await inspector.heapUsage();
      return { rss: rssKiB(server.pid) * 1024, used: usage.usedSize, total: usage.totalSize };
    };
    const response = await fetch(`${server.url}/api/deltas`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(setupBody(scenario)),
    });
    await response.body?.cancel();
    const first = new ClientPool(args.workers);
    const second = new ClientPool(args.workers);
    await first.open(specs(0, half));
    const a = await measure();
    await second.open(specs(half, scenario.clients));
    const b = await measure();
    const all = groupHeap(await inspector.heapSnapshot());
    console.error(`  heap snapshot at ${scenario.clients} clients`);
    // The breakdown comes from taking the second half away again: what a
    // closed connection gives back is what it held.
    await second.close();
    await sleep(1000);
    await inspector.collectGarbage();
    const halfGroups = groupHeap(await inspector.heapSnapshot());
    console.error(`  heap snapshot after closing ${scenario.clients - half} clients`);
    await first.close();
    inspector.close();
    return { a, b, all, halfGroups };
  });
  const units = scenario.clients - half;
  const per = (x: number) => Math.round(x / units);
  const { a, b } = result;
  const rss = per(b.rss - a.rss);
  const used = per(b.used - a.used);
  const total = per(b.total - a.total);
  const rows = heapGrowth(result.halfGroups, result.all, units).filter((g) =>
    Math.abs(g.bytes) >= 16
  );
  const out = [
    `## Memory per connection: ${half} → ${scenario.clients} clients (${scenario.cohorts} cohorts, delta mode), ` +
    `${adminUrl ? "PostgreSQL" : "PGlite"}, after a full GC (${new Date().toISOString()})`,
    "",
    markdownTable(["part", "bytes per connection"], [
      ["RSS growth", rss],
      ["V8 heap in use (live objects)", used],
      ["V8 heap committed", total],
      ["outside the V8 heap (RSS growth − committed heap growth)", rss - total],
    ]),
    "",
    `Live V8 objects per connection (what closing ${units} connections gave back; shallow sizes, largest first):`,
    "",
    markdownTable(
      ["type:name", "objects per connection", "bytes per connection"],
      rows.slice(0, 40).map((g) => [g.key, Number(g.count.toFixed(2)), Math.round(g.bytes)]),
    ),
    "",
    `Sum over every type: ${
      Math.round(rows.reduce((s, g) => s + g.bytes, 0))
    } bytes per connection.`,
  ];
  console.log(out.join("\n"));
}

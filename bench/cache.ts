/**
 * Cache benchmark: hit latency, miss overhead over the action's own run
 * time, and throughput of distinct misses with 8 workers, against a real
 * `artifacts` pool (server and worker subprocesses) reading `file://`
 * artifacts of 1 KiB.
 *
 * Run: `deno run -A bench/cache.ts [hits=20000] [misses=60] [flood=400]`
 *
 * @module
 */
import { CacheClient } from "../src/cache/client.ts";
import { ArtifactCache } from "../src/cache/artifact_cache.ts";
import { silentLogger } from "../src/log.ts";

const [hits = 20_000, misses = 60, flood = 400] = Deno.args.map(Number);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(3)} ms, p99 ${percentile(sorted, 99).toFixed(3)} ms`;
}

const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "overlap-cache-bench-" }));
const artifactRoot = `${base}/artifacts`;
await Deno.mkdir(artifactRoot);
const files = misses + flood + 1;
for (let i = 0; i < files; i++) {
  await Deno.writeFile(`${artifactRoot}/a${i}`, new Uint8Array(1024).fill(i % 256));
}
const location = (i: number) => `file://${artifactRoot}/a${i}`;

async function pool(workers: number): Promise<{ client: CacheClient; artifacts: ArtifactCache }> {
  const client = await CacheClient.start({
    pool: "artifacts",
    root: `${base}/cache-${workers}`,
    maxBytes: 1024 * 1024 * 1024,
    workers,
    timeoutMs: 60_000,
    actions: ["GetArtifacts"],
    dataRoots: [artifactRoot],
    settings: {
      artifactRoots: [artifactRoot],
      logRoots: [],
      artifactMaxBytes: 64 * 1024 * 1024,
      artifactHosts: [],
      s3Region: "us-east-1",
    },
    log: silentLogger,
    logLevel: "error",
    serverStderr: () => {},
  });
  return { client, artifacts: new ArtifactCache(client) };
}

console.log(`deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores`);

// 1. Hits: every key already on disk; answered in-process.
{
  const { client, artifacts } = await pool(1);
  await artifacts.getArtifacts([location(0)]);
  const times: number[] = [];
  for (let i = 0; i < hits; i++) {
    const start = performance.now();
    const future = artifacts.getArtifacts([location(0)]);
    await future;
    times.push(performance.now() - start);
    if (future.hit !== true) throw new Error("expected a hit");
  }
  console.log(`hit latency (${hits} sequential hits, 1 KiB): ${summary(times)}`);
  await client.close();
}

// 2. Misses one at a time: total latency minus the action's own run time.
{
  const { client, artifacts } = await pool(1);
  await artifacts.getArtifacts([location(files - 1)]); // warm the deno module cache
  const totals: number[] = [];
  const overheads: number[] = [];
  for (let i = 0; i < misses; i++) {
    const start = performance.now();
    const future = artifacts.getArtifacts([location(i)]);
    await future;
    const total = performance.now() - start;
    totals.push(total);
    overheads.push(total - (future.actionMs ?? 0));
  }
  console.log(`miss latency (${misses} sequential misses): ${summary(totals)}`);
  console.log(`miss overhead over the action's run time: ${summary(overheads)}`);
  await client.close();
}

// 3. Throughput: `flood` distinct misses at once, 8 workers.
{
  const { client, artifacts } = await pool(8);
  await artifacts.getArtifacts([location(files - 1)]);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: flood }, (_, i) => artifacts.getArtifacts([location(misses + i)])),
  );
  const seconds = (performance.now() - start) / 1000;
  const stats = await client.refreshStats();
  console.log(
    `throughput: ${flood} distinct misses with 8 workers in ${seconds.toFixed(2)} s = ${
      (flood / seconds).toFixed(1)
    } misses/s (peak running ${stats.peakRunning})`,
  );
  await client.close();
}

await Deno.remove(base, { recursive: true });

/**
 * The soak (issue 12, part 6): the server as a child process fed by the
 * scheduler simulator at fast settings, a thousand clients that disconnect
 * and reconnect at random (seeded) and resume with `lastSeq`, for a bounded
 * time; memory sampled throughout; then a loss check of every client against
 * a control client per view that never disconnected.
 *
 * The end is deterministic: disruption stops, every client reconnects, the
 * simulator stops, and one last "fence" delta that every view selects is
 * posted; once every client has it, nothing is in flight and the records are
 * compared up to it.
 *
 * @module
 */
import { IngestClient } from "../src/simulator/client.ts";
import { Prng } from "../src/simulator/prng.ts";
import { Simulator } from "../src/simulator/simulator.ts";
import { startServerProcess } from "../tests/server_process.ts";
import { SoakClient } from "./soak_client.ts";
import {
  type LossFigures,
  type MemorySample,
  type SoakReport,
  summarize,
  writeReport,
} from "./soak_report.ts";
import { compareStreams } from "./soak_stream.ts";

/** The simulator's workflows (its default set). */
const WORKFLOWS = ["~sim/forecast", "~sim/ingest/daily", "~sim/train"];

/**
 * The views clients subscribe with (delta mode). Every one selects the
 * workflow's `statusMsg`, so the fence reaches all of them.
 */
export const VIEWS: readonly string[] = [
  `subscription @deltas { workflows { id status statusMsg
    taskProxies { id status isHeld firstParent { id } } familyProxies { id status } } }`,
  `subscription @deltas { workflows { id statusMsg
    jobs { id status statusMsg submitNum startedTime finishedTime } } }`,
  `subscription @deltas { workflows(ids: ["~sim/forecast"]) { id statusMsg taskProxies { id status } } }`,
  `subscription @deltas { workflows { id statusMsg jobs { id lastHeartbeatTime } } }`,
  `subscription @deltas { workflows { id statusMsg
    nodesEdges { nodes { id name } edges { id source target } } } }`,
];

/** Options of {@linkcode runSoak}. */
export interface SoakOptions {
  /** Seconds of disruption. */
  readonly seconds: number;
  /** Reconnecting clients. */
  readonly clients: number;
  /** Directory of the report files. */
  readonly out: string;
  /** Seed of the clients' schedule and of the simulator. */
  readonly seed: number;
  /** Mean time a client stays connected, in seconds (exponential); default 30. */
  readonly meanConnectedS?: number;
  /** Longest time a client stays away, in ms (uniform from 0); default 2000. */
  readonly maxGapMs?: number;
  /** `postgres://…` to run on PostgreSQL (an empty database); default embedded PGlite. */
  readonly databaseUrl?: string;
  /** The command line, for the report. */
  readonly command?: string;
  /** Progress lines (default: none). */
  readonly progress?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MIB = 1024 * 1024;

async function waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`soak: timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Runs the soak and writes its report to `options.out`; returns the report.
 *
 * @example
 * ```ts ignore
 * const report = await runSoak({ seconds: 60, clients: 1000, out: "./soak-out", seed: 1 });
 * console.log(report.loss.lost); // 0
 * ```
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const progress = options.progress ?? (() => {});
  const dataDir = await Deno.makeTempDir({ prefix: "overlap_soak_" });
  const startedAt = new Date();
  const server = await startServerProcess({
    OVERLAP_HEARTBEAT_INTERVAL_S: "2",
    OVERLAP_HEARTBEAT_BUFFER_S: "2",
    // Short retention, so pruning runs during the soak (clients are never
    // away longer than a few seconds).
    OVERLAP_EVENT_RETENTION_S: "120",
    OVERLAP_MAX_CONNECTIONS: String(options.clients + 100),
    OVERLAP_DATA_DIR: dataDir,
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
  });
  const status = async () => await (await fetch(`${server.url}/status`)).json();
  const simulator = new Simulator({
    client: new IngestClient({ baseUrl: server.url }),
    logRoot: `${dataDir}/logs`,
    artifactRoot: `${dataDir}/artifacts`,
    seed: options.seed,
    // Fast settings: a task's life takes seconds, not minutes.
    stepMs: 100,
    heartbeatMs: 2000,
    silentGiveUpMs: 8000,
    submitMs: [100, 500],
    runMs: [300, 3000],
    retryMs: 500,
    runahead: 4,
  });
  const controls = VIEWS.map((view) => new SoakClient(server.wsUrl, view));
  const clients = Array.from(
    { length: options.clients },
    (_, i) => new SoakClient(server.wsUrl, VIEWS[i % VIEWS.length]),
  );
  const samples: MemorySample[] = [];
  let sampling = true;
  let disrupting = true;
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  try {
    simulator.start();
    for (let i = 0; (await status()).store.workflows < WORKFLOWS.length; i++) {
      if (i > 600) throw new Error("soak: the simulator's workflows did not appear");
      await sleep(100);
    }
    for (const control of controls) await control.connect();
    await waitUntil(
      "the control snapshots",
      () => controls.every((c) => c.record.firstSeq !== undefined),
      30_000,
    );
    // Connect in batches, as a thousand browsers would not all arrive at once.
    for (let i = 0; i < clients.length; i += 100) {
      const batch = clients.slice(i, i + 100);
      await Promise.all(batch.map((c) => c.connect()));
      await waitUntil(
        "client snapshots",
        () => batch.every((c) => c.record.firstSeq !== undefined),
        60_000,
      );
    }
    const firstSeq = (await status()).seq as number;
    progress(`soak: ${clients.length} clients connected; disrupting for ${options.seconds} s`);

    const sampleMs = Math.max(1000, Math.round((options.seconds * 1000) / 120));
    const sampler = (async () => {
      while (sampling) {
        try {
          const s = await status();
          samples.push({
            tS: Math.round(seconds() * 10) / 10,
            procRssBytes: server.rssBytes(),
            rssBytes: s.process.rssBytes,
            heapUsedBytes: s.process.heapUsedBytes,
            heapTotalBytes: s.process.heapTotalBytes,
            externalBytes: s.process.externalBytes,
            connections: s.connections,
            seq: s.seq,
          });
        } catch (error) {
          progress(`soak: sampling failed: ${(error as Error).message}`);
        }
        await sleep(sampleMs);
      }
    })();

    // Each client: connected for an exponential while, away for up to maxGapMs, again.
    const meanMs = (options.meanConnectedS ?? 30) * 1000;
    const maxGapMs = options.maxGapMs ?? 2000;
    const loops = clients.map(async (client, i) => {
      const prng = new Prng(options.seed * 7919 + i);
      while (disrupting) {
        const stay = -Math.log(1 - prng.next()) * meanMs;
        const until = performance.now() + stay;
        while (disrupting && performance.now() < until) {
          await sleep(Math.max(0, Math.min(1000, until - performance.now())));
        }
        if (!disrupting) break;
        await client.disconnect();
        await sleep(prng.next() * maxGapMs);
        await client.connect().catch(() => {/* counted as an unexpected close; it retries */});
      }
    });
    const endAt = performance.now() + options.seconds * 1000;
    let nextReport = 0.1;
    while (performance.now() < endAt) {
      await sleep(500);
      const done = 1 - (endAt - performance.now()) / (options.seconds * 1000);
      if (done >= nextReport) {
        nextReport += 0.1;
        const last = samples.at(-1);
        const reconnects = clients.reduce((n, c) => n + c.stats.reconnects, 0);
        progress(
          `soak: ${seconds().toFixed(0)} s: RSS ${
            ((last?.procRssBytes ?? 0) / MIB).toFixed(0)
          } MiB, ` +
            `heap ${((last?.heapUsedBytes ?? 0) / MIB).toFixed(0)} MiB, ` +
            `${last?.connections ?? "?"} connections, seq ${
              last?.seq ?? "?"
            }, ${reconnects} reconnects`,
        );
      }
    }

    // The end: everybody back, nothing more from the simulator, one fence.
    disrupting = false;
    await Promise.all(loops);
    for (const client of clients) {
      if (!client.connected) await client.connect().catch(() => {});
    }
    await waitUntil("every client connected", () => clients.every((c) => c.connected), 60_000);
    await simulator.stop();
    const fence = await fetch(`${server.url}/api/deltas`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ workflows: WORKFLOWS.map((id) => ({ id, statusMsg: "soak fence" })) }),
    });
    const fenceSeq = (await fence.json()).seq as number;
    const everyone = [...controls, ...clients];
    await waitUntil(
      "every client at the fence",
      () => everyone.every((c) => c.record.lastSeq >= fenceSeq),
      120_000,
    ).catch((error) => progress(`soak: ${(error as Error).message}; comparing what arrived`));
    sampling = false;
    await sampler;

    const loss: { -readonly [K in keyof LossFigures]: number } = {
      lost: 0,
      extra: 0,
      corrupt: 0,
      outOfOrder: 0,
      duplicates: 0,
      resyncs: 0,
      expected: 0,
    };
    clients.forEach((client, i) => {
      const compared = compareStreams(controls[i % VIEWS.length].record, client.record, fenceSeq);
      for (const key of Object.keys(loss) as Array<keyof LossFigures>) loss[key] += compared[key];
    });
    // The controls are the truth, but they must be sound themselves.
    for (const control of controls) {
      loss.outOfOrder += control.record.outOfOrder;
      loss.resyncs += control.record.resyncs;
    }
    const unexpectedCloses: Record<string, number> = {};
    let frames = 0;
    let reconnects = 0;
    let subscriptionErrors = 0;
    for (const client of [...clients, ...controls]) {
      const stats = client.stats;
      for (const [code, n] of Object.entries(stats.unexpectedCloses)) {
        unexpectedCloses[code] = (unexpectedCloses[code] ?? 0) + n;
      }
      subscriptionErrors += stats.errors.length;
      if (!controls.includes(client)) {
        frames += stats.frames;
        reconnects += stats.reconnects;
      }
    }
    const warm = samples.filter((s) => s.tS >= options.seconds * 0.1);
    const figure = (key: keyof MemorySample) =>
      summarize(warm.map((s) => s.tS), warm.map((s) => s[key] as number));
    const report: SoakReport = {
      command: options.command ?? `runSoak(${JSON.stringify({ seconds: options.seconds })})`,
      startedAt: startedAt.toISOString(),
      seconds: options.seconds,
      clients: options.clients,
      views: VIEWS.length,
      database: options.databaseUrl ? "postgres" : "pglite",
      seed: options.seed,
      events: fenceSeq - firstSeq,
      frames,
      reconnects,
      unexpectedCloses,
      subscriptionErrors,
      loss,
      memory: {
        procRss: figure("procRssBytes"),
        heapUsed: figure("heapUsedBytes"),
        heapTotal: figure("heapTotalBytes"),
        external: figure("externalBytes"),
      },
      samples,
    };
    await writeReport(options.out, report);
    return report;
  } finally {
    disrupting = false;
    sampling = false;
    await simulator.stop().catch(() => {});
    await Promise.all([...clients, ...controls].map((c) => c.stop().catch(() => {})));
    const code = await server.stop();
    if (code !== 0) progress(`soak: the server exited with ${code}`);
    const errors = server.lines.filter((line) => line.level === "error");
    progress(`soak: the server logged ${server.lines.length} lines, ${errors.length} errors`);
    for (const line of errors.slice(0, 20)) progress(`server: ${JSON.stringify(line)}`);
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}

/**
 * The realtime load benchmark: `deno task load`.
 *
 * Starts the server as a separate process (embedded PGlite in a temporary
 * directory, or `DATABASE_URL` when set), opens N WebSocket clients in C
 * cohorts (`graphql-transport-ws`, delta mode), and posts R deltas/s for S
 * seconds. Each delta changes the status of `--touch` of the C tasks, so
 * `touch / C` of the clients receive a frame per delta.
 *
 * Reports p50/p99/max latency from the start of the POST to receipt of the
 * frame, frames/s, lost frames, and the server's RSS per connection
 * (VmRSS after subscribing minus before connecting, over N; and the marginal
 * cost: the growth from N/2 to N connections, over N/2).
 *
 *   deno task load [--clients 2000] [--cohorts 50] [--rate 50] [--seconds 30] [--touch 10]
 *
 * @module
 */

const args = new Map<string, number>();
for (let i = 0; i < Deno.args.length; i += 2) {
  args.set(Deno.args[i].replace(/^--/, ""), Number(Deno.args[i + 1]));
}
const CLIENTS = args.get("clients") ?? 2000;
const COHORTS = args.get("cohorts") ?? 50;
const RATE = args.get("rate") ?? 50;
const SECONDS = args.get("seconds") ?? 30;
const TOUCH = Math.min(args.get("touch") ?? 10, COHORTS);
const FLOW = "~load/flow";
const task = (k: number) => `${FLOW}//1/t${k}`;

function rssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const port = freePort();
const dataDir = await Deno.makeTempDir({ prefix: "overlap-load-" });
const base = `http://127.0.0.1:${port}`;
const env: Record<string, string> = {
  OVERLAP_PORT: String(port),
  OVERLAP_DATA_DIR: dataDir,
  OVERLAP_LOG_LEVEL: "warn",
  OVERLAP_SIMULATOR: "0",
  OVERLAP_MAX_CONNECTIONS: String(CLIENTS + 100),
};
const server = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    "--v8-flags=--max-old-space-size=4096",
    new URL("../main.ts", import.meta.url).pathname,
  ],
  env,
  stdout: "inherit",
  stderr: "inherit",
}).spawn();

async function post(body: unknown): Promise<number> {
  const res = await fetch(`${base}/api/deltas`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`POST /api/deltas: ${res.status} ${await res.text()}`);
  return (await res.json()).seq;
}

try {
  for (let attempt = 0;; attempt++) {
    try {
      const res = await fetch(`${base}/healthz`);
      await res.body?.cancel();
      if (res.ok) break;
    } catch {
      if (attempt > 600) throw new Error("the server did not start");
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const tasks = Array.from({ length: COHORTS }, (_, k) => ({ id: task(k), status: "waiting" }));
  await post({ workflows: [{ id: FLOW, status: "running", taskProxies: tasks }] });
  // Let the first POST's event reach the store before measuring the baseline.
  await new Promise((r) => setTimeout(r, 500));
  const rssBefore = rssKiB(server.pid);

  // One array of receipt times per delta index, filled by every client.
  const sentAt: number[] = [];
  const received: number[][] = [];
  const expected = new Array<number>(CLIENTS).fill(0);
  const got = new Array<number>(CLIENTS).fill(0);
  let frames = 0;
  const sockets: WebSocket[] = [];
  let ready = 0;
  let allReady = Promise.withResolvers<void>();
  let target = Math.floor(CLIENTS / 2);
  const opened = performance.now();
  let rssHalf = 0;
  for (let i = 0; i < CLIENTS; i++) {
    if (i === Math.floor(CLIENTS / 2)) {
      // RSS at half the connections: the slope between half and all is the
      // marginal cost of a connection, free of fixed costs such as V8's
      // young generation growing to its working size under load.
      await allReady.promise;
      await new Promise((r) => setTimeout(r, 500));
      rssHalf = rssKiB(server.pid);
      allReady = Promise.withResolvers<void>();
      target = CLIENTS;
    }
    const cohort = i % COHORTS;
    const socket = new WebSocket(`ws://127.0.0.1:${port}/graphql`, "graphql-transport-ws");
    sockets.push(socket);
    socket.onopen = () => socket.send(JSON.stringify({ type: "connection_init" }));
    socket.onmessage = (event) => {
      const text = event.data as string;
      if (text.startsWith('{"type":"connection_ack"')) {
        socket.send(JSON.stringify({
          id: "1",
          type: "subscribe",
          payload: {
            query: `subscription @deltas { workflows(ids: ["${FLOW}"]) { taskProxies(ids: ["${
              task(cohort)
            }"]) { status } } }`,
          },
        }));
        return;
      }
      const now = performance.now();
      const match = /"status":"s(\d+)"/.exec(text);
      if (match) {
        const index = Number(match[1]);
        (received[index] ??= []).push(now);
        got[i]++;
        frames++;
      } else if (text.includes('"snapshot":true')) {
        if (++ready === target) allReady.resolve();
      }
    };
    socket.onerror = () => {};
  }
  await allReady.promise;
  const connectMs = performance.now() - opened;
  await new Promise((r) => setTimeout(r, 500));
  const rssAfter = rssKiB(server.pid);

  const total = RATE * SECONDS;
  const posts: Promise<unknown>[] = [];
  const started = performance.now();
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const touched = Array.from({ length: TOUCH }, (_, j) => (n * TOUCH + j) % COHORTS);
    for (let i = 0; i < CLIENTS; i++) if (touched.includes(i % COHORTS)) expected[i]++;
    sentAt[n] = performance.now();
    posts.push(post({
      workflows: [{
        id: FLOW,
        taskProxies: touched.map((k) => ({ id: task(k), status: `s${n}` })),
      }],
    }));
  }
  await Promise.all(posts);
  const postsDone = performance.now();
  // Wait for stragglers, at most 10 s.
  const want = expected.reduce((a, b) => a + b, 0);
  const deadline = performance.now() + 10_000;
  while (frames < want && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const elapsedS = (postsDone - started) / 1000;

  const latencies: number[] = [];
  for (let n = 0; n < total; n++) {
    for (const at of received[n] ?? []) latencies.push(at - sentAt[n]);
  }
  latencies.sort((a, b) => a - b);
  let lost = 0;
  for (let i = 0; i < CLIENTS; i++) lost += Math.max(0, expected[i] - got[i]);
  const result = {
    clients: CLIENTS,
    cohorts: COHORTS,
    deltas: total,
    rate: RATE,
    seconds: SECONDS,
    connectMs: Math.round(connectMs),
    framesExpected: want,
    framesReceived: frames,
    lost,
    framesPerSecond: Math.round(frames / elapsedS),
    latencyMs: {
      p50: Number(percentile(latencies, 0.5).toFixed(2)),
      p99: Number(percentile(latencies, 0.99).toFixed(2)),
      max: Number((latencies.at(-1) ?? NaN).toFixed(2)),
    },
    serverRssKiB: { before: rssBefore, half: rssHalf, after: rssAfter },
    rssPerConnectionKB: {
      average: Number((((rssAfter - rssBefore) * 1024) / CLIENTS / 1000).toFixed(1)),
      marginal: Number(
        (((rssAfter - rssHalf) * 1024) / (CLIENTS - Math.floor(CLIENTS / 2)) / 1000).toFixed(1),
      ),
    },
  };
  console.log(JSON.stringify(result, null, 2));
  for (const socket of sockets) socket.close();
} finally {
  server.kill("SIGTERM");
  await server.status;
  await Deno.remove(dataDir, { recursive: true }).catch(() => {});
}

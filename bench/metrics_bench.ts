/**
 * What the metrics cost on the hot path and per scrape:
 * `deno bench --allow-read --allow-env bench/metrics_bench.ts`.
 *
 * - per event: `ServerMetrics.published` (a counter and a histogram observation);
 * - per ingest: `ServerMetrics.ingested` (two counters and a commit time);
 * - per request: `ServerMetrics.request` (a labelled counter);
 * - per scrape: the whole exposition of a server's pipeline, process and engine metrics,
 *   with sources standing for 2,000 connections and 50 cohorts.
 */
import { ServerMetrics } from "../src/metrics/server_metrics.ts";

const metrics = new ServerMetrics({
  connections: () => ({
    connections: 2000,
    subscriptions: 2000,
    framesSent: 600_000,
    bytesSent: 90_000_000,
    refused: 0,
  }),
  hub: () => ({
    realms: 1,
    cohorts: 50,
    members: 2000,
    seq: 1500,
    events: 1500,
    payloads: 15000,
    frames: 600_000,
  }),
  store: () => ({ workflows: 1, taskProxies: 50, familyProxies: 0, jobs: 50, edges: 0 }),
  feed: () => ({ lastSeq: 1500, headSeq: 1500, lag: 0 }),
  draining: () => false,
  ingestInFlight: () => 0,
});
let seq = 0;
const at = new Date().toISOString();

Deno.bench("metrics: one ingested delta and its published event (local origin)", () => {
  seq++;
  metrics.ingested(seq, 10);
  metrics.published({ seq, at }, 400);
});

Deno.bench("metrics: one published event from the log (another writer)", () => {
  metrics.published({ seq: -1, at }, 400);
});

Deno.bench("metrics: one counted HTTP request", () => {
  metrics.request("/api/deltas", 200);
});

Deno.bench("metrics: one scrape (text exposition)", async () => {
  await metrics.text();
});

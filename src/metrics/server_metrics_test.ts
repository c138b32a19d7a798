import { assert, assertEquals } from "../../tests/assert.ts";
import { routeLabel, ServerMetrics } from "./server_metrics.ts";

Deno.test("ServerMetrics: requests by bounded route, ingest and published events", async () => {
  let draining = false;
  let mono = 0;
  const metrics = new ServerMetrics({
    connections: () => ({
      connections: 2,
      subscriptions: 3,
      framesSent: 7,
      bytesSent: 99,
      refused: 1,
    }),
    hub: () => ({ realms: 1, cohorts: 2, members: 3, seq: 9, events: 4, payloads: 5, frames: 6 }),
    store: () => ({ workflows: 1, jobs: 4 }),
    feed: () => ({ lastSeq: 8, headSeq: 10, lag: 2 }),
    draining: () => draining,
    ingestInFlight: () => 1,
  }, { now: () => mono });
  metrics.request("/api/deltas", 200);
  metrics.request("/api/deltas", 200);
  metrics.request("/~alice/flow/secret", 404); // never a label of its own
  metrics.ingested(8, 3);
  metrics.ingested(null, 2);
  mono += 5;
  metrics.published({ seq: 8, at: "2026-01-01T00:00:00Z" }, 2);
  draining = true;
  const lines = (await metrics.text()).split("\n").filter((l) => l && !l.startsWith("#"));
  for (
    const expected of [
      'overlap_http_requests_total{route="/api/deltas",code="200"} 2',
      'overlap_http_requests_total{route="other",code="404"} 1',
      "overlap_deltas_ingested_total 2",
      "overlap_delta_elements_ingested_total 5",
      "overlap_events_total 1",
      'overlap_fanout_latency_seconds_count{origin="local"} 1',
      'overlap_fanout_latency_seconds_sum{origin="local"} 0.005',
      "overlap_websocket_connections 2",
      "overlap_websocket_refused_total 1",
      "overlap_subscriptions 3",
      "overlap_frames_sent_total 7",
      "overlap_bytes_sent_total 99",
      "overlap_cohorts 2",
      "overlap_event_feed_lag_seqs 2",
      'overlap_store_elements{kind="jobs"} 4',
      "overlap_draining 1",
      "overlap_ingest_in_flight 1",
    ]
  ) assert(lines.includes(expected), `missing ${expected}`);
  assert(!lines.some((line) => line.includes("alice")));
  assertEquals(routeLabel("/metrics"), "/metrics");
});

Deno.test("the pages and their assets are counted under bounded labels, never raw paths", () => {
  for (
    const [path, label] of [
      ["/", "/"],
      ["/graphiql", "/graphiql"],
      ["/assets/0123456789abcdef/main.js", "/assets/*"],
      ["/assets/ffffffffffffffff/overlap.wasm", "/assets/*"],
      ["/assets/anything/at/all", "/assets/*"],
      ["/graphiql/assets/0123456789abcdef/main.css", "/graphiql/assets/*"],
      ["/graphiql/", "other"],
      ["/assets", "other"],
      ["/assetsx/main.js", "other"],
      ["/assets/*", "/assets/*"],
      ["//", "other"],
      ["/~alice/flow", "other"],
    ]
  ) assertEquals(routeLabel(path), label, path);
});

/**
 * `GET /metrics` end to end: the exposition parses with an independent
 * Prometheus text parser (npm `parse-prometheus-text-format`, a port of the
 * Go client's parser), and the figures are what the test did: deltas
 * posted, events fanned out, frames sent, latency observations by origin.
 *
 * That parser folds every series of a histogram into one (it drops labels
 * other than `le`), so histogram series are read from the sample lines here,
 * strictly: every line must match the exposition grammar.
 */
import parsePrometheus from "parse-prometheus-text-format";
import { assert, assertEquals } from "./assert.ts";
import { serverCases, waitFor } from "./server_fixture.ts";
import { client, subscribe } from "./ws_fixture.ts";

/** One metric family as the parser returns it. */
interface Family {
  name: string;
  help: string;
  type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
  metrics: Array<{
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }>;
}

/** `name{label="value",…} value`, label values escaped as the format says. */
const SAMPLE_LINE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN)$/;

/** Labels a metric may carry: all bounded, none per workflow, token or client. */
const BOUNDED_LABELS = new Set(["route", "code", "origin", "kind", "pool", "priority"]);

/** A parsed scrape: the families, and the text for histogram series. */
type Scrape = Map<string, Family> & { text?: string };

async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`);
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const text = await res.text();
  const families = parsePrometheus(text) as Family[];
  const byName: Scrape = new Map<string, Family>();
  byName.text = text;
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    assert(SAMPLE_LINE.test(line), `not a sample line: ${line}`);
  }
  for (const family of families) {
    assert(!byName.has(family.name), `${family.name} appears twice`);
    assert(family.name.startsWith("overlap_"), `${family.name} is not in the overlap_ namespace`);
    assert(family.help.length > 0, `${family.name} has no HELP`);
    assert(text.includes(`# TYPE ${family.name} `), `${family.name} has no TYPE line`);
    if (family.type === "COUNTER") {
      assert(family.name.endsWith("_total"), `counter ${family.name} does not end in _total`);
    }
    for (const metric of family.metrics) {
      for (const label of Object.keys(metric.labels ?? {})) {
        assert(BOUNDED_LABELS.has(label), `${family.name} has an unbounded label ${label}`);
      }
    }
    byName.set(family.name, family);
  }
  return byName;
}

function value(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const family = families.get(name);
  assert(family !== undefined, `no metric ${name}`);
  const metric = family.metrics.find((m) =>
    Object.entries(labels).every(([key, v]) => m.labels?.[key] === v)
  );
  assert(metric !== undefined, `no sample of ${name} with ${JSON.stringify(labels)}`);
  return Number(metric.value ?? metric.count);
}

/**
 * Reads one series of a histogram (`origin="…"`) from the sample lines and
 * checks it: buckets in increasing `le` order, cumulative, ending in `+Inf`
 * equal to `_count`.
 */
function histogram(scraped: Scrape, name: string, origin: string) {
  assertEquals(scraped.get(name)?.type, "HISTOGRAM");
  const lines = scraped.text!.split("\n");
  const series = (suffix: string) =>
    lines.filter((line) =>
      line.startsWith(`${name}_${suffix}{`) && line.includes(`origin="${origin}"`)
    );
  const buckets = series("bucket").map((line) => {
    const [, le, count] = /le="([^"]+)".* (\d+)$/.exec(line)!;
    return [le, Number(count)] as const;
  });
  assert(buckets.length > 1, `no buckets of ${name}{origin="${origin}"}`);
  assertEquals(buckets.at(-1)![0], "+Inf");
  for (let i = 1; i < buckets.length; i++) {
    assert(buckets[i][1] >= buckets[i - 1][1], `${name} is not cumulative at ${buckets[i][0]}`);
    assert(buckets[i][0] === "+Inf" || Number(buckets[i][0]) > Number(buckets[i - 1][0]));
  }
  const [count] = series("count").map((line) => Number(line.split(" ")[1]));
  const [sum] = series("sum").map((line) => Number(line.split(" ")[1]));
  assertEquals(buckets.at(-1)![1], count);
  return { count, sum };
}

const WATCH = "subscription @deltas { workflows { id statusMsg } }";

for (const serverCase of serverCases()) {
  Deno.test(`metrics (${serverCase.name}): the exposition parses and counts what happened`, async () => {
    const test = await serverCase.start();
    const ws = client(test.wsUrl);
    try {
      const stream = subscribe(ws, WATCH);
      await waitFor("the snapshot", () => stream.items.length === 1);
      const seqs: number[] = [];
      for (const msg of ["a", "b", "c", "c"]) {
        const res = await test.post("/api/deltas", {
          workflows: [{ id: "~user/flow", statusMsg: msg }],
        });
        assertEquals(res.status, 200);
        if (res.body.seq !== null) seqs.push(res.body.seq as number);
      }
      assertEquals(seqs.length, 3, "the second 'c' changes nothing and commits no event");
      assertEquals((await test.post("/api/deltas", { workflows: [{}] })).status, 400);
      // An event this process did not ingest: its latency comes from the event log.
      await test.server.services.db.query(
        "insert into workflows (id, status_msg) values ('~sql/flow', 'by SQL')",
      );
      await waitFor("four deltas at the subscriber", () => stream.items.length === 5);
      await test.server.feed.catchUp();
      assert((await fetch(`${test.server.url}/nope`)).status === 404);

      const families = await scrape(test.server.url);
      assertEquals(value(families, "overlap_deltas_ingested_total"), 4);
      assertEquals(value(families, "overlap_delta_elements_ingested_total"), 4);
      assertEquals(value(families, "overlap_events_total"), 4);
      const local = histogram(families, "overlap_fanout_latency_seconds", "local");
      const log = histogram(families, "overlap_fanout_latency_seconds", "log");
      assertEquals([local.count, log.count], [3, 1]);
      assert(local.sum > 0 && local.sum < 30, `local latency sum ${local.sum}`);
      assertEquals(value(families, "overlap_websocket_connections"), 1);
      assertEquals(value(families, "overlap_subscriptions"), 1);
      assertEquals(value(families, "overlap_cohorts"), 1);
      assertEquals(value(families, "overlap_hub_members"), 1);
      // connection_ack, the snapshot and four deltas.
      assertEquals(value(families, "overlap_frames_sent_total"), 6);
      assert(value(families, "overlap_bytes_sent_total") > 6 * 20);
      assertEquals(value(families, "overlap_fanout_payloads_total"), 4);
      const last = stream.items.at(-1)!.extensions!.seq!;
      assertEquals(value(families, "overlap_event_feed_seq"), last);
      assertEquals(value(families, "overlap_event_feed_head_seq"), last);
      assertEquals(value(families, "overlap_event_feed_lag_seqs"), 0);
      assertEquals(value(families, "overlap_store_elements", { kind: "workflows" }), 2);
      assertEquals(value(families, "overlap_store_elements", { kind: "jobs" }), 0);
      assertEquals(
        value(families, "overlap_http_requests_total", { route: "/api/deltas", code: "200" }),
        4,
      );
      assertEquals(
        value(families, "overlap_http_requests_total", { route: "/api/deltas", code: "400" }),
        1,
      );
      assertEquals(
        value(families, "overlap_http_requests_total", { route: "other", code: "404" }),
        1,
      );
      assertEquals(
        value(families, "overlap_http_requests_total", { route: "/graphql", code: "101" }),
        1,
      );
      assertEquals(value(families, "overlap_draining"), 0);
      assert(value(families, "overlap_process_resident_memory_bytes") > 10 * 1024 * 1024);
      const heapUsed = value(families, "overlap_process_heap_used_bytes");
      assert(heapUsed > 0 && heapUsed <= value(families, "overlap_process_heap_total_bytes"));
      assert(value(families, "overlap_process_external_memory_bytes") > 0);
      assert(value(families, "overlap_engine_memory_bytes") >= 65536);
      assert(value(families, "overlap_engine_live_bytes") > 0, "the cohort's set lives in wasm");

      // Counters only grow: a second scrape counts the first one.
      const again = await scrape(test.server.url);
      assertEquals(
        value(again, "overlap_http_requests_total", { route: "/metrics", code: "200" }),
        1,
      );
      assertEquals(value(again, "overlap_frames_sent_total"), 6);
    } finally {
      await ws.dispose();
      await test.stop();
    }
  });
}

import { Histogram, Registry } from "prom-client";
import { assertEquals } from "../../tests/assert.ts";
import { FanoutLatency, LATENCY_BUCKETS } from "./fanout_latency.ts";

function setup(capacity?: number) {
  const registry = new Registry();
  const histogram = new Histogram({
    name: "lat_seconds",
    help: "x",
    labelNames: ["origin"],
    buckets: [...LATENCY_BUCKETS],
    registers: [registry],
  });
  const clock = { mono: 0, wall: Date.parse("2026-11-24T00:00:10.000Z") };
  const latency = new FanoutLatency(histogram, {
    now: () => clock.mono,
    wallNow: () => clock.wall,
    capacity,
  });
  const observed = async () => {
    const values = (await histogram.get()).values;
    const pick = (origin: string, name: string) =>
      values.find((v) => v.labels.origin === origin && v.metricName === name)?.value ?? 0;
    return {
      local: [pick("local", "lat_seconds_count"), pick("local", "lat_seconds_sum")],
      log: [pick("log", "lat_seconds_count"), pick("log", "lat_seconds_sum")],
    };
  };
  return { latency, clock, observed };
}

Deno.test("FanoutLatency: local commits by seq, the log's time otherwise, nothing without frames", async () => {
  const { latency, clock, observed } = setup();
  latency.committed(1);
  latency.committed(2);
  clock.mono += 40;
  latency.published({ seq: 1, at: "2000-01-01T00:00:00Z" }, 5); // local wins over `at`
  latency.published({ seq: 2, at: "2000-01-01T00:00:00Z" }, 0); // no frames: forgotten, not observed
  assertEquals(latency.pending, 0);
  latency.published({ seq: 3, at: "2026-11-24T00:00:09.750Z" }, 1); // another instance: 250 ms
  latency.published({ seq: 4, at: "2026-11-24T00:00:11.000Z" }, 1); // database clock ahead: 0
  latency.published({ seq: 5, at: "not a time" }, 1); // unreadable: skipped
  assertEquals(await observed(), { local: [1, 0.04], log: [2, 0.25] });
});

Deno.test("FanoutLatency: commit times are bounded; the oldest go first", async () => {
  const { latency, clock, observed } = setup(2);
  latency.committed(1);
  latency.committed(2);
  latency.committed(3);
  assertEquals(latency.pending, 2);
  clock.mono += 10;
  latency.published({ seq: 1, at: "2026-11-24T00:00:10.000Z" }, 1); // dropped: falls back to the log
  latency.published({ seq: 3, at: "2026-11-24T00:00:10.000Z" }, 1);
  assertEquals(await observed(), { local: [1, 0.01], log: [1, 0] });
});

import assert from "node:assert/strict";
import { bucketOf, BUCKETS, bucketUpperMs, LatencyHistogram } from "./histogram.ts";

Deno.test("bucket edges: 0.1 ms below 1 s, 10 ms above, clamped at both ends", () => {
  assert.equal(bucketOf(-3), 0);
  assert.equal(bucketOf(0), 0);
  assert.equal(bucketOf(0.05), 0);
  assert.equal(bucketOf(49.99), 499);
  assert.equal(bucketUpperMs(499), 50);
  assert.equal(bucketOf(999.99), 9999);
  assert.equal(bucketOf(1000), 10_000);
  assert.equal(bucketUpperMs(10_000), 1010);
  assert.equal(bucketOf(1e9), BUCKETS - 1);
});

Deno.test("percentiles match sorted samples to within one bucket", () => {
  // A fixed pseudo-random series (LCG, seed 7) so the test is deterministic.
  let state = 7;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const samples: number[] = [];
  const h = new LatencyHistogram();
  for (let i = 0; i < 20_000; i++) {
    const ms = next() < 0.98 ? next() * 40 : 40 + next() * 2000;
    samples.push(ms);
    h.add(ms);
  }
  samples.sort((a, b) => a - b);
  for (const p of [0.5, 0.9, 0.99]) {
    const exact = samples[Math.floor(p * samples.length)];
    const read = h.percentile(p);
    assert(read >= exact, `p${p}: ${read} below the exact ${exact}`);
    const width = exact < 1000 ? 0.1 : 10;
    assert(read - exact <= width + 1e-9, `p${p}: ${read} more than a bucket above ${exact}`);
  }
  assert.equal(h.max, samples.at(-1));
});

Deno.test("a histogram rebuilt from its counts (as sent by a worker) is the same", () => {
  const h = new LatencyHistogram();
  for (const ms of [3, 5, 8, 13]) h.add(ms);
  const copy = new LatencyHistogram(h.counts.slice(), h.max);
  assert.equal(copy.total, 4);
  assert.equal(copy.percentile(0.5), h.percentile(0.5));
  assert.throws(() => new LatencyHistogram(new Float64Array(3)), RangeError);
});

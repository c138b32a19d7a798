import { assert, assertEquals } from "../tests/assert.ts";
import { markdownReport, memoryPlotSvg, type MemorySample, summarize } from "./soak_report.ts";

const sample = (tS: number, rss: number): MemorySample => ({
  tS,
  procRssBytes: rss,
  rssBytes: rss,
  heapUsedBytes: rss / 4,
  heapTotalBytes: rss / 2,
  externalBytes: 1024,
  connections: 10,
  seq: tS,
});

Deno.test("soak report: the trend is the least-squares slope of the second half, per minute", () => {
  const t = [0, 60, 120, 180, 240, 300];
  const flat = summarize(t, [5, 9, 7, 7, 7, 7]);
  assertEquals(flat, { startBytes: 5, endBytes: 7, maxBytes: 9, slopeBytesPerMinute: 0 });
  assertEquals(summarize(t, [0, 0, 0, 10, 20, 30]).slopeBytesPerMinute, 10);
  assertEquals(summarize([], []).maxBytes, 0);
});

Deno.test("soak report: the plot has one line per figure, a point per sample, axes in MiB", () => {
  const samples = Array.from({ length: 30 }, (_, i) => sample(i * 2, (500 + i) * 1024 * 1024));
  const svg = memoryPlotSvg(samples, "a <title> & more");
  assertEquals([...svg.matchAll(/<polyline /g)].length, 4);
  for (const [, points] of svg.matchAll(/points="([^"]*)"/g)) {
    assertEquals(points.split(" ").length, 30);
  }
  assert(svg.includes("a &#60;title&#62; &#38; more"), "the title is escaped");
  assert(svg.includes(">MiB</text>") && svg.includes(">seconds</text>"));
  assert(svg.includes(">500</text>"), "a y tick at 500 MiB");
});

Deno.test("soak report: markdown states the loss figures and links the plot", () => {
  const samples = [sample(0, 1), sample(1, 2)];
  const figure = summarize([0, 1], [1, 2]);
  const markdown = markdownReport({
    command: "deno task soak --seconds 1",
    startedAt: "2026-01-01T00:00:00.000Z",
    seconds: 1,
    clients: 2,
    views: 1,
    database: "pglite",
    seed: 1,
    events: 3,
    frames: 6,
    reconnects: 4,
    unexpectedCloses: { "4503": 1 },
    subscriptionErrors: 0,
    loss: { lost: 0, extra: 0, corrupt: 0, outOfOrder: 0, duplicates: 0, resyncs: 0, expected: 6 },
    memory: { procRss: figure, heapUsed: figure, heapTotal: figure, external: figure },
    samples,
  });
  assert(markdown.includes("**frames lost: 0** (of 6 checked"), markdown);
  assert(markdown.includes("unexpected closes: 4503: 1"), markdown);
  assert(markdown.includes("![memory over time](soak-memory.svg)"));
});

/**
 * Issue 12, part 6, the short form of `deno task soak`: 60 s of 1,000
 * clients reconnecting at random against a server fed by the simulator.
 * No frame may be lost (checked against control clients, not the server's
 * word); the report and the memory plot must exist and be well formed; the
 * server's memory must stay under a bound no healthy run comes near.
 */
import { runSoak, VIEWS } from "../bench/soak_runner.ts";
import type { SoakReport } from "../bench/soak_report.ts";
import { assert, assertEquals } from "./assert.ts";

const SECONDS = 60;
const CLIENTS = 1000;
/** PGlite alone holds 0.5-0.7 GiB here; a leak of a few MB per second would pass it. */
const RSS_BOUND = 2 * 1024 ** 3;

/** Whether every tag of `svg` is closed in order (a small well-formedness check). */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const match of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing) continue;
    if (!closing) stack.push(name);
    else if (stack.pop() !== name) return false;
  }
  return stack.length === 0;
}

Deno.test(`soak: ${SECONDS} s, ${CLIENTS} clients reconnecting at random, 0 frames lost`, async () => {
  const out = await Deno.makeTempDir({ prefix: "overlap_soak_report_" });
  try {
    const report = await runSoak({ seconds: SECONDS, clients: CLIENTS, out, seed: 1 });
    assertEquals(report.loss.lost, 0, "frames lost");
    assertEquals(
      [report.loss.extra, report.loss.corrupt, report.loss.outOfOrder, report.loss.resyncs],
      [0, 0, 0, 0],
      JSON.stringify(report.loss),
    );
    assertEquals(report.subscriptionErrors, 0);
    // The run did something worth checking.
    assert(report.events >= 50, `only ${report.events} events`);
    assert(report.reconnects >= 500, `only ${report.reconnects} reconnects`);
    assert(report.loss.expected >= 10_000, `only ${report.loss.expected} frames checked`);
    assert(report.memory.procRss.maxBytes < RSS_BOUND, JSON.stringify(report.memory.procRss));

    // The files: JSON equal to the report, markdown with the figures, a plot.
    const json: SoakReport = JSON.parse(await Deno.readTextFile(`${out}/soak.json`));
    assertEquals(json, JSON.parse(JSON.stringify(report)));
    assert(json.samples.length >= SECONDS / 2, `only ${json.samples.length} samples`);
    const markdown = await Deno.readTextFile(`${out}/soak.md`);
    assert(markdown.includes("**frames lost: 0**"), markdown);
    assert(markdown.includes("![memory over time](soak-memory.svg)"));
    const svg = await Deno.readTextFile(`${out}/soak-memory.svg`);
    assert(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'), svg.slice(0, 80));
    assert(balanced(svg), "the SVG's tags are not balanced");
    const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)];
    assertEquals(lines.length, 4);
    for (const [, points] of lines) assertEquals(points.split(" ").length, json.samples.length);
    console.log(
      `soak (${SECONDS} s): ${report.events} events, ${report.frames} frames, ${report.reconnects} ` +
        `reconnects, ${report.loss.expected} frames checked, 0 lost; RSS ${
          (report.memory.procRss.startBytes / 1024 ** 2).toFixed(0)
        } → ${(report.memory.procRss.endBytes / 1024 ** 2).toFixed(0)} MiB (max ${
          (report.memory.procRss.maxBytes / 1024 ** 2).toFixed(0)
        }), views ${VIEWS.length}`,
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

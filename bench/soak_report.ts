/**
 * The soak's report: memory samples over time and their summary, loss
 * figures, and the three files written to `--out`: `soak.json`, `soak.md`
 * and `soak-memory.svg` (a plot of memory over time, no dependencies).
 *
 * @module
 */

import type { StreamComparison } from "./soak_stream.ts";

/** One sample of the server's memory. */
export interface MemorySample {
  /** Seconds since the soak started. */
  readonly tS: number;
  /** VmRSS from `/proc/<pid>/status`. */
  readonly procRssBytes: number;
  /** `process.rssBytes` of `GET /status` (Deno's own figure). */
  readonly rssBytes: number;
  /** `process.heapUsedBytes`. */
  readonly heapUsedBytes: number;
  /** `process.heapTotalBytes`. */
  readonly heapTotalBytes: number;
  /** `process.externalBytes`. */
  readonly externalBytes: number;
  /** Open WebSockets. */
  readonly connections: number;
  /** The server's last seq. */
  readonly seq: number;
}

/** Start, end, max and trend of one memory figure. */
export interface MemoryFigure {
  /** First sample after the warm-up. */
  readonly startBytes: number;
  /** Last sample. */
  readonly endBytes: number;
  /** Highest sample. */
  readonly maxBytes: number;
  /** Least-squares slope over the second half of the run, in bytes per minute. */
  readonly slopeBytesPerMinute: number;
}

/** Loss figures, summed over every reconnecting client (see `compareStreams`). */
export type LossFigures = StreamComparison;

/** Everything the soak measured. */
export interface SoakReport {
  /** How it was run. */
  readonly command: string;
  /** ISO 8601 start time. */
  readonly startedAt: string;
  /** Seconds of disruption asked for. */
  readonly seconds: number;
  /** Reconnecting clients. */
  readonly clients: number;
  /** Subscription views (one control client each). */
  readonly views: number;
  /** `pglite` or `postgres`. */
  readonly database: string;
  /** PRNG seed of the clients and the simulator. */
  readonly seed: number;
  /** Events the server published during the run (last seq minus first). */
  readonly events: number;
  /** `next` frames received by the reconnecting clients. */
  readonly frames: number;
  /** Reconnections made. */
  readonly reconnects: number;
  /** Closes the clients did not ask for, by code. */
  readonly unexpectedCloses: Readonly<Record<string, number>>;
  /** Subscriptions refused with an error. */
  readonly subscriptionErrors: number;
  /** The loss check. */
  readonly loss: LossFigures;
  /** Memory figures (after a warm-up of the first tenth of the run). */
  readonly memory: {
    readonly procRss: MemoryFigure;
    readonly heapUsed: MemoryFigure;
    readonly heapTotal: MemoryFigure;
    readonly external: MemoryFigure;
  };
  /** Every sample. */
  readonly samples: readonly MemorySample[];
}

/**
 * Start, end, max and the slope over the second half of `values` at times `t`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarize } from "./soak_report.ts";
 * const figure = summarize([0, 60, 120, 180], [100, 100, 200, 300]);
 * assert.equal(figure.maxBytes, 300);
 * assert.equal(figure.slopeBytesPerMinute, 100);
 * ```
 */
export function summarize(t: readonly number[], values: readonly number[]): MemoryFigure {
  if (values.length === 0) {
    return { startBytes: 0, endBytes: 0, maxBytes: 0, slopeBytesPerMinute: 0 };
  }
  const half = Math.floor(values.length / 2);
  const xs = t.slice(half).map((s) => s / 60);
  const ys = values.slice(half);
  const mean = (a: readonly number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const mx = mean(xs);
  const my = mean(ys);
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return {
    startBytes: values[0],
    endBytes: values[values.length - 1],
    maxBytes: Math.max(...values),
    slopeBytesPerMinute: den === 0 ? 0 : Math.round(num / den),
  };
}

const MIB = 1024 * 1024;
const mib = (bytes: number) => (bytes / MIB).toFixed(1);

const SERIES = [
  { key: "procRssBytes", label: "RSS (/proc)", color: "#d62728" },
  { key: "heapTotalBytes", label: "V8 heap total", color: "#1f77b4" },
  { key: "heapUsedBytes", label: "V8 heap used", color: "#2ca02c" },
  { key: "externalBytes", label: "external", color: "#9467bd" },
] as const;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A round step for about `count` ticks over `range`. */
function tickStep(range: number, count: number): number {
  const raw = range / count;
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  for (const factor of [1, 2, 5, 10]) if (power * factor >= raw) return power * factor;
  return power * 10;
}

/**
 * Memory over time as an SVG line chart (MiB against seconds).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryPlotSvg } from "./soak_report.ts";
 * const sample = { procRssBytes: 2e8, rssBytes: 2e8, heapUsedBytes: 5e7, heapTotalBytes: 8e7,
 *   externalBytes: 1e7, connections: 1, seq: 1 };
 * const svg = memoryPlotSvg([{ tS: 0, ...sample }, { tS: 10, ...sample }], "soak");
 * assert(svg.startsWith("<svg") && svg.trimEnd().endsWith("</svg>"));
 * ```
 */
export function memoryPlotSvg(samples: readonly MemorySample[], title: string): string {
  const width = 900;
  const height = 420;
  const m = { left: 70, right: 170, top: 40, bottom: 50 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const maxT = Math.max(1, ...samples.map((s) => s.tS));
  const maxY = Math.max(
    1,
    ...samples.flatMap((s) => SERIES.map((series) => s[series.key] / MIB)),
  ) * 1.05;
  const x = (t: number) => m.left + (t / maxT) * plotW;
  const y = (v: number) => m.top + plotH - (v / maxY) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`);
  parts.push(
    `<text x="${m.left}" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  );
  const yStep = tickStep(maxY, 6);
  for (let v = 0; v <= maxY; v += yStep) {
    parts.push(
      `<line x1="${m.left}" y1="${y(v).toFixed(1)}" x2="${m.left + plotW}" y2="${
        y(v).toFixed(1)
      }" stroke="#ddd"/>`,
      `<text x="${m.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`,
    );
  }
  const xStep = tickStep(maxT, 8);
  for (let t = 0; t <= maxT; t += xStep) {
    parts.push(
      `<line x1="${x(t).toFixed(1)}" y1="${m.top + plotH}" x2="${x(t).toFixed(1)}" y2="${
        m.top + plotH + 5
      }" stroke="#333"/>`,
      `<text x="${x(t).toFixed(1)}" y="${m.top + plotH + 20}" text-anchor="middle">${t}</text>`,
    );
  }
  parts.push(
    `<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${m.left + plotW / 2}" y="${height - 10}" text-anchor="middle">seconds</text>`,
    `<text x="18" y="${m.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 18 ${
      m.top + plotH / 2
    })">MiB</text>`,
  );
  SERIES.forEach((series, i) => {
    const points = samples.map((s) => `${x(s.tS).toFixed(1)},${y(s[series.key] / MIB).toFixed(1)}`)
      .join(" ");
    parts.push(
      `<polyline fill="none" stroke="${series.color}" stroke-width="2" points="${points}"/>`,
      `<line x1="${width - m.right + 15}" y1="${m.top + 10 + i * 20}" x2="${
        width - m.right + 40
      }" y2="${m.top + 10 + i * 20}" stroke="${series.color}" stroke-width="3"/>`,
      `<text x="${width - m.right + 46}" y="${m.top + 14 + i * 20}">${
        escapeXml(series.label)
      }</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

/**
 * The report as markdown: what ran, the loss check, memory start/end/max/trend.
 *
 * @example
 * ```ts ignore
 * await Deno.writeTextFile("soak.md", markdownReport(report));
 * ```
 */
export function markdownReport(report: SoakReport): string {
  const row = (name: string, f: MemoryFigure) =>
    `| ${name} | ${mib(f.startBytes)} | ${mib(f.endBytes)} | ${mib(f.maxBytes)} | ${
      (f.slopeBytesPerMinute / MIB).toFixed(2)
    } |`;
  const closes = Object.entries(report.unexpectedCloses).map(([code, n]) => `${code}: ${n}`)
    .join(", ") || "none";
  return [
    `# Soak report`,
    "",
    `\`${report.command}\`, started ${report.startedAt}, database ${report.database}, seed ${report.seed}.`,
    "",
    `- ${report.clients} clients reconnecting at random over ${report.views} views (one control client each)`,
    `- ${report.events} events published; ${report.frames} frames received by the clients`,
    `- ${report.reconnects} reconnects; unexpected closes: ${closes}; refused subscriptions: ${report.subscriptionErrors}`,
    `- **frames lost: ${report.loss.lost}** (of ${report.loss.expected} checked against the control clients); ` +
    `extra ${report.loss.extra}, corrupt ${report.loss.corrupt}, out of order ${report.loss.outOfOrder}, ` +
    `resyncs ${report.loss.resyncs}, duplicates ${report.loss.duplicates}`,
    "",
    "Server memory (after a warm-up of the first tenth of the run), MiB:",
    "",
    "| figure | start | end | max | trend (MiB/min, 2nd half) |",
    "| ------ | ----: | --: | --: | ------------------------: |",
    row("RSS (/proc)", report.memory.procRss),
    row("V8 heap used", report.memory.heapUsed),
    row("V8 heap total", report.memory.heapTotal),
    row("external", report.memory.external),
    "",
    `![memory over time](soak-memory.svg)`,
    "",
  ].join("\n");
}

/**
 * Writes `soak.json`, `soak.md` and `soak-memory.svg` into `dir`; returns their paths.
 *
 * @example
 * ```ts ignore
 * const files = await writeReport("./soak-out", report);
 * ```
 */
export async function writeReport(
  dir: string,
  report: SoakReport,
): Promise<{ json: string; markdown: string; svg: string }> {
  await Deno.mkdir(dir, { recursive: true });
  const files = {
    json: `${dir}/soak.json`,
    markdown: `${dir}/soak.md`,
    svg: `${dir}/soak-memory.svg`,
  };
  await Deno.writeTextFile(files.json, JSON.stringify(report, null, 2) + "\n");
  await Deno.writeTextFile(files.markdown, markdownReport(report));
  await Deno.writeTextFile(
    files.svg,
    memoryPlotSvg(
      report.samples,
      `Overlap soak: server memory, ${report.clients} reconnecting clients, ${report.seconds} s`,
    ),
  );
  return files;
}

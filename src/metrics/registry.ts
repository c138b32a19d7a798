/**
 * The metrics registry of one server, over `npm:prom-client` (which runs
 * under Deno without Node-only APIs as long as its default Node metrics are
 * not collected; they are not).
 *
 * Two kinds of instruments:
 * - live counters and histograms, incremented where the thing happens
 *   (`prom-client`'s own classes);
 * - figures read at scrape time from a component's own counters or state
 *   ({@linkcode counterFrom}, {@linkcode gaugeFrom}): the component counts
 *   where things happen (a connection counts each frame it sends), and the
 *   scrape reads the totals, so nothing is counted twice or estimated.
 *
 * Label values are bounded by design: pools, kinds, routes, status codes;
 * never workflow ids, tokens or clients.
 *
 * @module
 */
import { Counter, Gauge, Registry } from "prom-client";

export { Registry };

/** The `Content-Type` of the text exposition format. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Label values of one sample. */
export type Labels = Record<string, string>;

/** What a scrape-time reader returns: one value, or one per label set. */
export type Reading = number | Iterable<readonly [Labels, number]>;

/** A metric read at scrape time. */
export interface ReadMetric {
  /** Full name, `overlap_…`. */
  readonly name: string;
  /** One line of help. */
  readonly help: string;
  /** Label names, when `read` returns labelled samples. */
  readonly labelNames?: readonly string[];
  /** Reads the current value(s). */
  read(): Reading;
}

function samples(reading: Reading): Iterable<readonly [Labels, number]> {
  return typeof reading === "number" ? [[{}, reading]] : reading;
}

function configOf(registry: Registry, metric: ReadMetric) {
  return {
    name: metric.name,
    help: metric.help,
    labelNames: metric.labelNames ?? [],
    registers: [registry],
  };
}

/**
 * Registers a counter whose value is read at scrape time from a total the
 * component keeps itself (it must only grow, as a counter does).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { counterFrom, Registry } from "./registry.ts";
 * const registry = new Registry();
 * let sent = 0;
 * counterFrom(registry, { name: "x_sent_total", help: "Sent.", read: () => sent });
 * sent = 3;
 * assert.match(await registry.metrics(), /^x_sent_total 3$/m);
 * ```
 */
export function counterFrom(registry: Registry, metric: ReadMetric): void {
  new Counter({
    ...configOf(registry, metric),
    collect() {
      this.reset();
      for (const [labels, value] of samples(metric.read())) this.inc(labels, value);
    },
  });
}

/**
 * Registers a gauge whose value is read at scrape time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gaugeFrom, Registry } from "./registry.ts";
 * const registry = new Registry();
 * gaugeFrom(registry, {
 *   name: "x_queue",
 *   help: "Queued.",
 *   labelNames: ["priority"],
 *   read: () => [[{ priority: "high" }, 2], [{ priority: "low" }, 5]],
 * });
 * assert.match(await registry.metrics(), /^x_queue\{priority="low"\} 5$/m);
 * ```
 */
export function gaugeFrom(registry: Registry, metric: ReadMetric): void {
  new Gauge({
    ...configOf(registry, metric),
    collect() {
      this.reset();
      for (const [labels, value] of samples(metric.read())) this.set(labels, value);
    },
  });
}

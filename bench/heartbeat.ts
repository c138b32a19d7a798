/**
 * The heartbeat monitor benchmark: 100,000 tracked jobs, each heartbeating
 * once a second (1 Hz) with their phases spread evenly over the second, and a
 * few jobs going silent. Two monitors run side by side on the same simulated
 * clock and the same heartbeats:
 *
 * - `wheel`: the real {@linkcode HeartbeatMonitor} (timer wheel);
 * - `scan`: Metaflow's design, a map of last heartbeats scanned in full at
 *   every tick.
 *
 * Both re-check due items against the same in-memory stand-in for the
 * database, so the difference is the data structure alone. Reported: the
 * cost of a tick (median and p99), the cost of handling one heartbeat, and
 * the CPU time per second of monitoring (heartbeats + ticks). The issue's
 * target: a tick at least 20× cheaper than the scan at 100k items.
 *
 * ```sh
 * deno run -A bench/heartbeat.ts        # 100k items, 60 s simulated, three scenarios
 * deno run -A bench/heartbeat.ts --items 10000 --silent 0.001
 * ```
 *
 * Times are in-thread busy time (`performance.now()` around the work; the
 * work is CPU-bound and single-threaded), not wall time of the simulation.
 * It is a script rather than `Deno.bench` cases because a tick's cost
 * depends on the heartbeats between ticks, which a micro-benchmark loop
 * would not reproduce.
 *
 * @module
 */
import type { Queryable, Row } from "../src/db/database.ts";
import type { TrackUpdate } from "../src/events/tracking.ts";
import { DeadlineWheel } from "../src/heartbeat/deadline_wheel.ts";
import { HeartbeatMonitor } from "../src/heartbeat/monitor.ts";
import { markLost, readHeartbeat } from "../src/heartbeat/queries.ts";

/** The target: how many times cheaper a tick must be than the scan. */
export const TARGET = 20;

/** Parameters of one run. */
export interface BenchParams {
  /** Jobs tracked at once. */
  readonly items: number;
  /** Simulated seconds measured (after a warm-up of `warmup` seconds). */
  readonly seconds: number;
  /** Simulated seconds run before measuring. */
  readonly warmup: number;
  /** Heartbeat interval (s); jobs heartbeat at 1 Hz. */
  readonly intervalS: number;
  /** Heartbeat buffer (s). */
  readonly bufferS: number;
  /** Time between ticks (ms). */
  readonly tickMs: number;
  /** Fraction of jobs that go silent per simulated second. */
  readonly silentPerSecond: number;
}

/** The defaults: the 100k items at 1 Hz. */
export const DEFAULT_PARAMS: BenchParams = {
  items: 100_000,
  seconds: 60,
  warmup: 5,
  intervalS: 1,
  bufferS: 2,
  tickMs: 1000,
  silentPerSecond: 0.00001,
};

/**
 * The runs printed by default: no job going silent (the structures alone),
 * one a second (the default), and 50 a second (a stress run, where checking
 * due items, the same work in both designs, dominates a tick).
 */
export const SCENARIOS: readonly Partial<BenchParams>[] = [
  { silentPerSecond: 0 },
  {},
  { silentPerSecond: 0.0005 },
];

/** One contender's figures. */
export interface ContenderFigures {
  /** Median time to find the due items (the structure alone, no checks), µs. */
  readonly findMedianUs: number;
  /** Median tick, µs. */
  readonly tickMedianUs: number;
  /** 99th percentile tick, µs. */
  readonly tickP99Us: number;
  /** Mean cost of handling one heartbeat, ns. */
  readonly heartbeatNs: number;
  /** CPU per second of monitoring (heartbeats + ticks), ms. */
  readonly cpuMsPerS: number;
  /** Items marked over the measured seconds. */
  readonly marked: number;
}

/** A run's figures. */
export interface BenchFigures {
  /** The parameters. */
  readonly params: BenchParams;
  /** The timer wheel (HeartbeatMonitor). */
  readonly wheel: ContenderFigures;
  /** The linear scan. */
  readonly scan: ContenderFigures;
}

/**
 * The database stand-in: every job is in flight with no stored heartbeat
 * newer than the monitor's, and every mark succeeds. Answers synchronously
 * resolved promises so both contenders pay the same small cost per check.
 */
function fakeDb(): Queryable {
  const row = [{ status: "running", hb: null, hb_text: null }];
  const marked = [{ id: "x" }];
  return {
    query<T extends Row = Row>(sql: string): Promise<T[]> {
      return Promise.resolve((sql.startsWith("update") ? marked : row) as unknown as T[]);
    },
  };
}

/** Metaflow's design: a map of last heartbeats, scanned in full each tick. */
class LinearScanMonitor {
  readonly #items = new Map<string, { lastHeartbeat: number }>();
  /** Time the last tick spent scanning, ms. */
  lastScanMs = 0;
  constructor(readonly spanMs: number, readonly db: Queryable, readonly now: () => number) {}
  get size(): number {
    return this.#items.size;
  }
  update(update: TrackUpdate): void {
    const item = this.#items.get(update.id);
    if (item === undefined) this.#items.set(update.id, { lastHeartbeat: update.lastHeartbeat });
    else if (update.lastHeartbeat > item.lastHeartbeat) item.lastHeartbeat = update.lastHeartbeat;
  }
  async tick(): Promise<string[]> {
    const began = performance.now();
    const now = this.now();
    const due: string[] = [];
    for (const [id, item] of this.#items) {
      if (now - item.lastHeartbeat > this.spanMs) due.push(id);
    }
    this.lastScanMs = performance.now() - began;
    for (const id of due) {
      this.#items.delete(id);
      // The same re-read and conditional update as the wheel's monitor.
      const row = await readHeartbeat(this.db, "job", id);
      if (row !== undefined) await markLost(this.db, "job", id, row);
    }
    return due;
  }
}

interface Contender {
  update(update: TrackUpdate): void;
  tick(): Promise<unknown[]>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

// A small deterministic PRNG (mulberry32), so both contenders see the same run.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs both contenders over the same simulated heartbeats and returns their
 * figures.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runHeartbeatBench } from "./heartbeat.ts";
 * const figures = await runHeartbeatBench({ items: 2_000, seconds: 3, warmup: 1 });
 * assert.equal(figures.wheel.marked, figures.scan.marked);
 * ```
 */
export async function runHeartbeatBench(
  overrides: Partial<BenchParams> = {},
): Promise<BenchFigures> {
  const params = { ...DEFAULT_PARAMS, ...overrides };
  const { items, intervalS, bufferS, tickMs } = params;
  const spanMs = (intervalS + bufferS) * 1000;
  const start = Date.parse("2024-05-01T00:00:00Z");
  const clock = { now: start };
  const db = fakeDb();
  const wheel = new HeartbeatMonitor({
    db,
    intervalS,
    bufferS,
    now: () => clock.now,
    concurrency: 1,
  });
  const scan = new LinearScanMonitor(spanMs, db, () => clock.now);
  const contenders: Record<"wheel" | "scan", Contender> = { wheel, scan };
  // The monitor's structure alone, fed the same heartbeats, to time finding
  // due items apart from checking them (the scan times its loop itself).
  const bare = new DeadlineWheel<null>({
    spanMs: spanMs + tickMs,
    granularityMs: Math.max(Math.ceil((spanMs + tickMs) / 1024), Math.ceil(tickMs / 8)),
  });
  const finds = { wheel: [] as number[], scan: [] as number[] };
  const names = ["wheel", "scan"] as const;

  // Job i heartbeats at phase (i / items) of each second. A job that goes
  // silent keeps its id in both monitors (it just stops heartbeating) and its
  // slot gets a new job, so `items` jobs keep heartbeating.
  const ids: string[] = Array.from({ length: items }, (_, i) => `~b/flow//1/t${i}/01`);
  let generation = 0;
  const random = prng(42);
  for (const name of names) {
    for (const id of ids) {
      contenders[name].update({ kind: "job", id, lastHeartbeat: start, status: "running" });
    }
  }
  for (const id of ids) bare.set(id, start + spanMs, null);

  const hbTime = { wheel: 0, scan: 0 };
  const ticks = { wheel: [] as number[], scan: [] as number[] };
  const marked = { wheel: 0, scan: 0 };
  let heartbeats = 0;
  const slices = 10; // heartbeats are delivered in 100 ms batches
  const perSlice = Math.ceil(items / slices);
  const totalSeconds = params.warmup + params.seconds;
  let nextTick = start + tickMs;
  for (let second = 0; second < totalSeconds; second++) {
    const measuring = second >= params.warmup;
    const goingSilent = Math.round(items * params.silentPerSecond);
    for (let k = 0; k < goingSilent; k++) {
      const i = Math.floor(random() * items);
      ids[i] = `~b/flow//1/t${i}/${String(++generation + 1).padStart(2, "0")}`;
      bare.set(ids[i], clock.now + spanMs, null);
      for (const name of names) {
        contenders[name].update({
          kind: "job",
          id: ids[i],
          lastHeartbeat: clock.now,
          status: "running",
        });
      }
    }
    for (let slice = 0; slice < slices; slice++) {
      clock.now = start + (second * slices + slice + 1) * (1000 / slices);
      const from = slice * perSlice;
      const to = Math.min(items, from + perSlice);
      for (const name of names) {
        const contender = contenders[name];
        const began = performance.now();
        for (let i = from; i < to; i++) {
          contender.update({ kind: "job", id: ids[i], lastHeartbeat: clock.now });
        }
        if (measuring) hbTime[name] += performance.now() - began;
      }
      for (let i = from; i < to; i++) bare.postpone(ids[i], clock.now + spanMs);
      if (measuring) heartbeats += to - from;
      while (clock.now >= nextTick) {
        nextTick += tickMs;
        const began = performance.now();
        bare.expire(clock.now);
        if (measuring) finds.wheel.push(performance.now() - began);
        // Alternate who ticks first: the first one after the heartbeat loop
        // finds colder caches.
        const order = (nextTick / tickMs) % 2 === 0 ? names : ([...names].reverse());
        for (const name of order) {
          const began = performance.now();
          const due = await contenders[name].tick();
          const took = performance.now() - began;
          if (measuring) {
            ticks[name].push(took);
            marked[name] += due.length;
          }
        }
        if (measuring) finds.scan.push(scan.lastScanMs);
      }
    }
  }
  const seconds = params.seconds;
  const figures = (name: "wheel" | "scan"): ContenderFigures => {
    const sorted = [...ticks[name]].sort((a, b) => a - b);
    const tickTotal = sorted.reduce((a, b) => a + b, 0);
    return {
      findMedianUs: percentile([...finds[name]].sort((a, b) => a - b), 0.5) * 1000,
      tickMedianUs: percentile(sorted, 0.5) * 1000,
      tickP99Us: percentile(sorted, 0.99) * 1000,
      heartbeatNs: (hbTime[name] / heartbeats) * 1e6,
      cpuMsPerS: (hbTime[name] + tickTotal) / seconds,
      marked: marked[name],
    };
  };
  return { params, wheel: figures("wheel"), scan: figures("scan") };
}

/**
 * Formats figures as a markdown table with the tick ratio against the target.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatFigures, runHeartbeatBench } from "./heartbeat.ts";
 * const text = formatFigures(await runHeartbeatBench({ items: 1_000, seconds: 2, warmup: 1 }));
 * assert(text.includes("| tick: whole (+ checking due items), median"));
 * ```
 */
export function formatFigures(figures: BenchFigures): string {
  const { params, wheel, scan } = figures;
  const f = (n: number, digits = 1) => n.toFixed(digits);
  const ratio = scan.findMedianUs / Math.max(wheel.findMedianUs, 1e-3);
  const silentPerS = Math.round(params.items * params.silentPerSecond * 100) / 100;
  return [
    `${params.items.toLocaleString("en")} jobs heartbeating at 1 Hz, ${silentPerS} going silent ` +
    `per second; interval ${params.intervalS} s + buffer ${params.bufferS} s, tick every ` +
    `${params.tickMs} ms, ${params.seconds} s measured`,
    "",
    "| | timer wheel (HeartbeatMonitor) | linear scan (Metaflow) | scan ÷ wheel |",
    "| --- | ---: | ---: | ---: |",
    `| tick: finding due items (structure), median | ${f(wheel.findMedianUs)} µs | ${
      f(scan.findMedianUs)
    } µs | ${f(ratio)}× |`,
    `| tick: whole (+ checking due items), median | ${f(wheel.tickMedianUs)} µs | ${
      f(scan.tickMedianUs)
    } µs | ${f(scan.tickMedianUs / Math.max(wheel.tickMedianUs, 1e-3))}× |`,
    `| tick: whole, p99 | ${f(wheel.tickP99Us)} µs | ${f(scan.tickP99Us)} µs | ${
      f(scan.tickP99Us / Math.max(wheel.tickP99Us, 1e-3))
    }× |`,
    `| one heartbeat | ${f(wheel.heartbeatNs)} ns | ${f(scan.heartbeatNs)} ns | ${
      f(scan.heartbeatNs / wheel.heartbeatNs, 2)
    }× |`,
    `| CPU per second of monitoring | ${f(wheel.cpuMsPerS, 2)} ms | ${f(scan.cpuMsPerS, 2)} ms | ${
      f(scan.cpuMsPerS / wheel.cpuMsPerS, 2)
    }× |`,
    `| items marked | ${wheel.marked} | ${scan.marked} | |`,
    "",
    `Target: finding due items ≥ ${TARGET}× cheaper than the scan: ${
      ratio >= TARGET ? "met" : "NOT met"
    } (${f(ratio)}×).`,
  ].join("\n");
}

function parseArgs(args: string[]): Partial<BenchParams> {
  const out: Record<string, number> = {};
  const names: Record<string, keyof BenchParams> = {
    "--items": "items",
    "--seconds": "seconds",
    "--warmup": "warmup",
    "--interval": "intervalS",
    "--buffer": "bufferS",
    "--tick-ms": "tickMs",
    "--silent": "silentPerSecond",
  };
  for (let i = 0; i < args.length; i += 2) {
    const name = names[args[i]];
    const value = Number(args[i + 1]);
    if (name === undefined || !Number.isFinite(value)) {
      throw new TypeError(
        `unknown option or bad value ${JSON.stringify(args[i])} ${
          JSON.stringify(args[i + 1])
        }; expected ${Object.keys(names).join(", ")} followed by a number`,
      );
    }
    out[name] = value;
  }
  return out as Partial<BenchParams>;
}

if (import.meta.main) {
  if (Deno.args.length > 0) {
    console.log(formatFigures(await runHeartbeatBench(parseArgs(Deno.args))));
  } else {
    for (const [index, scenario] of SCENARIOS.entries()) {
      if (index > 0) console.log();
      console.log(formatFigures(await runHeartbeatBench(scenario)));
    }
  }
}

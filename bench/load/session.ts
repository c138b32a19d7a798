/**
 * One load session: servers already started, clients opened on them (RSS
 * measured as they open), then any number of steps at a given delta rate,
 * each measured on its own (latency, loss, which frames, CPU of every
 * process involved).
 *
 * @module
 */
import { epochMs } from "./client_protocol.ts";
import { ClientPool, type UnexpectedClose } from "./client_pool.ts";
import { cpuSeconds, machineCpu, rssKiB } from "./proc.ts";
import {
  checkScenario,
  deltaBody,
  expectedFrames,
  type Scenario,
  setupBody,
  subscriptionOf,
} from "./scenario.ts";
import type { RunDatabase, ServerProcess } from "./servers.ts";

/** Server RSS as the clients opened. */
export interface MemoryResult {
  /** Summed over the servers, KiB: before any client, at ¼, ½, ¾ and all clients. */
  readonly rssKiB: readonly number[];
  /** `(all − before) / clients`, KB (1000 bytes). */
  readonly averageKB: number;
  /** `(all − half) / (clients − half)`, KB: what one more connection costs. */
  readonly marginalKB: number;
  /** Least-squares slope of RSS over clients from ¼ to all, KB per connection. */
  readonly slopeKB: number;
  /** Time to open and subscribe every client, ms. */
  readonly connectMs: number;
}

/** One step at one rate. */
export interface StepResult {
  /** Deltas per second asked for. */
  readonly rate: number;
  /** Deltas per second achieved by the poster. */
  readonly postedRate: number;
  /** Deltas posted. */
  readonly deltas: number;
  /** Frames the clients should have received. */
  readonly framesExpected: number;
  /** Frames they received (stragglers included, within the wait). */
  readonly framesReceived: number;
  /** Frames missing, over all clients. */
  readonly lost: number;
  /** Clients whose set of deltas differs from the expected one (count or indexes). */
  readonly wrongClients: number;
  /** Frames with no delta status in them, or for deltas of an earlier step. */
  readonly otherFrames: number;
  /** Frames received per second of posting. */
  readonly framesPerSecond: number;
  /** Latency from the start of the POST to receipt, ms. */
  readonly p50: number;
  /** 99th percentile, ms. */
  readonly p99: number;
  /** Worst, ms. */
  readonly max: number;
  /** Server processes' CPU (user + system), % of one core, summed. */
  readonly serverCpuPct: number;
  /** Load process (poster and client workers) CPU, % of one core. */
  readonly loadCpuPct: number;
  /** PostgreSQL backends of the run's database, % of one core (NaN on PGlite). */
  readonly dbCpuPct: number;
  /** The whole machine's busy time, % of all cores (other users included). */
  readonly machineBusyPct: number;
  /** Server CPU per frame received, µs. */
  readonly serverCpuPerFrameUs: number;
  /** Sockets closed by a server during the step. */
  readonly closes: number;
}

/** Options of {@linkcode LoadSession.open}. */
export interface SessionOptions {
  /** The server processes; clients are spread over them, client `i` on server `i % n`. */
  readonly servers: readonly ServerProcess[];
  /** Clients, cohorts, touch. */
  readonly scenario: Scenario;
  /** Client worker threads in the load process. */
  readonly workers: number;
  /** The run's PostgreSQL database, for its backends' CPU. */
  readonly database?: RunDatabase;
  /** Progress lines go here (stderr by default). */
  readonly progress?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}/api/deltas`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST ${url}/api/deltas: ${res.status} ${text}`);
}

function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return num / den;
}

const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/**
 * Clients connected to servers, ready for steps.
 *
 * @example
 * ```ts ignore
 * const session = await LoadSession.open({ servers, scenario, workers: 1 });
 * console.log(session.memory);
 * console.log(await session.step(50, 30));
 * await session.close();
 * ```
 */
export class LoadSession {
  readonly #options: SessionOptions;
  readonly #pool: ClientPool;
  #next = 0;
  #closesSeen = 0;
  /** RSS measured while opening. */
  memory!: MemoryResult;

  private constructor(options: SessionOptions, pool: ClientPool) {
    this.#options = options;
    this.#pool = pool;
  }

  /** Sockets the servers closed so far. */
  get closes(): readonly UnexpectedClose[] {
    return this.#pool.closes;
  }

  /**
   * Creates the workflow, then opens the clients a quarter at a time,
   * reading the servers' RSS before and after each quarter.
   */
  static async open(options: SessionOptions): Promise<LoadSession> {
    const { servers, scenario, workers } = options;
    checkScenario(scenario);
    const say = options.progress ?? ((line: string) => console.error(line));
    await post(servers[0].url, setupBody(scenario));
    // Let the first event reach every store before measuring the baseline.
    await sleep(500);
    const rss = () => servers.reduce((sum, s) => sum + rssKiB(s.pid), 0);
    const points = [0];
    const measured = [rss()];
    const pool = new ClientPool(workers);
    const session = new LoadSession(options, pool);
    const started = performance.now();
    let opened = 0;
    for (let quarter = 1; quarter <= 4; quarter++) {
      const upTo = Math.round((scenario.clients * quarter) / 4);
      const specs = [];
      for (let i = opened; i < upTo; i++) {
        specs.push({
          index: i,
          url: servers[i % servers.length].wsUrl,
          query: subscriptionOf(i % scenario.cohorts),
        });
      }
      await pool.open(specs);
      opened = upTo;
      await sleep(500);
      points.push(opened);
      measured.push(rss());
      say(`  ${opened} clients subscribed, server RSS ${(measured.at(-1)! / 1024).toFixed(1)} MiB`);
    }
    const connectMs = performance.now() - started;
    const kb = (kib: number) => (kib * 1024) / 1000;
    const half = Math.round(scenario.clients / 2);
    session.memory = {
      rssKiB: measured,
      averageKB: round(kb(measured[4] - measured[0]) / scenario.clients),
      marginalKB: round(kb(measured[4] - measured[2]) / (scenario.clients - half)),
      slopeKB: round(kb(slope(points.slice(1), measured.slice(1)))),
      connectMs: Math.round(connectMs),
    };
    if (pool.closes.length > 0) {
      const first = pool.closes[0];
      throw new Error(
        `${pool.closes.length} clients were closed while subscribing (first: ${first.code} ${first.reason})`,
      );
    }
    return session;
  }

  /**
   * Posts `rate` deltas/s for `seconds`, alternating between the servers,
   * then waits (at most `drainMs`) for stragglers, and measures.
   */
  async step(rate: number, seconds: number, drainMs = 10_000): Promise<StepResult> {
    const { servers, scenario, database } = this.#options;
    if (!(rate > 0) || !(seconds > 0)) {
      throw new RangeError(`rate and seconds must be > 0, got ${rate} and ${seconds}`);
    }
    const first = this.#next;
    const total = Math.max(1, Math.round(rate * seconds));
    this.#pool.reset(first);
    // A round trip through every worker, so the reset is in effect before the first delta.
    await this.#pool.report();
    const closesBefore = this.#pool.closes.length;
    const pids = servers.map((s) => s.pid);
    const cpu0 = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const load0 = cpuSeconds(Deno.pid);
    const db0 = database ? await database.backendCpuSeconds() : NaN;
    const machine0 = machineCpu();
    const started = performance.now();
    const posts: Promise<void>[] = [];
    for (let k = 0; k < total; k++) {
      const due = started + (k * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const n = first + k;
      posts.push(post(servers[n % servers.length].url, deltaBody(scenario, n, epochMs())));
    }
    await Promise.all(posts);
    const postedS = (performance.now() - started) / 1000;
    this.#next = first + total;
    const expected = expectedFrames(scenario, first, first + total - 1);
    let want = 0;
    for (let i = 0; i < scenario.clients; i++) want += expected.counts[i % scenario.cohorts];
    const deadline = performance.now() + drainMs;
    let report = await this.#pool.report();
    while (report.frames < want && performance.now() < deadline) {
      await sleep(100);
      report = await this.#pool.report();
    }
    const elapsedS = (performance.now() - started) / 1000;
    const cpu = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpu0;
    const load = cpuSeconds(Deno.pid) - load0;
    const db = database ? (await database.backendCpuSeconds()) - db0 : NaN;
    const machine = machineCpu();
    let lost = 0;
    let wrong = 0;
    for (let i = 0; i < scenario.clients; i++) {
      const cohort = i % scenario.cohorts;
      const got = report.counts[i] ?? 0;
      lost += Math.max(0, expected.counts[cohort] - got);
      if (got !== expected.counts[cohort] || report.sums[i] !== expected.sums[cohort]) wrong++;
    }
    this.#closesSeen = this.#pool.closes.length;
    return {
      rate,
      postedRate: round(total / postedS),
      deltas: total,
      framesExpected: want,
      framesReceived: report.frames,
      lost,
      wrongClients: wrong,
      otherFrames: report.other + report.stale,
      framesPerSecond: Math.round(report.frames / postedS),
      p50: round(report.latency.percentile(0.5), 2),
      p99: round(report.latency.percentile(0.99), 2),
      max: round(report.latency.max, 2),
      serverCpuPct: round((100 * cpu) / elapsedS),
      loadCpuPct: round((100 * load) / elapsedS),
      dbCpuPct: round((100 * db) / elapsedS),
      machineBusyPct: round(
        (100 * (machine.busy - machine0.busy)) / (machine.total - machine0.total),
      ),
      serverCpuPerFrameUs: report.frames > 0 ? round((cpu * 1e6) / report.frames, 2) : NaN,
      closes: this.#closesSeen - closesBefore,
    };
  }

  /**
   * After an overloaded step: waits until frames of earlier deltas stop
   * arriving (none for 1 s), at most `maxMs`, so the next step starts on an
   * idle server. Returns how many late frames arrived meanwhile.
   */
  async quiesce(maxMs = 60_000): Promise<number> {
    this.#pool.reset(this.#next);
    const deadline = performance.now() + maxMs;
    let last = -1;
    let late = 0;
    while (performance.now() < deadline) {
      await sleep(1000);
      late = (await this.#pool.report()).stale;
      if (late === last) break;
      last = late;
    }
    return late;
  }

  /** Closes the clients and their workers (not the servers). */
  async close(): Promise<void> {
    await this.#pool.close();
  }
}

/**
 * Whether a step met the load targets: p99 ≤ `p99Ms`, nothing lost, every
 * client got exactly its deltas, no socket closed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sustained } from "./session.ts";
 * assert.equal(sustained({ p99: 20, lost: 0, wrongClients: 0, closes: 0 }), true);
 * assert.equal(sustained({ p99: 51, lost: 0, wrongClients: 0, closes: 0 }), false);
 * ```
 */
export function sustained(
  step: Pick<StepResult, "p99" | "lost" | "wrongClients" | "closes">,
  p99Ms = 50,
): boolean {
  return step.p99 <= p99Ms && step.lost === 0 && step.wrongClients === 0 && step.closes === 0;
}

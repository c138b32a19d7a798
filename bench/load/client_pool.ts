/**
 * The load script's side of its client workers: spreads clients over
 * `Worker` threads, and merges what they counted.
 *
 * @module
 */
import type { ClientSpec, FromWorker, ToWorker, WorkerReport } from "./client_protocol.ts";
import { LatencyHistogram } from "./histogram.ts";

/** What every worker counted since the last reset, merged, per client in global order. */
export interface PoolReport {
  /** Delta frames received. */
  readonly frames: number;
  /** Delta frames per client (index = client index). */
  readonly counts: Int32Array;
  /** Sum of delta indexes per client. */
  readonly sums: Float64Array;
  /** Latencies of every delta frame. */
  readonly latency: LatencyHistogram;
  /** Late frames of deltas from before the reset. */
  readonly stale: number;
  /** Frames with no delta status in them. */
  readonly other: number;
}

/** A socket the server closed while the run went on. */
export interface UnexpectedClose {
  /** Client index. */
  readonly index: number;
  /** Close code. */
  readonly code: number;
  /** Close reason. */
  readonly reason: string;
}

/**
 * Clients spread over worker threads. Client `i` lives in worker `i % workers`.
 *
 * @example
 * ```ts ignore
 * const pool = new ClientPool(2);
 * await pool.open(specs);          // resolves once every client has its snapshot
 * pool.reset(0);
 * // … post deltas …
 * const report = await pool.report();
 * await pool.close();
 * ```
 */
export class ClientPool {
  readonly #workers: Worker[];
  readonly #indexes: number[][];
  readonly #inbox: ((message: FromWorker) => void)[] = [];
  /** Sockets the server closed unexpectedly, so far. */
  readonly closes: UnexpectedClose[] = [];

  /** Starts `workers` worker threads (at least 1). */
  constructor(workers: number) {
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`workers must be a whole number ≥ 1, got ${workers}`);
    }
    this.#workers = [];
    this.#indexes = [];
    for (let w = 0; w < workers; w++) {
      const worker = new Worker(new URL("./client_worker.ts", import.meta.url), { type: "module" });
      worker.onmessage = (event: MessageEvent<FromWorker>) => this.#receive(w, event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        throw new Error(`client worker ${w} failed: ${event.message}`);
      };
      this.#workers.push(worker);
      this.#indexes.push([]);
      this.#inbox.push(() => {});
    }
  }

  /** Clients opened so far. */
  get size(): number {
    return this.#indexes.reduce((n, list) => n + list.length, 0);
  }

  #receive(w: number, message: FromWorker): void {
    if (message.type === "unexpected-close") {
      this.closes.push({ index: message.index, code: message.code, reason: message.reason });
      return;
    }
    this.#inbox[w](message);
  }

  #ask(w: number, message: ToWorker, answer: FromWorker["type"]): Promise<FromWorker> {
    return new Promise((resolve) => {
      this.#inbox[w] = (reply) => {
        if (reply.type === answer) resolve(reply);
      };
      this.#workers[w].postMessage(message);
    });
  }

  /** Opens and subscribes `clients`; resolves when each has its first `next` or was closed. */
  async open(clients: readonly ClientSpec[]): Promise<void> {
    const shares: ClientSpec[][] = this.#workers.map(() => []);
    for (const spec of clients) {
      const w = spec.index % this.#workers.length;
      shares[w].push(spec);
      this.#indexes[w].push(spec.index);
    }
    await Promise.all(
      shares.map((share, w) => this.#ask(w, { type: "open", clients: share }, "ready")),
    );
  }

  /** Zeroes every counter; frames of deltas below `firstDelta` count as stale from now on. */
  reset(firstDelta: number): void {
    for (const worker of this.#workers) {
      worker.postMessage({ type: "reset", firstDelta } satisfies ToWorker);
    }
  }

  /** Collects and merges every worker's counters. */
  async report(): Promise<PoolReport> {
    const replies = await Promise.all(
      this.#workers.map((_, w) => this.#ask(w, { type: "report" }, "report")),
    ) as WorkerReport[];
    const size = Math.max(0, ...this.#indexes.flat().map((i) => i + 1));
    const counts = new Int32Array(size);
    const sums = new Float64Array(size);
    const latency = new LatencyHistogram();
    let frames = 0;
    let stale = 0;
    let other = 0;
    replies.forEach((reply, w) => {
      this.#indexes[w].forEach((index, local) => {
        counts[index] = reply.counts[local];
        sums[index] = reply.sums[local];
      });
      latency.merge(new LatencyHistogram(reply.histogram, reply.maxMs));
      frames += reply.frames;
      stale += reply.stale;
      other += reply.other;
    });
    return { frames, counts, sums, latency, stale, other };
  }

  /** Closes every client and stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((_, w) => this.#ask(w, { type: "close" }, "closed")));
    for (const worker of this.#workers) worker.terminate();
  }
}

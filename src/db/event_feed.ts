/**
 * Follows the event log: delivers every event after a starting seq exactly
 * once, in seq order, to one consumer.
 *
 * Notifications only say "something was committed": the log is the truth.
 * So the feed reads the log after its last delivered seq on every
 * notification, after the LISTEN connection comes back, and on a slow
 * safety-net poll. Reads are coalesced: at most one is in flight, and a
 * notification during it triggers one more.
 *
 * @module
 */
import type { Database, Unlisten } from "./database.ts";
import type { OverlapEvent } from "./event_delta.ts";
import { DatabaseUnavailableError } from "./availability.ts";
import { latestSeq, readEvents, retentionFloor } from "./event_log.ts";
import { type Logger, silentLogger } from "../log.ts";

/** The channel the triggers notify. */
export const EVENTS_CHANNEL = "overlap_events";

/** Options of an {@linkcode EventFeed}. */
export interface EventFeedOptions {
  /** Deliver events with a seq above this one (a snapshot's `seq`). */
  readonly afterSeq: number;
  /** Interval of the safety-net poll, in ms. */
  readonly pollMs: number;
  /**
   * Receives events in seq order, one call at a time. The feed's `lastSeq`
   * advances only when it resolves; if it throws, the same events come again
   * on the next read.
   */
  readonly onEvents: (events: OverlapEvent[]) => void | Promise<void>;
  /** Where reads that fail are reported. */
  readonly log?: Logger;
  /** Most events per read (default 500). */
  readonly batch?: number;
}

interface Waiter {
  target: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * A follower of the event log.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDatabase } from "./open.ts";
 * import { EventFeed } from "./event_feed.ts";
 * const db = await openDatabase({ databaseUrl: undefined, dataDir: "memory://" });
 * const seen: number[] = [];
 * const feed = new EventFeed(db, {
 *   afterSeq: 0,
 *   pollMs: 1000,
 *   onEvents: (events) => void seen.push(...events.map((e) => e.seq)),
 * });
 * await feed.start();
 * await db.query("insert into workflows (id) values ('~u/f')");
 * await feed.catchUp();
 * assert.deepEqual(seen, [1]);
 * assert.equal(feed.lastSeq, 1);
 * await feed.stop();
 * await db.close();
 * ```
 */
export class EventFeed {
  #db: Database;
  #options: EventFeedOptions;
  #log: Logger;
  #batch: number;
  #lastSeq: number;
  #headSeq: number;
  #state: "new" | "started" | "stopped" = "new";
  #reading: Promise<void> | undefined;
  #again = false;
  #unlisten: Unlisten | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waiters: Waiter[] = [];

  /** Creates a feed; nothing happens until {@linkcode EventFeed.start}. */
  constructor(db: Database, options: EventFeedOptions) {
    if (!Number.isSafeInteger(options.afterSeq) || options.afterSeq < 0) {
      throw new RangeError(`afterSeq must be an integer ≥ 0, got ${options.afterSeq}`);
    }
    if (!Number.isFinite(options.pollMs) || options.pollMs <= 0) {
      throw new RangeError(`pollMs must be a number of milliseconds > 0, got ${options.pollMs}`);
    }
    const batch = options.batch ?? 500;
    if (!Number.isSafeInteger(batch) || batch < 1) {
      throw new RangeError(`batch must be a positive integer, got ${batch}`);
    }
    this.#db = db;
    this.#options = options;
    this.#log = options.log ?? silentLogger;
    this.#batch = batch;
    this.#lastSeq = options.afterSeq;
    this.#headSeq = options.afterSeq;
  }

  /** The seq of the last event delivered (its `onEvents` resolved). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * The highest seq the feed knows was committed: from NOTIFY payloads
   * (every writing transaction notifies its seq, whichever instance or SQL
   * client wrote it) and from what it read. Learning it costs no query.
   * While LISTEN is down it may lag the database; the safety-net poll then
   * moves both it and `lastSeq`.
   */
  get headSeq(): number {
    return this.#headSeq;
  }

  /**
   * Events committed but not yet delivered, in seqs: `headSeq - lastSeq`.
   * Seqs of rolled-back transactions are never used, so this can count a
   * few that will never come; it is 0 once the feed has caught up.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openDatabase } from "./open.ts";
   * import { EventFeed } from "./event_feed.ts";
   * const db = await openDatabase({ databaseUrl: undefined, dataDir: "memory://" });
   * const feed = new EventFeed(db, { afterSeq: 0, pollMs: 1000, onEvents: () => {} });
   * await feed.start();
   * await db.query("insert into workflows (id) values ('~u/f')");
   * await feed.catchUp();
   * assert.equal(feed.lag, 0);
   * assert.equal(feed.headSeq, 1);
   * await feed.stop();
   * await db.close();
   * ```
   */
  get lag(): number {
    return Math.max(0, this.#headSeq - this.#lastSeq);
  }

  /**
   * Starts listening and polling, and reads what is already in the log.
   * Resolves once LISTEN is active (the first delivery may still be running).
   */
  async start(): Promise<void> {
    if (this.#state !== "new") throw new TypeError(`the feed is ${this.#state}; start it once`);
    this.#state = "started";
    const floor = await retentionFloor(this.#db);
    if (floor > this.#lastSeq) {
      this.#log.warn("events pruned before the feed's start were lost", {
        afterSeq: this.#lastSeq,
        floor,
      });
    }
    this.#unlisten = await this.#db.listen(EVENTS_CHANNEL, {
      onNotify: (payload) => {
        const seq = Number(payload);
        if (Number.isSafeInteger(seq) && seq > this.#headSeq) this.#headSeq = seq;
        if (!(seq <= this.#lastSeq)) this.#read();
      },
      onReconnect: () => {
        this.#log.info("listen reconnected; catching up", { lastSeq: this.#lastSeq });
        this.#read();
      },
    });
    this.#poll();
    this.#read();
  }

  /**
   * Resolves once every event committed before this call has been delivered.
   * Rejects if the feed stops first.
   */
  async catchUp(): Promise<void> {
    if (this.#state !== "started") throw new TypeError(`the feed is ${this.#state}, not started`);
    const target = await latestSeq(this.#db);
    // Stopped while the query ran: stop() has already rejected the waiters,
    // so one added now would never settle.
    if (this.#state !== "started") {
      throw new TypeError("the event feed stopped before catching up");
    }
    if (target > this.#headSeq) this.#headSeq = target;
    if (target <= this.#lastSeq) return;
    const done = new Promise<void>((resolve, reject) => {
      this.#waiters.push({ target, resolve, reject });
    });
    this.#read();
    return await done;
  }

  /**
   * Reads the log now instead of at the next notification or poll: the
   * server calls it when the database is back after an outage.
   *
   * @example
   * ```ts ignore
   * availability.onChange((available) => available && feed.readNow());
   * ```
   */
  readNow(): void {
    this.#read();
  }

  /** Stops listening and polling; waits for a delivery in progress. */
  async stop(): Promise<void> {
    if (this.#state === "stopped") return;
    this.#state = "stopped";
    clearTimeout(this.#timer);
    const unlisten = this.#unlisten;
    this.#unlisten = undefined;
    await unlisten?.().catch((error) => this.#log.warn("unlisten failed", { error }));
    await this.#reading;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.reject(new TypeError("the event feed stopped before catching up"));
    }
  }

  #poll(): void {
    this.#timer = setTimeout(() => {
      this.#read();
      this.#poll();
    }, this.#options.pollMs);
  }

  /** Asks for a read: starts one, or marks one more after the one in flight. */
  #read(): void {
    if (this.#state !== "started") return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = this.#drain().finally(() => {
      this.#reading = undefined;
    });
  }

  async #drain(): Promise<void> {
    do {
      this.#again = false;
      try {
        while (this.#state === "started") {
          const events = await readEvents(this.#db, this.#lastSeq, this.#batch);
          if (events.length === 0) {
            if (this.#waiters.length > 0) await this.#settlePruned();
            break;
          }
          await this.#checkGap(events[0].seq);
          const last = events[events.length - 1].seq;
          if (last > this.#headSeq) this.#headSeq = last;
          await this.#options.onEvents(events);
          this.#lastSeq = last;
          this.#settle();
          // Fewer than asked for: the log held no more when it was read.
          // Later commits notify; one that notified during this read set
          // `#again`. So no second read just to see it empty.
          if (events.length < this.#batch) break;
        }
      } catch (error) {
        // The next notification or poll retries from the same lastSeq. An
        // outage is logged once where it is detected, not on every poll.
        const level = error instanceof DatabaseUnavailableError ? "debug" : "error";
        this.#log[level]("event feed read failed; retrying on the next poll", {
          lastSeq: this.#lastSeq,
          error,
        });
        return;
      }
    } while (this.#again && this.#state === "started");
  }

  async #checkGap(firstSeq: number): Promise<void> {
    // Gaps are normal (rolled-back seqs); they only matter below the floor.
    if (firstSeq === this.#lastSeq + 1) return;
    const floor = await retentionFloor(this.#db);
    if (floor > this.#lastSeq) {
      this.#log.warn("events were pruned before delivery", { lastSeq: this.#lastSeq, floor });
    }
  }

  /** Releases waiters for events that were pruned and so can never come. */
  async #settlePruned(): Promise<void> {
    const floor = await retentionFloor(this.#db);
    this.#settle(floor);
  }

  #settle(reached = this.#lastSeq): void {
    const waiting: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.target <= reached) waiter.resolve();
      else waiting.push(waiter);
    }
    this.#waiters = waiting;
  }
}

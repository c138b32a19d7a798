/**
 * Whether the database can be reached, and a {@linkcode Database} wrapper
 * that fails fast while it cannot.
 *
 * When a query fails because the connection is gone (the server stopped,
 * restarted, refused or dropped the connection), the database is marked
 * unavailable: one warning is logged, every later query fails at once with
 * {@linkcode DatabaseUnavailableError} (HTTP 503) instead of waiting on a
 * driver timeout, and a probe (`select 1`) runs at once and then every
 * `probeMs` until one succeeds. Then one line says it is back and after how
 * long, and listeners (the event feed, the heartbeat monitor) are told.
 *
 * Errors that are not about the connection (a constraint, a syntax error)
 * pass through unchanged and change nothing.
 *
 * @module
 */
import type { Database, Queryable, Row, Statement } from "./database.ts";
import { type Logger, silentLogger } from "../log.ts";

/** Seconds a client is told to wait before retrying (`Retry-After`). */
export const RETRY_AFTER_S = 2;

/**
 * The database cannot be reached; the request may be retried later. The
 * message reads `database unavailable: <reason>; retry later`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DatabaseUnavailableError } from "./availability.ts";
 * const error = new DatabaseUnavailableError("connect ECONNREFUSED 127.0.0.1:5432");
 * assert.equal(error.message, "database unavailable: connect ECONNREFUSED 127.0.0.1:5432; retry later");
 * assert.equal(error.retryAfterS, 2);
 * ```
 */
export class DatabaseUnavailableError extends Error {
  /** Seconds to wait before retrying. */
  readonly retryAfterS: number = RETRY_AFTER_S;

  /** Creates the error; `reason` says what the driver reported. */
  constructor(readonly reason: string, options?: ErrorOptions) {
    super(`database unavailable: ${reason}; retry later`, options);
    this.name = "DatabaseUnavailableError";
  }
}

// postgres.js's own codes, Node's socket errors, and SQLSTATEs that mean the
// session is over or could not start: class 08 (connection exception),
// 57P01-57P03 (admin/crash shutdown, cannot connect now), 53300 (too many
// connections).
const CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "57P01",
  "57P02",
  "57P03",
  "53300",
]);

/**
 * Whether `error` says the connection to the database is gone or could not
 * be made (as opposed to an error in the statement).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isConnectionError } from "./availability.ts";
 * assert(isConnectionError(Object.assign(new Error("refused"), { code: "ECONNREFUSED" })));
 * assert(isConnectionError(Object.assign(new Error("bye"), { code: "57P01" })));
 * assert(isConnectionError(Object.assign(new Error("link"), { code: "08006" })));
 * assert(!isConnectionError(Object.assign(new Error("dup"), { code: "23505" })));
 * assert(!isConnectionError(new TypeError("bad")));
 * ```
 */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  return CONNECTION_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code);
}

/** Timer functions; `globalThis` satisfies it. Tests inject a fake. */
export interface Timers {
  /** Calls `fn` once after `ms`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a pending call. */
  clearTimeout(handle: unknown): void;
}

/** Options of a {@linkcode DatabaseAvailability}. */
export interface AvailabilityOptions {
  /** A cheap query on the real connection (`select 1`); resolving means the database is back. */
  readonly probe: () => Promise<unknown>;
  /** Where going down and coming back are logged (one line each). */
  readonly log?: Logger;
  /** The clock, in ms; default `Date.now`. */
  readonly now?: () => number;
  /** Timers of the probe; default `globalThis`. */
  readonly timers?: Timers;
  /** Time between probes while down, in ms; default 1000. */
  readonly probeMs?: number;
}

/** What `GET /status` shows under `database`. */
export interface AvailabilityStatus {
  /** Whether queries are let through. */
  readonly available: boolean;
  /** When the current state began (ISO 8601). */
  readonly since: string;
  /** Outages since start. */
  readonly outages: number;
  /** Milliseconds spent unavailable since start, the current outage included. */
  readonly downMs: number;
  /** While unavailable: what the driver reported. */
  readonly reason?: string;
}

/** Told `false` when the database goes away and `true` when it is back. */
export type AvailabilityListener = (available: boolean) => void;

/**
 * Tracks whether the database can be reached; see the module documentation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DatabaseAvailability } from "./availability.ts";
 * let up = false;
 * const fired: Array<() => void> = [];
 * const availability = new DatabaseAvailability({
 *   probe: () => up ? Promise.resolve() : Promise.reject(new Error("refused")),
 *   timers: { setTimeout: (fn) => fired.push(fn), clearTimeout() {} },
 * });
 * const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
 * assert(availability.reportFailure(refused));
 * assert.equal(availability.available, false);
 * assert.throws(() => availability.check(), /database unavailable: connect ECONNREFUSED; retry later/);
 * up = true;
 * await availability.probeNow();
 * assert.equal(availability.available, true);
 * availability.close();
 * ```
 */
export class DatabaseAvailability {
  readonly #probe: () => Promise<unknown>;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #timers: Timers;
  readonly #probeMs: number;
  readonly #listeners = new Set<AvailabilityListener>();
  #available = true;
  #since: number;
  #reason = "";
  #outages = 0;
  #downMs = 0;
  #failedProbes = 0;
  #timer: unknown = undefined;
  #probing: Promise<void> | undefined;
  #closed = false;

  /** Starts available; nothing runs until a failure is reported. */
  constructor(options: AvailabilityOptions) {
    const probeMs = options.probeMs ?? 1000;
    if (!(probeMs > 0) || !Number.isFinite(probeMs)) {
      throw new RangeError(`probeMs must be a positive number of milliseconds, got ${probeMs}`);
    }
    this.#probe = options.probe;
    this.#log = options.log ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? globalThis;
    this.#probeMs = probeMs;
    this.#since = this.#now();
  }

  /** Whether queries are let through. */
  get available(): boolean {
    return this.#available;
  }

  /**
   * Throws {@linkcode DatabaseUnavailableError} while the database is down.
   *
   * @example
   * ```ts
   * import { DatabaseAvailability } from "./availability.ts";
   * new DatabaseAvailability({ probe: () => Promise.resolve() }).check(); // available: no throw
   * ```
   */
  check(): void {
    if (!this.#available) throw new DatabaseUnavailableError(this.#reason);
  }

  /**
   * Reports a failed query. A connection error marks the database down
   * (logged once per outage) and starts the probe; returns whether it was one.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DatabaseAvailability } from "./availability.ts";
   * const availability = new DatabaseAvailability({ probe: () => Promise.resolve() });
   * assert.equal(availability.reportFailure(new RangeError("not a connection error")), false);
   * assert(availability.available);
   * ```
   */
  reportFailure(error: unknown): boolean {
    if (!isConnectionError(error)) return false;
    if (!this.#available || this.#closed) return true;
    this.#available = false;
    this.#since = this.#now();
    this.#reason = reasonOf(error);
    this.#outages++;
    this.#failedProbes = 0;
    this.#log.warn("database unavailable; ingest answers 503 until it is back", {
      reason: this.#reason,
    });
    this.#emit(false);
    // Probe at once: a single dropped connection is back within milliseconds.
    this.#schedule(0);
    return true;
  }

  /**
   * Runs one probe now (and waits for it); tests use it instead of the timer.
   *
   * @example
   * ```ts ignore
   * await availability.probeNow();
   * ```
   */
  async probeNow(): Promise<void> {
    if (this.#available || this.#closed) return;
    this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#runProbe();
  }

  /**
   * Calls `listener` with `false` when the database goes away and `true`
   * when it is back; returns a function that unsubscribes.
   *
   * @example
   * ```ts
   * import { DatabaseAvailability } from "./availability.ts";
   * const availability = new DatabaseAvailability({ probe: () => Promise.resolve() });
   * const off = availability.onChange((available) => console.log({ available }));
   * off();
   * ```
   */
  onChange(listener: AvailabilityListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /**
   * Figures for `GET /status`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DatabaseAvailability } from "./availability.ts";
   * const availability = new DatabaseAvailability({ probe: () => Promise.resolve(), now: () => 0 });
   * assert.deepEqual(availability.status(), {
   *   available: true, since: "1970-01-01T00:00:00.000Z", outages: 0, downMs: 0,
   * });
   * ```
   */
  status(): AvailabilityStatus {
    const downMs = this.#downMs + (this.#available ? 0 : this.#now() - this.#since);
    const status = {
      available: this.#available,
      since: new Date(this.#since).toISOString(),
      outages: this.#outages,
      downMs,
    };
    return this.#available ? status : { ...status, reason: this.#reason };
  }

  /** Stops probing (the server is stopping). */
  close(): void {
    this.#closed = true;
    this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(ms: number): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      void this.#runProbe();
    }, ms);
  }

  #runProbe(): Promise<void> {
    this.#probing ??= this.#probeOnce().finally(() => this.#probing = undefined);
    return this.#probing;
  }

  async #probeOnce(): Promise<void> {
    try {
      await this.#probe();
    } catch (error) {
      this.#failedProbes++;
      this.#log.debug("database probe failed", {
        attempt: this.#failedProbes,
        reason: reasonOf(error),
      });
      if (isConnectionError(error)) this.#reason = reasonOf(error);
      this.#schedule(this.#probeMs);
      return;
    }
    if (this.#available || this.#closed) return;
    const downMs = this.#now() - this.#since;
    this.#downMs += downMs;
    this.#available = true;
    this.#since = this.#now();
    this.#log.info("database available again", {
      downS: Math.round(downMs / 100) / 10,
      failedProbes: this.#failedProbes,
    });
    this.#emit(true);
  }

  #emit(available: boolean): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(available);
      } catch (error) {
        this.#log.error("availability listener failed", { available, error });
      }
    }
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof DatabaseUnavailableError) return error.reason;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  // postgres.js messages already start with their code ("write CONNECTION_CLOSED …").
  return typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * `db` behind `availability`: while the database is down, queries and
 * transactions fail at once with {@linkcode DatabaseUnavailableError};
 * a connection error from the driver marks it down and is rethrown as one
 * (the driver's error as its `cause`). `listen` and `close` pass through:
 * the LISTEN connection reconnects on its own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDatabase } from "./open.ts";
 * import { DatabaseAvailability, guardDatabase } from "./availability.ts";
 * const raw = await openDatabase({ databaseUrl: undefined, dataDir: "memory://" });
 * const availability = new DatabaseAvailability({ probe: () => raw.query("select 1") });
 * const db = guardDatabase(raw, availability);
 * assert.deepEqual(await db.query("select 1 as n"), [{ n: 1 }]);
 * await db.close();
 * ```
 */
export function guardDatabase(db: Database, availability: DatabaseAvailability): Database {
  const unavailable = (error: unknown): unknown =>
    availability.reportFailure(error) && !(error instanceof DatabaseUnavailableError)
      ? new DatabaseUnavailableError(reasonOf(error), { cause: error })
      : error;
  return {
    kind: db.kind,
    async query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
      availability.check();
      try {
        return await db.query<T>(text, params);
      } catch (error) {
        throw unavailable(error);
      }
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      availability.check();
      try {
        return await db.transaction(fn);
      } catch (error) {
        throw unavailable(error);
      }
    },
    async batch(statements: readonly Statement[]): Promise<Row[][]> {
      availability.check();
      try {
        return await db.batch(statements);
      } catch (error) {
        throw unavailable(error);
      }
    },
    listen: (channel, handlers) => db.listen(channel, handlers),
    close: () => {
      availability.close();
      return db.close();
    },
  };
}

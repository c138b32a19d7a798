/**
 * The PGlite adapter: PostgreSQL compiled to WebAssembly, embedded in this
 * process. It needs no server, which makes it the default for one machine and
 * for tests.
 *
 * PGlite runs in a Deno `Worker` (`pglite_worker.ts`), so its work (every
 * statement, trigger and checkpoint) does not stall the server's thread,
 * which does the fan-out. This side is the {@linkcode Database}: it sends
 * requests (`pglite_protocol.ts`) and settles them when the worker answers.
 * A transaction's callback runs here and its statements are sent with the
 * transaction's number; the worker runs them inside one PGlite transaction,
 * during which other callers' statements wait, as with PGlite in-process.
 *
 * @module
 */
import type { Database, ListenHandlers, Queryable, Row, Statement, Unlisten } from "./database.ts";
import { decodeError, type Reply, type Request } from "./pglite_protocol.ts";
import { type Logger, silentLogger } from "../log.ts";

export { DatabaseError } from "./pglite_protocol.ts";

/** The in-memory data directory: nothing is written to disk. */
export const MEMORY = "memory://";

/** Options of {@linkcode openPglite}. */
export interface PgliteOptions {
  /**
   * The worker module; tests substitute one that crashes. Default:
   * `pglite_worker.ts`.
   */
  readonly workerUrl?: URL;
}

// Request with its id left to the adapter, for each request kind that has one.
type Ask<R = Request> = R extends { id: number } ? Omit<R, "id"> : never;

type Result = Row[] | Row[][] | null;

interface Pending {
  resolve(result: Result): void;
  reject(error: Error): void;
}

/**
 * Opens PGlite in `dataDir/pg` (created if missing), or in memory for
 * {@linkcode MEMORY}, in a worker. Sequence numbers (`int8`) come back as JS
 * numbers and `timestamptz` as `Date`, as with the postgres.js adapter;
 * PostgreSQL's errors as {@linkcode DatabaseError} with their SQLSTATE `code`.
 * Migrations are not run here: see `openDatabase` in `open.ts`.
 *
 * @throws {TypeError} for an empty `dataDir`.
 * @throws {Error} naming the data directory and the cause when PGlite cannot
 * open (the worker is terminated).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openPglite } from "./pglite.ts";
 * const db = await openPglite("memory://");
 * const [row] = await db.query<{ n: number }>("select $1::int8 as n", [7]);
 * assert.equal(row.n, 7);
 * await db.close();
 * ```
 */
export async function openPglite(
  dataDir: string,
  log: Logger = silentLogger,
  options: PgliteOptions = {},
): Promise<Database> {
  if (typeof dataDir !== "string" || dataDir === "") {
    throw new TypeError(
      `dataDir must be a directory or "${MEMORY}", got ${JSON.stringify(dataDir)}`,
    );
  }
  let location: string | null = null;
  if (dataDir !== MEMORY) {
    location = `${dataDir.replace(/\/+$/, "")}/pg`;
    await Deno.mkdir(location, { recursive: true });
  }
  const started = performance.now();
  const db = new PgliteDatabase(
    new Worker(options.workerUrl ?? new URL("./pglite_worker.ts", import.meta.url), {
      type: "module",
      name: "pglite",
    }),
    log,
  );
  try {
    await db.open(location);
  } catch (error) {
    await db.close();
    throw new Error(
      `PGlite could not open ${location ?? MEMORY}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  log.info("pglite open", {
    dataDir: location ?? MEMORY,
    ms: Math.round(performance.now() - started),
  });
  return db;
}

class PgliteDatabase implements Database {
  readonly kind = "pglite" as const;
  #worker: Worker;
  #log: Logger;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #nextTx = 1;
  /** Per channel: its handlers and the LISTEN they wait for. */
  #channels = new Map<string, { handlers: Set<ListenHandlers>; active: Promise<void> }>();
  /** Why the worker is gone, once it crashed. */
  #failure: Error | undefined;
  #opened = false;
  #closing: Promise<void> | undefined;

  constructor(worker: Worker, log: Logger) {
    this.#worker = worker;
    this.#log = log;
    worker.onmessage = (event: MessageEvent<Reply>) => this.#receive(event.data);
    worker.onerror = (event: ErrorEvent) => {
      // Handled here: unhandled, a worker's error would end the whole process.
      event.preventDefault();
      const where = event.filename ? ` (${event.filename}:${event.lineno})` : "";
      this.#fail(new Error(`the PGlite worker crashed: ${event.message}${where}`));
    };
    worker.onmessageerror = () => {
      this.#fail(new Error("the PGlite worker sent a message that could not be read"));
    };
  }

  async open(location: string | null): Promise<void> {
    await this.#call({ op: "open", location });
    this.#opened = true;
  }

  async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return await this.#call({ op: "query", sql, params, tx: null }) as T[];
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const tx = this.#nextTx++;
    // Pipelined: the worker reports a failed BEGIN to the statements and `end`.
    this.#post({ op: "begin", tx });
    let over = false;
    const queryable: Queryable = {
      query: async <R extends Row = Row>(sql: string, params: readonly unknown[] = []) => {
        if (over) {
          throw new TypeError("this transaction is over; run statements inside its callback");
        }
        return await this.#call({ op: "query", sql, params, tx }) as R[];
      },
    };
    let result: T;
    try {
      result = await fn(queryable);
    } catch (error) {
      over = true;
      // A closing or crashed worker has rolled back already (or cannot).
      if (!this.#closing && !this.#failure) {
        await this.#call({ op: "end", tx, commit: false }).catch((rollbackError) =>
          this.#log.warn("rollback failed", { error: rollbackError })
        );
      }
      throw error;
    }
    over = true;
    await this.#call({ op: "end", tx, commit: true });
    return result;
  }

  async batch(statements: readonly Statement[]): Promise<Row[][]> {
    return await this.#call({ op: "batch", statements }) as Row[][];
  }

  async listen(channel: string, handlers: ListenHandlers): Promise<Unlisten> {
    checkChannel(channel);
    let entry = this.#channels.get(channel);
    if (!entry) {
      const active = this.#call({ op: "listen", channel }).then(() => {});
      entry = { handlers: new Set(), active };
      this.#channels.set(channel, entry);
      active.catch(() => {
        if (this.#channels.get(channel)?.active === active) this.#channels.delete(channel);
      });
      this.#log.info("listening", { channel });
    }
    await entry.active;
    entry.handlers.add(handlers);
    // In-process: the connection cannot drop, so onReconnect never fires.
    return async () => {
      const current = this.#channels.get(channel);
      if (!current?.handlers.delete(handlers) || current.handlers.size > 0) return;
      this.#channels.delete(channel);
      if (!this.#closing && !this.#failure) await this.#call({ op: "unlisten", channel });
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#opened && !this.#failure) {
      try {
        await this.#send({ op: "close" });
      } catch (error) {
        this.#log.warn("pglite did not close cleanly", { error });
      }
    }
    this.#worker.terminate();
    const closed = new TypeError("the PGlite database is closed; open a new one");
    for (const pending of this.#pending.values()) pending.reject(closed);
    this.#pending.clear();
    if (this.#opened && !this.#failure) this.#log.info("pglite closed");
  }

  #call(request: Ask): Promise<Result> {
    if (this.#closing) {
      return Promise.reject(new TypeError("the PGlite database is closed; open a new one"));
    }
    return this.#send(request);
  }

  #send(request: Ask): Promise<Result> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      try {
        this.#worker.postMessage({ ...request, id });
      } catch (error) {
        this.#pending.delete(id);
        reject(new TypeError(`cannot send to the PGlite worker: ${(error as Error).message}`));
      }
    });
  }

  /** Sends a request that has no answer (`begin`). */
  #post(request: Extract<Request, { op: "begin" }>): void {
    if (this.#closing) throw new TypeError("the PGlite database is closed; open a new one");
    if (this.#failure) throw this.#failure;
    this.#worker.postMessage(request);
  }

  #receive(reply: Reply): void {
    if (reply.type === "notify") {
      for (const handlers of this.#channels.get(reply.channel)?.handlers ?? []) {
        try {
          handlers.onNotify(reply.payload);
        } catch (error) {
          this.#log.error("a notification handler threw", { channel: reply.channel, error });
        }
      }
      return;
    }
    const pending = this.#pending.get(reply.id);
    if (!pending) return; // settled already (closed)
    this.#pending.delete(reply.id);
    if (reply.type === "done") pending.resolve(reply.result);
    else pending.reject(decodeError(reply.error));
  }

  #fail(failure: Error): void {
    if (this.#failure) return;
    this.#failure = failure;
    this.#log.error("pglite worker failed; every database call fails from now on", {
      error: failure,
    });
    for (const pending of this.#pending.values()) pending.reject(failure);
    this.#pending.clear();
    this.#worker.terminate();
  }
}

/**
 * Refuses channel names PGlite would not deliver to: PGlite keys listeners by
 * the name as written, PostgreSQL by the name it parsed (cut at 63 bytes).
 */
function checkChannel(channel: string): void {
  if (
    typeof channel !== "string" || channel === "" || channel.includes('"') ||
    new TextEncoder().encode(channel).length > 63
  ) {
    throw new TypeError(
      `channel must be 1 to 63 bytes without '"', got ${JSON.stringify(channel)}`,
    );
  }
}

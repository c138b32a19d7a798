/**
 * The postgres.js adapter, for a real PostgreSQL server (`DATABASE_URL`).
 *
 * Queries go through a small pool. LISTEN has its own connection that this
 * module keeps alive: when it drops, it is opened again with backoff, LISTEN
 * is issued again for every channel, and `onReconnect` tells the listeners
 * that notifications may have been missed meanwhile.
 *
 * @module
 */
import postgres from "postgres";
import type { Database, ListenHandlers, Queryable, Row, Statement, Unlisten } from "./database.ts";
import { type Logger, silentLogger } from "../log.ts";
import { isConnectionError } from "./availability.ts";

/** Options of {@linkcode openPostgres}; the defaults suit the server. */
export interface PostgresOptions {
  /** Pool size for queries and transactions (LISTEN uses one more connection). */
  readonly maxConnections?: number;
  /** Seconds to wait for a connection before a query fails. */
  readonly connectTimeoutS?: number;
}

// int8 as a JS number (seqs stay far below 2^53) and timestamptz as Date, like
// PGlite. A string bound to a json/jsonb parameter is taken as JSON text, as
// PGlite does, instead of being encoded again as a JSON string.
const TYPES = {
  int8: {
    to: 20,
    from: [20],
    serialize: (value: unknown) => String(value),
    parse: (value: string) => Number(value),
  },
  json: {
    to: 114,
    from: [114, 3802],
    serialize: (value: unknown) => typeof value === "string" ? value : JSON.stringify(value),
    parse: (value: string) => JSON.parse(value),
  },
};

type Sql = postgres.Sql<Record<string, never>>;

/**
 * Connects to PostgreSQL at `url`. Fails (rejects) when the server cannot be
 * reached, so a wrong `DATABASE_URL` stops the start with the driver's reason.
 * Migrations are not run here: see `openDatabase` in `open.ts`.
 *
 * @example
 * ```ts ignore
 * import { openPostgres } from "./postgres.ts";
 * const db = await openPostgres("postgres://postgres@127.0.0.1:5432/overlap");
 * const [row] = await db.query<{ n: number }>("select $1::int8 as n", [7]);
 * await db.close();
 * ```
 */
export async function openPostgres(
  url: string,
  log: Logger = silentLogger,
  options: PostgresOptions = {},
): Promise<Database> {
  if (typeof url !== "string" || !/^postgres(ql)?:\/\//.test(url)) {
    throw new TypeError(
      `url must be a postgres:// or postgresql:// URL, got ${JSON.stringify(url)}`,
    );
  }
  const common = {
    connect_timeout: options.connectTimeoutS ?? 10,
    // postgres.js waits up to 20 s (3^retries / 100 s) before reconnecting
    // after failures, so after an outage the first queries would wait that
    // long. The server probes once a second itself (availability.ts), so a
    // short fixed pause is enough.
    backoff: () => 0.1,
    onnotice: () => {},
    types: TYPES,
    // Parameters are typed by the `$n::type` casts in our SQL, not by the driver.
    fetch_types: false,
  };
  const sql = postgres(url, {
    ...common,
    max: options.maxConnections ?? 10,
    idle_timeout: 60,
  }) as unknown as Sql;
  try {
    await sql.unsafe("select 1");
  } catch (error) {
    await sql.end({ timeout: 1 });
    throw error;
  }
  log.info("postgres connected", { host: hostOf(url) });
  return new PostgresDatabase(url, sql, common, log);
}

function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return "?";
  }
}

function queryable(sql: Sql): Queryable {
  return {
    async query<T extends Row = Row>(text: string, params: readonly unknown[] = []) {
      const rows = await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]);
      return [...rows] as unknown as T[];
    },
  };
}

class PostgresDatabase implements Database {
  readonly kind = "postgres" as const;
  #url: string;
  #sql: Sql;
  #common: Record<string, unknown>;
  #log: Logger;
  #closed = false;
  #listener: Listener | undefined;

  constructor(url: string, sql: Sql, common: Record<string, unknown>, log: Logger) {
    this.#url = url;
    this.#sql = sql;
    this.#common = common;
    this.#log = log;
  }

  query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    this.#checkOpen();
    return queryable(this.#sql).query<T>(text, params);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.#checkOpen();
    return await this.#sql.begin(async (tx) => {
      try {
        return await fn(queryable(tx as unknown as Sql));
      } catch (error) {
        // The connection is gone. If `fn` settled now, `begin` would write
        // ROLLBACK to the dead connection, and postgres.js 3.4.9 then throws
        // from a setImmediate callback (`socket.write` on null): an uncaught
        // TypeError that ends the process (porsager/postgres#1208). So this
        // scope never settles; `begin` rejects on its own when the pool
        // reports the connection closed, and PostgreSQL rolls back the
        // transaction of a session that ended. (`sql.reserve()` with our own
        // BEGIN/COMMIT would avoid this too, but it hangs when it has to open
        // a connection while `fetch_types` is off.)
        if (isConnectionError(error)) return await new Promise<never>(() => {});
        throw error;
      }
    }) as T;
  }

  batch(statements: readonly Statement[]): Promise<Row[][]> {
    // Through `transaction`, so a batch gets whatever care it takes. The
    // statements are not pipelined: on a local server a round trip is
    // ~0.1 ms, and postgres.js holds a connection per transaction anyway.
    return this.transaction(async (tx) => {
      const results: Row[][] = [];
      for (const { sql, params } of statements) results.push(await tx.query(sql, params));
      return results;
    });
  }

  listen(channel: string, handlers: ListenHandlers): Promise<Unlisten> {
    this.#checkOpen();
    this.#listener ??= new Listener(this.#url, this.#common, this.#log);
    return this.#listener.add(channel, handlers);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#listener?.close();
    await this.#sql.end({ timeout: 5 });
    this.#log.info("postgres closed");
  }

  #checkOpen(): void {
    if (this.#closed) throw new TypeError("the postgres database is closed; open a new one");
  }
}

/** The LISTEN connection: one per database, shared by every channel. */
class Listener {
  #sql: Sql;
  #log: Logger;
  #channels = new Map<string, Set<ListenHandlers>>();
  #closed = false;
  #reconnecting = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(url: string, common: Record<string, unknown>, log: Logger) {
    this.#log = log;
    // `onnotify` is the hook postgres.js's own `listen` uses; it is not in the typings.
    const listenOptions = {
      ...common,
      max: 1,
      idle_timeout: 0,
      max_lifetime: 0,
      onnotify: (channel: string, payload: string) => {
        for (const handlers of this.#channels.get(channel) ?? []) handlers.onNotify(payload);
      },
      onclose: () => this.#lost(),
    };
    this.#sql = postgres(
      url,
      listenOptions as postgres.Options<Record<string, never>>,
    ) as unknown as Sql;
  }

  async add(channel: string, handlers: ListenHandlers): Promise<Unlisten> {
    let set = this.#channels.get(channel);
    if (!set) {
      set = new Set();
      this.#channels.set(channel, set);
      await this.#sql.unsafe(`listen ${quoteIdent(channel)}`);
      this.#log.info("listening", { channel });
    }
    set.add(handlers);
    return async () => {
      const current = this.#channels.get(channel);
      if (!current?.delete(handlers) || current.size > 0) return;
      this.#channels.delete(channel);
      if (!this.#closed) await this.#sql.unsafe(`unlisten ${quoteIdent(channel)}`);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#sql.end({ timeout: 1 });
  }

  #lost(): void {
    if (this.#closed || this.#reconnecting || this.#channels.size === 0) return;
    this.#reconnecting = true;
    this.#log.warn("listen connection lost; reconnecting");
    this.#retry(0, 50);
  }

  #retry(attempt: number, delayMs: number): void {
    this.#timer = setTimeout(async () => {
      if (this.#closed) return;
      try {
        // The pool of one opens a fresh connection for this query.
        for (const channel of this.#channels.keys()) {
          await this.#sql.unsafe(`listen ${quoteIdent(channel)}`);
        }
      } catch (error) {
        // One line for the first failure; an outage's worth of retries is debug.
        if (attempt === 0) this.#log.warn("listen reconnect failed; retrying", { error });
        else this.#log.debug("listen reconnect failed", { attempt: attempt + 1, error });
        this.#retry(attempt + 1, Math.min(delayMs * 2, 5000));
        return;
      }
      this.#reconnecting = false;
      this.#log.info("listen connection back", { attempts: attempt + 1 });
      for (const set of this.#channels.values()) {
        for (const handlers of set) handlers.onReconnect?.();
      }
    }, delayMs);
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The PGlite adapter: PostgreSQL compiled to WebAssembly, running in this
 * process. It needs no server, which makes it the default for one machine and
 * for tests.
 *
 * PGlite runs one statement at a time on one backend. Its `transaction` API
 * holds a lock for the whole callback, so other callers' queries wait instead
 * of running inside someone else's transaction.
 *
 * @module
 */
import { PGlite, types } from "@electric-sql/pglite";
import type { Database, ListenHandlers, Queryable, Row, Unlisten } from "./database.ts";
import { type Logger, silentLogger } from "../log.ts";

/** The in-memory data directory: nothing is written to disk. */
export const MEMORY = "memory://";

/**
 * Opens PGlite in `dataDir/pg` (created if missing), or in memory for
 * {@linkcode MEMORY}. Sequence numbers (`int8`) come back as JS numbers and
 * `timestamptz` as `Date`, as with the postgres.js adapter. Migrations are not
 * run here: see `openDatabase` in `open.ts`.
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
): Promise<Database> {
  if (typeof dataDir !== "string" || dataDir === "") {
    throw new TypeError(
      `dataDir must be a directory or "${MEMORY}", got ${JSON.stringify(dataDir)}`,
    );
  }
  let location: string | undefined;
  if (dataDir !== MEMORY) {
    location = `${dataDir.replace(/\/+$/, "")}/pg`;
    await Deno.mkdir(location, { recursive: true });
  }
  const started = performance.now();
  const pg = await PGlite.create(location, {
    parsers: { [types.INT8]: (value: string) => Number(value) },
  });
  log.info("pglite open", {
    dataDir: location ?? MEMORY,
    ms: Math.round(performance.now() - started),
  });
  return new PgliteDatabase(pg, log);
}

class PgliteDatabase implements Database {
  readonly kind = "pglite" as const;
  #pg: PGlite;
  #log: Logger;
  #closed = false;

  constructor(pg: PGlite, log: Logger) {
    this.#pg = pg;
    this.#log = log;
  }

  async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    this.#checkOpen();
    const result = await this.#pg.query<T>(sql, params as unknown[]);
    return result.rows;
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.#checkOpen();
    return this.#pg.transaction(async (tx) => {
      const queryable: Queryable = {
        async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []) {
          return (await tx.query<R>(sql, params as unknown[])).rows;
        },
      };
      return await fn(queryable);
    });
  }

  async listen(channel: string, handlers: ListenHandlers): Promise<Unlisten> {
    this.#checkOpen();
    // In-process: the connection cannot drop, so onReconnect never fires.
    const stop = await this.#pg.listen(channel, (payload) => handlers.onNotify(payload));
    return async () => {
      if (!this.#closed) await stop();
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pg.close();
    this.#log.info("pglite closed");
  }

  #checkOpen(): void {
    if (this.#closed) throw new TypeError("the PGlite database is closed; open a new one");
  }
}

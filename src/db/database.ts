/**
 * The one small database interface Overlap uses, with two adapters:
 * embedded PGlite in a worker (`pglite.ts`) and postgres.js (`postgres.ts`).
 *
 * Queries use PostgreSQL's `$1, $2, …` placeholders on both adapters. Rows come
 * back as plain objects keyed by column name. `bigint` columns are returned as
 * JS numbers by both adapters (sequence numbers stay far below 2^53), so code
 * above this layer never sees a driver-specific type.
 *
 * @module
 */

/** One result row. */
export type Row = Record<string, unknown>;

/** Something that runs SQL: the database itself, or an open transaction. */
export interface Queryable {
  /**
   * Runs one statement with `$n` parameters and returns its rows.
   *
   * @example
   * ```ts ignore
   * const rows = await db.query<{ n: number }>("select $1::int as n", [1]);
   * ```
   */
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/** One statement of a {@linkcode Database.batch}. */
export interface Statement {
  /** SQL with `$1, $2, …` placeholders. */
  readonly sql: string;
  /** The parameters (none when absent). */
  readonly params?: readonly unknown[];
}

/** Stops a listener; resolves once the LISTEN is gone. */
export type Unlisten = () => Promise<void>;

/** Callbacks of a LISTEN. */
export interface ListenHandlers {
  /** Called with each notification's payload, in the order the server sent them. */
  onNotify(payload: string): void;
  /**
   * Called after the listening connection was lost and LISTEN is active again.
   * Notifications sent while it was down are gone, so the caller must catch up
   * from its durable source (the event log).
   */
  onReconnect?(): void;
}

/** A database: the PGlite or postgres.js adapter. */
export interface Database extends Queryable {
  /** Which adapter this is. */
  readonly kind: "pglite" | "postgres";
  /**
   * Runs `fn` in one transaction: committed when `fn` resolves, rolled back
   * when it throws (the error is rethrown).
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs `statements` in order in one transaction and returns each one's
   * rows. When one fails, nothing is committed and its error is thrown.
   *
   * Prefer it to {@linkcode Database.transaction} when every statement is
   * known before the first runs: the PGlite adapter sends them to its worker
   * in one message, so the transaction holds PGlite's lock only while the
   * statements run, not while this thread is busy with other work between
   * them. (The postgres.js adapter runs them through `transaction`.)
   *
   * @example
   * ```ts ignore
   * const [, [row]] = await db.batch([
   *   { sql: "insert into t values ($1)", params: [1] },
   *   { sql: "select count(*)::int as n from t" },
   * ]);
   * ```
   */
  batch(statements: readonly Statement[]): Promise<Row[][]>;
  /** Subscribes to `NOTIFY` on `channel`. */
  listen(channel: string, handlers: ListenHandlers): Promise<Unlisten>;
  /** Closes every connection; later calls fail. */
  close(): Promise<void>;
}

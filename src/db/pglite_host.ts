/**
 * The worker's side of the PGlite adapter, free of any transport: it runs
 * {@linkcode Request}s against one PGlite and answers through `post`.
 * `pglite_worker.ts` wires it to the worker's messages; tests call it
 * directly.
 *
 * Transactions: the caller's callback runs on the server's thread, so a
 * transaction here is a queue of the statements sent for its number, run in
 * order inside PGlite's own `transaction` until `end` arrives. PGlite holds
 * its lock for the whole transaction, so statements outside it wait, as they
 * did when PGlite ran in the server's thread.
 *
 * @module
 */
import type { PGlite, Transaction } from "@electric-sql/pglite";
import type { Row } from "./database.ts";
import { encodeError, type Reply, type Request } from "./pglite_protocol.ts";

type QueryRequest = Extract<Request, { op: "query" }>;
type EndRequest = Extract<Request, { op: "end" }>;

/** A request of a transaction; `id: null` is the rollback `close` issues. */
type TxItem = QueryRequest | EndRequest | { op: "end"; id: null; commit: false };

interface TxState {
  readonly items: TxItem[];
  wake: (() => void) | undefined;
  /** Set when the transaction failed to begin: every later request gets it. */
  failed: unknown;
}

/** Thrown inside PGlite's transaction to make it roll back. */
const ROLLBACK = Symbol("rollback");

/** Runs requests on one PGlite; see the module documentation. */
export type PgliteHost = (request: Request) => void;

/**
 * Creates the host for an open `pg`. Every request with an `id` gets exactly
 * one `done` or `failed` reply through `post`; notifications of listened
 * channels come as `notify`. `open` is not handled here (the worker opens
 * PGlite before creating the host).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PGlite } from "@electric-sql/pglite";
 * import { createPgliteHost } from "./pglite_host.ts";
 * import type { Reply } from "./pglite_protocol.ts";
 * const pg = await PGlite.create();
 * const replies: Reply[] = [];
 * const host = createPgliteHost(pg, (reply) => replies.push(reply));
 * host({ op: "query", id: 1, sql: "select $1::int as n", params: [7], tx: null });
 * host({ op: "close", id: 2 });
 * while (replies.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
 * assert.deepEqual(replies, [
 *   { type: "done", id: 1, result: [{ n: 7 }] },
 *   { type: "done", id: 2, result: null },
 * ]);
 * ```
 */
export function createPgliteHost(pg: PGlite, post: (reply: Reply) => void): PgliteHost {
  const transactions = new Map<number, TxState>();
  const listening = new Map<string, () => Promise<void>>();
  // Statements and listens not inside a transaction, so `close` can wait for them.
  const running = new Set<Promise<unknown>>();
  let closing = false;

  const done = (id: number, result: Row[] | Row[][] | null = null) =>
    post({ type: "done", id, result });
  const failed = (id: number, error: unknown) => {
    try {
      post({ type: "failed", id, error: encodeError(error) });
    } catch (postError) {
      // A reply that cannot be cloned must not leave the caller waiting.
      post({ type: "failed", id, error: encodeError(postError) });
    }
  };
  const answer = (id: number, work: () => Promise<Row[] | Row[][] | null>): void => {
    const task = work().then(
      (result) => {
        try {
          done(id, result);
        } catch (error) {
          // e.g. a row value that cannot be cloned
          failed(id, new TypeError(`the result cannot be sent to the server thread: ${error}`));
        }
      },
      (error) => failed(id, error),
    );
    running.add(task);
    task.finally(() => running.delete(task));
  };

  function begin(tx: number): void {
    if (transactions.has(tx)) throw new RangeError(`transaction ${tx} was begun twice`);
    const state: TxState = { items: [], wake: undefined, failed: undefined };
    transactions.set(tx, state);
    const next = async (): Promise<TxItem> => {
      while (state.items.length === 0) {
        await new Promise<void>((resolve) => state.wake = resolve);
      }
      return state.items.shift()!;
    };
    let endId: number | null = null;
    pg.transaction(async (t: Transaction) => {
      for (;;) {
        const item = await next();
        if (item.op === "query") {
          // One at a time and in order: a statement's failure is its own
          // answer; the caller decides whether to go on or roll back.
          try {
            done(item.id, (await t.query<Row>(item.sql, item.params as unknown[])).rows);
          } catch (error) {
            failed(item.id, error);
          }
          continue;
        }
        endId = item.id;
        if (item.commit) return;
        throw ROLLBACK;
      }
    }).then(
      () => {
        transactions.delete(tx);
        if (endId !== null) done(endId);
      },
      (error) => {
        if (endId !== null || error === ROLLBACK) {
          transactions.delete(tx);
          if (endId === null) return;
          if (error === ROLLBACK) done(endId);
          else failed(endId, error);
          return;
        }
        // BEGIN itself failed: answer what is queued and what still comes.
        state.failed = error;
        for (const item of state.items.splice(0)) settleFailed(tx, state, item);
      },
    );
  }

  function settleFailed(tx: number, state: TxState, item: TxItem): void {
    if (item.op === "end") transactions.delete(tx);
    if (item.id !== null) failed(item.id, state.failed);
  }

  function inTransaction(tx: number, item: QueryRequest | EndRequest): void {
    const state = transactions.get(tx);
    if (!state) {
      failed(item.id, new TypeError(`transaction ${tx} is not open (it ended or never began)`));
      return;
    }
    if (state.failed !== undefined) {
      settleFailed(tx, state, item);
      return;
    }
    state.items.push(item);
    state.wake?.();
  }

  async function close(): Promise<void> {
    closing = true;
    // A transaction whose caller never ends it would hold PGlite's lock forever.
    for (const state of transactions.values()) {
      if (state.failed === undefined) {
        state.items.push({ op: "end", id: null, commit: false });
        state.wake?.();
      }
    }
    await Promise.allSettled([...running]);
    await pg.close();
  }

  return function handle(request: Request): void {
    if (closing) {
      if ("id" in request) {
        failed(request.id, new TypeError("the PGlite database is closed; open a new one"));
      }
      return;
    }
    switch (request.op) {
      case "query":
        if (request.tx !== null) inTransaction(request.tx, request);
        else {
          answer(
            request.id,
            async () => (await pg.query<Row>(request.sql, request.params as unknown[])).rows,
          );
        }
        return;
      case "batch":
        // Runs entirely here: the lock is held only while the statements run.
        answer(request.id, () =>
          pg.transaction(async (t) => {
            const results: Row[][] = [];
            for (const { sql, params } of request.statements) {
              results.push((await t.query<Row>(sql, params as unknown[] | undefined)).rows);
            }
            return results;
          }));
        return;
      case "begin":
        begin(request.tx);
        return;
      case "end":
        inTransaction(request.tx, request);
        return;
      case "listen":
        answer(request.id, async () => {
          if (listening.has(request.channel)) return null;
          const { channel } = request;
          const quoted = quoteIdent(channel);
          const forward = (payload: string) => post({ type: "notify", channel, payload });
          await pg.listen(quoted, forward);
          // Not the function `listen` returns: it unquotes the name twice, so
          // a mixed-case channel would never be unlistened (PGlite 0.5.16).
          listening.set(channel, () => pg.unlisten(quoted, forward));
          return null;
        });
        return;
      case "unlisten":
        answer(request.id, async () => {
          const stop = listening.get(request.channel);
          listening.delete(request.channel);
          await stop?.();
          return null;
        });
        return;
      case "close": {
        const { id } = request;
        close().then(() => done(id), (error) => failed(id, error));
        return;
      }
      case "open":
        failed(request.id, new TypeError("the PGlite database is already open"));
        return;
      default: {
        const unknown = request as { op?: unknown; id?: unknown };
        const error = new TypeError(`unknown request op ${JSON.stringify(unknown.op)}`);
        if (typeof unknown.id === "number") failed(unknown.id, error);
        else throw error;
      }
    }
  };
}

/**
 * `name` as a quoted identifier. PGlite keys its listeners by the name with
 * the quotes removed, so a quoted name keeps its case, as on PostgreSQL.
 */
function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

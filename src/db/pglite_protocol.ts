/**
 * The messages between the PGlite adapter (`pglite.ts`, on the server's
 * thread) and the worker that runs PGlite (`pglite_worker.ts`), and how
 * errors cross between them.
 *
 * Every request but `begin` carries an `id` and gets exactly one answer with
 * that id: `done` or `failed`. `begin` is pipelined: its failure is reported
 * to the transaction's statements and its `end`, so a transaction costs no
 * round trip of its own. Notifications arrive unasked, in the order PGlite
 * delivered them.
 *
 * Structured cloning keeps an `Error`'s class only for the built-in ones and
 * drops every own property, so errors travel as {@linkcode WireError} and are
 * rebuilt by {@linkcode decodeError}: a PostgreSQL error keeps its SQLSTATE
 * `code` and the other fields of a server error message.
 *
 * @module
 */
import type { Row, Statement } from "./database.ts";

/** What the adapter asks the worker. */
export type Request =
  | {
    /** Opens PGlite in `location`, or in memory for `null`. Always the first request. */
    readonly op: "open";
    readonly id: number;
    readonly location: string | null;
  }
  | {
    /** One statement; inside transaction `tx` when it is not `null`. */
    readonly op: "query";
    readonly id: number;
    readonly sql: string;
    readonly params: readonly unknown[];
    readonly tx: number | null;
  }
  | {
    /** Statements run in order in one transaction, all sent at once. */
    readonly op: "batch";
    readonly id: number;
    readonly statements: readonly Statement[];
  }
  | {
    /** Starts transaction `tx` (numbered by the adapter). No answer. */
    readonly op: "begin";
    readonly tx: number;
  }
  | {
    /** Commits or rolls back transaction `tx`. */
    readonly op: "end";
    readonly id: number;
    readonly tx: number;
    readonly commit: boolean;
  }
  | { readonly op: "listen"; readonly id: number; readonly channel: string }
  | { readonly op: "unlisten"; readonly id: number; readonly channel: string }
  | {
    /** Rolls back open transactions, waits for running statements, closes PGlite. */
    readonly op: "close";
    readonly id: number;
  };

/** What the worker sends back. */
export type Reply =
  | {
    /**
     * Request `id` succeeded: the rows of a query, each statement's rows for a
     * batch, `null` for the others.
     */
    readonly type: "done";
    readonly id: number;
    readonly result: Row[] | Row[][] | null;
  }
  | { readonly type: "failed"; readonly id: number; readonly error: WireError }
  | { readonly type: "notify"; readonly channel: string; readonly payload: string };

/** An error as it crosses the thread boundary. */
export interface WireError {
  /** The error's `name` (`TypeError`, `DatabaseError`, …). */
  readonly name: string;
  readonly message: string;
  /** The stack inside the worker. */
  readonly stack?: string;
  /** The PostgreSQL fields that were set (see {@linkcode DATABASE_ERROR_FIELDS}). */
  readonly fields?: Readonly<Record<string, string>>;
  readonly cause?: WireError;
}

/**
 * The fields of a PostgreSQL error message that PGlite sets on its errors
 * (with PGlite's names), plus `query`, the statement that failed.
 */
export const DATABASE_ERROR_FIELDS = [
  "severity",
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
  "query",
] as const;

/** One of {@linkcode DATABASE_ERROR_FIELDS}. */
export type DatabaseErrorField = typeof DATABASE_ERROR_FIELDS[number];

/**
 * An error PostgreSQL (inside PGlite) reported: a constraint violation, a
 * syntax error, an aborted transaction… `code` is the SQLSTATE.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DatabaseError } from "./pglite_protocol.ts";
 * const error = new DatabaseError('relation "nope" does not exist', { code: "42P01" });
 * assert.equal(error.code, "42P01");
 * assert.equal(String(error), 'DatabaseError: relation "nope" does not exist');
 * ```
 */
export class DatabaseError extends Error {
  /** `ERROR`, `FATAL` or `PANIC`. */
  severity?: string;
  /** The SQLSTATE, e.g. `23505` for a unique violation. */
  code?: string;
  detail?: string;
  hint?: string;
  /** 1-based character offset of the error in the statement. */
  position?: string;
  internalPosition?: string;
  internalQuery?: string;
  /** The PL/pgSQL or SQL context (e.g. which trigger). */
  where?: string;
  schema?: string;
  table?: string;
  column?: string;
  dataType?: string;
  constraint?: string;
  file?: string;
  line?: string;
  routine?: string;
  /** The statement that failed. */
  query?: string;

  /** Creates the error with the fields PostgreSQL sent. */
  constructor(
    message: string,
    fields: Partial<Record<DatabaseErrorField, string>> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "DatabaseError";
    for (const key of DATABASE_ERROR_FIELDS) {
      if (fields[key] !== undefined) this[key] = fields[key];
    }
  }
}

// Deeper causes are cut off: an error chain is for reading, not for recursion.
const MAX_CAUSES = 4;

/**
 * Turns anything thrown into a {@linkcode WireError}, keeping the name,
 * message, stack, PostgreSQL fields and causes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeError } from "./pglite_protocol.ts";
 * const wire = encodeError(Object.assign(new Error("dup"), { code: "23505" }));
 * assert.equal(wire.message, "dup");
 * assert.deepEqual(wire.fields, { code: "23505" });
 * ```
 */
export function encodeError(error: unknown, depth = 0): WireError {
  if (!(error instanceof Error)) {
    return { name: "Error", message: `non-Error thrown: ${String(error)}` };
  }
  const fields: Record<string, string> = {};
  let any = false;
  for (const key of DATABASE_ERROR_FIELDS) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (typeof value === "string") {
      fields[key] = value;
      any = true;
    }
  }
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    fields: any ? fields : undefined,
    cause: error.cause !== undefined && depth < MAX_CAUSES
      ? encodeError(error.cause, depth + 1)
      : undefined,
  };
}

const BUILT_IN: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * Rebuilds an error from a {@linkcode WireError}: a
 * {@linkcode DatabaseError} when it carries a SQLSTATE `code`, the same
 * built-in class for a built-in name, else an `Error` with that `name`. The
 * stack is the worker's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DatabaseError, decodeError, encodeError } from "./pglite_protocol.ts";
 * const error = decodeError({ name: "error", message: "dup", fields: { code: "23505" } });
 * assert(error instanceof DatabaseError && error.code === "23505");
 * assert(decodeError(encodeError(new RangeError("r"))) instanceof RangeError);
 * ```
 */
export function decodeError(wire: WireError): Error {
  const options = wire.cause ? { cause: decodeError(wire.cause) } : undefined;
  let error: Error;
  if (wire.fields?.code !== undefined) {
    error = new DatabaseError(wire.message, wire.fields, options);
  } else {
    const Class = BUILT_IN[wire.name];
    error = Class ? new Class(wire.message, options) : new Error(wire.message, options);
    if (!Class) error.name = wire.name;
  }
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

/**
 * The databases every database test runs on: PGlite in memory always, and a
 * real PostgreSQL when `TEST_DATABASE_URL` names a server
 * (e.g. `postgres://postgres@127.0.0.1:5432/postgres`). On that server each
 * `open()` creates a fresh database, migrated, and `drop()` removes it.
 *
 * ```ts ignore
 * for (const dbCase of dbCases()) {
 *   Deno.test(`something (${dbCase.name})`, async () => {
 *     const { db, drop } = await dbCase.open();
 *     try { … } finally { await drop(); }
 *   });
 * }
 * ```
 *
 * @module
 */
import type { Database } from "../src/db/database.ts";
import { migrate } from "../src/db/migrations.ts";
import { openPglite } from "../src/db/pglite.ts";
import { openPostgres } from "../src/db/postgres.ts";
import { type Logger, silentLogger } from "../src/log.ts";

/** An open test database. */
export interface OpenedDb {
  /** The migrated database. */
  readonly db: Database;
  /** The URL of the database (postgres only), for a second connection. */
  readonly url?: string;
  /** Closes `db` and removes the database (postgres). */
  drop(): Promise<void>;
}

/** One database kind the tests run on. */
export interface DbCase {
  /** `pglite` or `postgres`, for test names. */
  readonly name: "pglite" | "postgres";
  /** Opens a fresh, migrated database. */
  open(options?: { migrate?: boolean; log?: Logger }): Promise<OpenedDb>;
}

let counter = 0;

/**
 * The database kinds to run on: PGlite always, PostgreSQL when
 * `TEST_DATABASE_URL` is set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dbCases } from "./db_fixture.ts";
 * assert.equal(dbCases()[0].name, "pglite");
 * ```
 */
export function dbCases(): DbCase[] {
  const cases: DbCase[] = [{
    name: "pglite",
    async open(options = {}) {
      const db = await openPglite("memory://", options.log ?? silentLogger);
      if (options.migrate !== false) await migrate(db);
      return { db, drop: () => db.close() };
    },
  }];
  const serverUrl = Deno.env.get("TEST_DATABASE_URL");
  if (serverUrl) {
    cases.push({ name: "postgres", open: (options = {}) => openFresh(serverUrl, options) });
  }
  return cases;
}

/** Tells this module's instances apart (one per test worker). */
const RUN = crypto.randomUUID().slice(0, 8);

async function openFresh(
  serverUrl: string,
  options: { migrate?: boolean; log?: Logger },
): Promise<OpenedDb> {
  // `deno test --parallel` runs files in workers of one process: the pid
  // alone does not tell them apart.
  const name = `overlap_test_${Deno.pid}_${RUN}_${++counter}`;
  const admin = await openPostgres(serverUrl, silentLogger, { maxConnections: 1 });
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.close();
  }
  const url = withDatabase(serverUrl, name);
  const db = await openPostgres(url, options.log ?? silentLogger);
  if (options.migrate !== false) await migrate(db);
  return {
    db,
    url,
    async drop() {
      await db.close();
      const admin = await openPostgres(serverUrl, silentLogger, { maxConnections: 1 });
      try {
        await admin.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1",
          [name],
        );
        await admin.query(`drop database if exists ${name}`);
      } finally {
        await admin.close();
      }
    },
  };
}

/**
 * Empties the five tables and the event log and resets the retention floor,
 * without events (TRUNCATE fires no row triggers). Seqs keep counting.
 *
 * @example
 * ```ts ignore
 * await reset(db);
 * ```
 */
export async function reset(db: Database): Promise<void> {
  await db.query(
    "truncate workflows, task_proxies, family_proxies, jobs, edges, overlap_event_log",
  );
  await db.query("update overlap_event_meta set floor = 0");
}

/**
 * Polls `check` until it returns true, failing with `what` after `timeoutMs`.
 *
 * @example
 * ```ts
 * import { waitFor } from "./db_fixture.ts";
 * let n = 0;
 * await waitFor("n to reach 3", () => ++n >= 3);
 * ```
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * `url` with its database name replaced by `name`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withDatabase } from "./db_fixture.ts";
 * assert.equal(
 *   withDatabase("postgres://postgres@127.0.0.1:5432/postgres", "x"),
 *   "postgres://postgres@127.0.0.1:5432/x",
 * );
 * ```
 */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

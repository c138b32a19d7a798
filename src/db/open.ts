/**
 * Opens the configured database and brings its schema up to date.
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { Database } from "./database.ts";
import { migrate } from "./migrations.ts";
import { openPglite } from "./pglite.ts";
import { openPostgres } from "./postgres.ts";
import { type Logger, silentLogger } from "../log.ts";

/**
 * Opens PostgreSQL when `databaseUrl` is set, else PGlite in
 * `dataDir/pg` (`dataDir` may be `"memory://"`), then runs the migrations.
 * On a migration failure the database is closed and the error rethrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDatabase } from "./open.ts";
 * const db = await openDatabase({ databaseUrl: undefined, dataDir: "memory://" });
 * assert.equal(db.kind, "pglite");
 * assert.deepEqual(await db.query("select count(*)::int as n from workflows"), [{ n: 0 }]);
 * await db.close();
 * ```
 */
export async function openDatabase(
  config: Pick<Config, "databaseUrl" | "dataDir">,
  log: Logger = silentLogger,
): Promise<Database> {
  const db = config.databaseUrl === undefined
    ? await openPglite(config.dataDir, log.child("pglite"))
    : await openPostgres(config.databaseUrl, log.child("postgres"));
  try {
    await migrate(db, log.child("migrations"));
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/**
 * Writes a validated ingest body in one transaction: per table, one batched
 * upsert per set of named columns, then the prunes. The triggers of
 * migration 1 turn the changes into one event; its seq is the answer.
 *
 * Every statement is known before the first runs, so they go to the database
 * as one {@linkcode Database.batch}: the transaction holds its locks only
 * while they run.
 *
 * @module
 */
import type { Database, Statement } from "../db/database.ts";
import { type Kind, KINDS, SCHEMA, sqlType } from "../db/schema.ts";
import type { ElementUpsert, ValidDelta } from "./validate_delta.ts";

/** What {@linkcode applyDelta} did. */
export interface ApplyResult {
  /** The event seq the body's changes got, or `null` when it changed nothing. */
  readonly seq: number | null;
}

/** Rows per statement: bounds the size of one jsonb parameter. */
const CHUNK = 5_000;

/**
 * Applies `delta` (from `validateDelta`) to `db` in one transaction. An
 * element that exists gets exactly the columns the body named; a new one also
 * gets the defaults read from its id. Workflows are written before their
 * elements and prunes last. On any error nothing is written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDatabase } from "../db/open.ts";
 * import { validateDelta } from "./validate_delta.ts";
 * import { applyDelta } from "./apply_delta.ts";
 * const db = await openDatabase({ databaseUrl: undefined, dataDir: "memory://" });
 * const body = { workflows: [{ id: "~user/flow", status: "running" }] };
 * const { seq } = await applyDelta(db, validateDelta(body));
 * assert.equal(typeof seq, "number");
 * assert.deepEqual(await applyDelta(db, validateDelta(body)), { seq: null }); // no change
 * await db.close();
 * ```
 */
export async function applyDelta(db: Database, delta: ValidDelta): Promise<ApplyResult> {
  const statements: Statement[] = [];
  for (const kind of KINDS) {
    for (const group of groupByColumns(delta.upserts[kind])) {
      for (let start = 0; start < group.length; start += CHUNK) {
        statements.push(upsert(kind, group.slice(start, start + CHUNK)));
      }
    }
  }
  for (const kind of KINDS) {
    const ids = delta.pruned[kind];
    for (let start = 0; start < ids.length; start += CHUNK) {
      statements.push({
        sql: `delete from ${SCHEMA[kind].table}
          where id in (select jsonb_array_elements_text($1::jsonb))`,
        params: [JSON.stringify(ids.slice(start, start + CHUNK))],
      });
    }
  }
  // Set by the first trigger that recorded a change in this transaction.
  statements.push({ sql: "select nullif(current_setting('overlap.seq', true), '') as seq" });
  const results = await db.batch(statements);
  const [row] = results[results.length - 1] as { seq: string | null }[];
  return { seq: row.seq === null ? null : Number(row.seq) };
}

/** Upserts that name the same columns, in body order of their first member. */
function groupByColumns(upserts: readonly ElementUpsert[]): ElementUpsert[][] {
  const groups = new Map<string, ElementUpsert[]>();
  for (const upsert of upserts) {
    const key = Object.keys(upsert.set).sort().join(",");
    let group = groups.get(key);
    if (!group) groups.set(key, group = []);
    group.push(upsert);
  }
  return [...groups.values()];
}

function upsert(kind: Kind, rows: readonly ElementUpsert[]): Statement {
  const { table } = SCHEMA[kind];
  const named = Object.keys(rows[0].set);
  const defaults = Object.keys(rows[0].derived).filter((column) => !named.includes(column));
  const columns = ["id", ...(kind === "workflows" ? [] : ["workflow_id"]), ...defaults, ...named];
  const records = rows.map((row) => ({
    ...row.derived,
    ...row.set,
    id: row.id,
    workflow_id: row.workflowId,
  }));
  const recordType = columns.map((column) => `${column} ${sqlType(kind, column)}`).join(", ");
  // Only named columns are updated, and only when one differs: an unchanged
  // row is not rewritten, so its trigger does not fire at all.
  const onConflict = named.length === 0
    ? "do nothing"
    : `do update set ${named.map((column) => `${column} = excluded.${column}`).join(", ")} where (${
      named.map((column) => `t.${column}`).join(", ")
    }) is distinct from (${named.map((column) => `excluded.${column}`).join(", ")})`;
  return {
    sql: `insert into ${table} as t (${columns.join(", ")})
      select ${columns.map((column) => `r.${column}`).join(", ")}
        from jsonb_to_recordset($1::jsonb) as r(${recordType})
      on conflict (id) ${onConflict}`,
    params: [JSON.stringify(records)],
  };
}

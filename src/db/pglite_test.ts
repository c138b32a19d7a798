import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { waitFor } from "../../tests/db_fixture.ts";
import { createLogger } from "../log.ts";
import type { Database, Queryable } from "./database.ts";
import { DatabaseError, openPglite } from "./pglite.ts";
import { CRASH_SQL } from "./testing_crash_worker.ts";

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger("pglite", "info", (line) => lines.push(line)) };
}

/** A promise and its resolver, for holding a callback where a test wants it. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => open = resolve);
  return { open, opened };
}

/**
 * A transaction that runs `first`, then waits for `release()` before it runs
 * `after` (or throws it): it holds PGlite's lock while the test acts.
 */
async function heldTransaction(db: Database, first: string, after: string | Error) {
  const inside = gate();
  const release = gate();
  let open: Queryable | undefined;
  const done = db.transaction(async (tx) => {
    await tx.query(first);
    open = tx;
    inside.open();
    await release.opened;
    if (after instanceof Error) throw after;
    await tx.query(after);
  });
  await inside.opened;
  return { done, tx: open!, release: release.open };
}

Deno.test("openPglite: on disk in dataDir/pg, data survives a reopen", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await openPglite(`${dir}/data/`);
    await first.query("create table kept (n int8)");
    await first.query("insert into kept values ($1)", [2 ** 40]);
    await first.close();
    assert((await Deno.stat(`${dir}/data/pg`)).isDirectory);
    const second = await openPglite(`${dir}/data`);
    assertEquals(await second.query("select n from kept"), [{ n: 2 ** 40 }]);
    await second.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openPglite: queries, transactions, batches, errors, LISTEN and closing", async (t) => {
  const { lines, log } = capture();
  const db = await openPglite("memory://", log);
  assert(lines.some((line) => line.includes("pglite open") && line.includes("memory://")));
  try {
    await db.query("create table t (id serial primary key, n int unique)");

    await t.step("parameters and types cross the worker as before", async () => {
      const [row] = await db.query(
        `select $1::int8 as big, $2::timestamptz as at, $3::jsonb as doc, $4::jsonb as obj,
                $5::text as nothing, $6::bool as yes, $7::text as text, '\\x0102'::bytea as bytes`,
        [2 ** 40, "2024-01-02T03:04:05.678Z", '{"x":[1]}', { y: 2 }, null, true, "é\n'"],
      );
      assertEquals(row, {
        big: 2 ** 40,
        at: new Date("2024-01-02T03:04:05.678Z"),
        doc: { x: [1] },
        obj: { y: 2 },
        nothing: null,
        yes: true,
        text: "é\n'",
        bytes: new Uint8Array([1, 2]),
      });
      assertEquals(await db.query("select 1 as one where false"), []);
    });

    await t.step("a transaction commits and returns its callback's value", async () => {
      const value = await db.transaction(async (tx) => {
        await tx.query("insert into t (n) values (1)");
        return (await tx.query<{ n: number }>("select count(*)::int as n from t"))[0].n;
      });
      assertEquals(value, 1);
      assertEquals(await db.query("select n from t"), [{ n: 1 }]);
    });

    await t.step("a transaction's statements run in the order they were sent", async () => {
      const ids = await db.transaction((tx) =>
        Promise.all(
          Array.from({ length: 20 }, (_, k) =>
            tx.query<{ id: number }>("insert into t (n) values ($1) returning id", [100 + k])),
        )
      );
      const flat = ids.map(([row]) => row.id);
      assertEquals(flat, [...flat].sort((a, b) => a - b));
      await db.query("delete from t where n >= 100");
    });

    await t.step("a throwing callback rolls back and its error comes out unchanged", async () => {
      const thrown = new RangeError("no");
      const error = await assertRejects(
        () =>
          db.transaction(async (tx) => {
            await tx.query("insert into t (n) values (2)");
            throw thrown;
          }),
        RangeError,
        "no",
      );
      assert(error === thrown);
      assertEquals(await db.query("select n from t order by n"), [{ n: 1 }]);
    });

    await t.step("other callers wait for a transaction instead of joining it", async () => {
      const held = await heldTransaction(
        db,
        "insert into t (n) values (3)",
        new Error("roll back"),
      );
      let outsideDone = false;
      const outside = db.query<{ n: number }>("select count(*)::int as n from t").then((rows) => {
        outsideDone = true;
        return rows;
      });
      // Sent after the outside query: once it is answered, the worker has
      // seen the outside query too, and held it back.
      assertEquals(await held.tx.query("select count(*)::int as n from t"), [{ n: 2 }]);
      assert(!outsideDone, "the outside query must wait for the transaction");
      held.release();
      await assertRejects(() => held.done, Error, "roll back");
      assertEquals(await outside, [{ n: 1 }]);
    });

    await t.step("a transaction's queryable refuses statements after it ended", async () => {
      let kept: { query: (sql: string) => Promise<unknown> } | undefined;
      await db.transaction(async (tx) => {
        kept = tx;
        await tx.query("select 1");
      });
      await assertRejects(() => kept!.query("select 1"), TypeError, "this transaction is over");
    });

    await t.step("COMMIT of a transaction a caught error aborted fails with 25P02", async () => {
      const error = await assertRejects(
        () =>
          db.transaction(async (tx) => {
            await tx.query("insert into t (n) values (1)").catch(() => {}); // duplicate
            await tx.query("select 1").catch(() => {}); // "current transaction is aborted"
          }),
        DatabaseError,
      );
      assertEquals(error.code, "25P02");
    });

    await t.step("batch: each statement's rows, in one transaction", async () => {
      const results = await db.batch([
        { sql: "insert into t (n) values ($1), ($2)", params: [10, 11] },
        { sql: "select n from t where n >= $1 order by n", params: [10] },
        { sql: "select 'x' as x" },
      ]);
      assertEquals(results, [[], [{ n: 10 }, { n: 11 }], [{ x: "x" }]]);
      assertEquals(await db.batch([]), []);
    });

    await t.step("batch: a failing statement rolls back the ones before it", async () => {
      const error = await assertRejects(
        () =>
          db.batch([
            { sql: "insert into t (n) values (20)" },
            { sql: "insert into t (n) values (10)" },
            { sql: "insert into t (n) values (21)" },
          ]),
        DatabaseError,
        "duplicate key",
      );
      assertEquals([error.code, error.constraint, error.table], ["23505", "t_n_key", "t"]);
      assertEquals(error.detail, "Key (n)=(10) already exists.");
      assertEquals(await db.query("select n from t where n >= 20"), []);
    });

    await t.step("PostgreSQL errors keep their SQLSTATE and fields", async () => {
      const syntax = await assertRejects(() => db.query("selec 1"), DatabaseError, "syntax error");
      assertEquals([syntax.code, syntax.position, syntax.severity], ["42601", "1", "ERROR"]);
      assertEquals(syntax.query, "selec 1");
      assertEquals(syntax.name, "DatabaseError");
      const missing = await assertRejects(() => db.query("select * from nope"), DatabaseError);
      assertEquals(missing.code, "42P01");
      await db.query(`create function refuse() returns void language plpgsql as $$
        begin raise exception 'refused' using errcode = 'P0001', hint = 'ask nicely'; end $$`);
      const raised = await assertRejects(() => db.query("select refuse()"), DatabaseError);
      assertEquals([raised.message, raised.code, raised.hint], ["refused", "P0001", "ask nicely"]);
      assert(raised.where?.includes("PL/pgSQL function refuse()"), raised.where);
    });

    await t.step("parameters that cannot cross to the worker are refused", async () => {
      await assertRejects(
        () => db.query("select $1::text", [() => 1]),
        TypeError,
        "cannot send to the PGlite worker",
      );
      assertEquals(await db.query("select 2 as n"), [{ n: 2 }]); // still usable
    });

    await t.step("listen: notifications in order, to every handler of the channel", async () => {
      const a: string[] = [];
      const b: string[] = [];
      const other: string[] = [];
      const stopA = await db.listen("chan", { onNotify: (payload) => a.push(payload) });
      const stopB = await db.listen("chan", { onNotify: (payload) => b.push(payload) });
      const stopOther = await db.listen("Other", { onNotify: (payload) => other.push(payload) });
      const sent = Array.from({ length: 50 }, (_, k) => String(k));
      await db.transaction(async (tx) => {
        for (const payload of sent.slice(0, 25)) {
          await tx.query("select pg_notify('chan', $1)", [payload]);
        }
        await tx.query("select pg_notify('chan', '0')"); // a duplicate in one transaction folds
      });
      for (const payload of sent.slice(25)) {
        await db.query("select pg_notify('chan', $1)", [payload]);
      }
      await db.query(`select pg_notify('Other', 'case kept'), pg_notify('other', 'not this')`);
      await waitFor("every notification", () => a.length === 50 && other.length === 1);
      assertEquals(a, sent);
      assertEquals(b, sent);
      assertEquals(other, ["case kept"]);

      await stopA();
      await db.query("select pg_notify('chan', 'b only')");
      await waitFor("b's notification", () => b.length === 51);
      await stopB();
      await stopOther();
      await db.query("select pg_notify('chan', 'nobody')");
      await db.query("select 1"); // a round trip later, a stray delivery would have come
      assertEquals([a.length, b.length], [50, 51]);
    });

    await t.step("listen: a throwing handler is logged and the others still hear", async () => {
      const heard: string[] = [];
      const stopBad = await db.listen("chan", {
        onNotify: () => {
          throw new Error("handler bug");
        },
      });
      const stopGood = await db.listen("chan", { onNotify: (payload) => heard.push(payload) });
      await db.query("select pg_notify('chan', 'x')");
      await waitFor("the good handler", () => heard.length === 1);
      assert(lines.some((line) => line.includes("a notification handler threw")));
      await stopBad();
      await stopGood();
    });

    await t.step("listen: channel names PGlite could not deliver to are refused", async () => {
      for (const channel of ["", 'a"b', "x".repeat(64)]) {
        await assertRejects(
          () => db.listen(channel, { onNotify: () => {} }),
          TypeError,
          "channel must be 1 to 63 bytes",
        );
      }
    });
  } finally {
    await db.close();
  }
  assert(lines.some((line) => line.includes("pglite closed")));
  await assertRejects(() => db.query("select 1"), TypeError, "the PGlite database is closed");
  await assertRejects(() => db.batch([]), TypeError, "the PGlite database is closed");
  await assertRejects(
    () => db.transaction(() => Promise.resolve()),
    TypeError,
    "the PGlite database is closed",
  );
  await db.close(); // twice is fine
});

Deno.test("openPglite: close waits for running statements and ends open transactions", async () => {
  const { lines, log } = capture();
  const db = await openPglite("memory://", log);
  const slow = db.query<{ done: boolean }>("select pg_sleep(0.1) is not null as done");
  const held = await heldTransaction(db, "select 1", "select 2");
  const closing = [db.close(), db.close()];
  assertEquals(await slow, [{ done: true }]);
  await Promise.all(closing);
  held.release();
  await assertRejects(() => held.done, TypeError, "the PGlite database is closed");
  assert(!lines.some((line) => line.includes("WARN")), lines.join("\n"));
});

Deno.test("openPglite: a worker that crashes fails pending and later calls, and is logged", async () => {
  const { lines, log } = capture();
  const db = await openPglite("memory://", log, {
    workerUrl: new URL("./testing_crash_worker.ts", import.meta.url),
  });
  await db.query("create table t (n int)");
  const held = await heldTransaction(db, "insert into t values (1)", "insert into t values (2)");
  const waiting = db.query("select count(*) from t"); // waits for the transaction's lock
  const crashing = db.query(CRASH_SQL);
  const cause =
    "the PGlite worker crashed: Uncaught Error: simulated crash inside the PGlite worker";
  await assertRejects(() => crashing, Error, cause);
  await assertRejects(() => waiting, Error, cause);
  held.release();
  await assertRejects(() => held.done, Error, cause);
  await assertRejects(() => db.query("select 1"), Error, cause);
  await assertRejects(() => db.listen("chan", { onNotify: () => {} }), Error, cause);
  const logged = lines.filter((line) => line.includes("pglite worker failed"));
  assertEquals(logged.length, 1);
  assert(logged[0].includes("ERROR") && logged[0].includes("simulated crash"), logged[0]);
  await db.close();
});

Deno.test("openPglite: when PGlite cannot start, the open fails naming the cause", async () => {
  const { lines, log } = capture();
  const throwing = new URL("data:application/javascript,throw new Error('no wasm today')");
  const failed = await assertRejects(
    () => openPglite("memory://", log, { workerUrl: throwing }),
    Error,
    "PGlite could not open memory://: the PGlite worker crashed: Uncaught (in promise) Error: no wasm today",
  );
  assert(!(failed instanceof TypeError), "not a configuration error");
  assert(lines.some((line) => line.includes("pglite worker failed")));

  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/pg`);
    await Deno.writeTextFile(`${dir}/pg/PG_VERSION`, "9\n"); // not a PGlite data directory
    const broken = await assertRejects(() => openPglite(dir, log), Error, "PGlite could not open");
    assert(!(broken instanceof TypeError), "not a configuration error");
    assert(broken.message.startsWith(`PGlite could not open ${dir}/pg: `), broken.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openPglite: refuses an empty dataDir", async () => {
  await assertRejects(
    () => openPglite(""),
    TypeError,
    'dataDir must be a directory or "memory://"',
  );
});

import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { dbCases, waitFor } from "../../tests/db_fixture.ts";
import { createLogger } from "../log.ts";
import { openPostgres } from "./postgres.ts";

const postgresCase = dbCases().find((c) => c.name === "postgres");

Deno.test("openPostgres: refuses a URL that is not postgres://", async () => {
  await assertRejects(
    () => openPostgres("mysql://x"),
    TypeError,
    'url must be a postgres:// or postgresql:// URL, got "mysql://x"',
  );
});

Deno.test({
  name: "openPostgres: an unreachable server rejects the open",
  ignore: !postgresCase,
  async fn() {
    await assertRejects(
      () => openPostgres("postgres://postgres@127.0.0.1:1/x", undefined, { connectTimeoutS: 2 }),
      Error,
    );
  },
});

Deno.test({
  name: "openPostgres: types, transactions and a LISTEN that survives its backend",
  ignore: !postgresCase,
  async fn(t) {
    const lines: string[] = [];
    const log = createLogger("pg", "info", (line) => lines.push(line));
    const { db, drop } = await postgresCase!.open({ log });
    try {
      await t.step("int8 as number, jsonb from text or object, timestamptz as Date", async () => {
        const [row] = await db.query(
          "select $1::int8 as n, $2::jsonb as a, $3::jsonb as b, $4::timestamptz as t",
          [2 ** 40, '{"x":1}', { y: 2 }, "2024-01-02T03:04:05.678Z"],
        );
        assertEquals(row, {
          n: 2 ** 40,
          a: { x: 1 },
          b: { y: 2 },
          t: new Date("2024-01-02T03:04:05.678Z"),
        });
      });

      await t.step("a throwing transaction rolls back", async () => {
        await db.query("create table t (n int)");
        await assertRejects(
          () =>
            db.transaction(async (tx) => {
              await tx.query("insert into t values (1)");
              throw new RangeError("no");
            }),
          RangeError,
          "no",
        );
        assertEquals(await db.query("select * from t"), []);
      });

      await t.step("batch: each statement's rows; a failure rolls back all", async () => {
        await db.query("create table b (n int unique)");
        assertEquals(
          await db.batch([
            { sql: "insert into b values ($1), ($2)", params: [1, 2] },
            { sql: "select n from b order by n" },
          ]),
          [[], [{ n: 1 }, { n: 2 }]],
        );
        assertEquals(await db.batch([]), []);
        const error = await assertRejects(
          () =>
            db.batch([{ sql: "insert into b values (3)" }, { sql: "insert into b values (1)" }]),
          Error,
          "duplicate key",
        );
        assertEquals((error as Error & { code?: string }).code, "23505");
        assertEquals(await db.query("select count(*)::int as n from b"), [{ n: 2 }]);
      });

      await t.step("LISTEN comes back after pg_terminate_backend and says so", async () => {
        const heard: string[] = [];
        let reconnects = 0;
        const unlisten = await db.listen("chan", {
          onNotify: (payload) => heard.push(payload),
          onReconnect: () => reconnects++,
        });
        await db.query("select pg_notify('chan', '1')");
        await waitFor("the first notification", () => heard.length === 1);
        const killed = await db.query(
          `select pg_terminate_backend(pid) as ok from pg_stat_activity
            where datname = current_database() and query ilike 'listen%'`,
        );
        assertEquals(killed, [{ ok: true }]);
        await waitFor("the reconnect", () => reconnects === 1);
        await db.query("select pg_notify('chan', '2')");
        await waitFor("the second notification", () => heard.length === 2);
        assertEquals(heard, ["1", "2"]);
        await unlisten();
        await db.query("select pg_notify('chan', '3')");
        await db.query("select pg_sleep(0.05)"); // time for a stray delivery to show
        assertEquals(heard, ["1", "2"]);
        assertEquals(lines.filter((l) => l.includes("listen connection back")).length, 1);
      });
    } finally {
      await drop();
    }
    await assertRejects(() => db.query("select 1"), TypeError, "the postgres database is closed");
  },
});

Deno.test({
  name: "openPostgres: a transaction whose backend dies rejects, and the process and pool live on",
  ignore: !postgresCase,
  async fn() {
    // With postgres.js's own `begin`, the ROLLBACK it writes to the dead
    // connection throws from a setImmediate callback and ends the process
    // (porsager/postgres#1208); this test would never finish.
    const { db, drop } = await postgresCase!.open();
    const admin = await postgresCase!.open({ migrate: false });
    try {
      await db.query("create table kept (n int)");
      for (let round = 0; round < 3; round++) {
        let pid = 0;
        const outcome = db.transaction(async (tx) => {
          const [row] = await tx.query<{ pid: number }>("select pg_backend_pid()::int8 as pid");
          pid = row.pid;
          await tx.query("insert into kept values ($1::int)", [round]);
          await tx.query("select pg_sleep(10)");
        }).then(() => undefined, (error: Error) => error);
        await waitFor("the transaction to start", () => pid !== 0);
        await admin.db.query("select pg_terminate_backend($1::int)", [pid]);
        const error = await outcome;
        assert(error instanceof Error, "the transaction did not fail");
        assert(
          ["57P01", "CONNECTION_CLOSED"].includes((error as { code?: string }).code ?? ""),
          `unexpected error ${error}`,
        );
        // The next transactions run on the pool as usual.
        for (let i = 0; i < 12; i++) {
          await db.transaction((tx) => tx.query("select 1"));
        }
      }
      // Nothing of the killed transactions was committed.
      assertEquals(await db.query("select * from kept"), []);
    } finally {
      await admin.drop();
      await drop();
    }
  },
});

import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { dbCases } from "../../tests/db_fixture.ts";
import { LOCK_NAMESPACE, migrate, MIGRATIONS } from "./migrations.ts";
import { openPostgres } from "./postgres.ts";

for (const dbCase of dbCases()) {
  Deno.test(`migrate: applies once, then is a no-op (${dbCase.name})`, async () => {
    const { db, drop } = await dbCase.open({ migrate: false });
    try {
      assertEquals(await migrate(db), { applied: [1, 2], version: 2 });
      assertEquals(await migrate(db), { applied: [], version: 2 });
      const rows = await db.query("select version, name from overlap_migrations order by 1");
      assertEquals(rows, MIGRATIONS.map(({ version, name }) => ({ version, name })));
      const tables = await db.query<{ name: string }>(
        `select table_name as name from information_schema.tables
          where table_schema = current_schema() order by 1`,
      );
      assertEquals(tables.map((t) => t.name), [
        "edges",
        "family_proxies",
        "jobs",
        "overlap_event_log",
        "overlap_event_meta",
        "overlap_migrations",
        "task_proxies",
        "workflows",
      ]);
    } finally {
      await drop();
    }
  });

  Deno.test(`migrate: concurrent starts apply each migration once (${dbCase.name})`, async () => {
    const opened = await dbCase.open({ migrate: false });
    // On postgres, separate connections race for real; PGlite serializes them.
    const others = opened.url
      ? await Promise.all([1, 2].map(() => openPostgres(opened.url!)))
      : [opened.db, opened.db];
    try {
      const results = await Promise.all([opened.db, ...others].map((db) => migrate(db)));
      assertEquals(results.flatMap((r) => r.applied).sort(), [1, 2]);
      const [{ n }] = await opened.db.query<{ n: number }>(
        "select count(*)::int as n from overlap_migrations",
      );
      assertEquals(n, 2);
    } finally {
      if (opened.url) await Promise.all(others.map((db) => db.close()));
      await opened.drop();
    }
  });

  Deno.test(`migrate: a failing migration leaves nothing behind (${dbCase.name})`, async () => {
    const { db, drop } = await dbCase.open({ migrate: false });
    try {
      const broken = [...MIGRATIONS, {
        version: MIGRATIONS.length + 1,
        name: "broken",
        statements: ["create table half_done (a int)", "select no_such_function()"],
      }];
      await assertRejects(() => migrate(db, undefined, broken), Error, "no_such_function");
      const rows = await db.query("select version from overlap_migrations order by 1");
      assertEquals(rows, MIGRATIONS.map(({ version }) => ({ version })));
      const half = await db.query("select 1 from information_schema.tables where table_name = $1", [
        "half_done",
      ]);
      assertEquals(half, []);
      // The lock was transaction-scoped: it is free again.
      const [lock] = await db.query<{ ok: boolean }>(
        "select pg_try_advisory_lock($1, 2) as ok",
        [LOCK_NAMESPACE],
      );
      assert(lock.ok);
    } finally {
      await drop();
    }
  });
}

Deno.test("migrate: versions must be 1, 2, 3… in order", async () => {
  const db = { transaction: () => Promise.reject(new Error("not reached")) };
  await assertRejects(
    // deno-lint-ignore no-explicit-any
    () => migrate(db as any, undefined, [{ version: 2, name: "x", statements: [] }]),
    RangeError,
    'migration "x" has version 2, expected 1',
  );
});

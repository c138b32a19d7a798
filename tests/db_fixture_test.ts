import { assert, assertEquals } from "./assert.ts";
import { dbCases, withDatabase } from "./db_fixture.ts";
import { openPostgres } from "../src/db/postgres.ts";

Deno.test("dbCases: PGlite always, postgres only with TEST_DATABASE_URL", () => {
  const names = dbCases().map((c) => c.name);
  assertEquals(names, Deno.env.get("TEST_DATABASE_URL") ? ["pglite", "postgres"] : ["pglite"]);
});

Deno.test("withDatabase: keeps user, host and port", () => {
  assertEquals(
    withDatabase("postgres://u:p@h:5433/a?sslmode=disable", "b"),
    "postgres://u:p@h:5433/b?sslmode=disable",
  );
});

for (const dbCase of dbCases()) {
  Deno.test(`dbCases: opens a fresh migrated database and drops it (${dbCase.name})`, async () => {
    const first = await dbCase.open();
    const second = await dbCase.open();
    try {
      await first.db.query("insert into workflows (id) values ('~u/f')");
      assertEquals(await second.db.query("select id from workflows"), []);
      assertEquals(await first.db.query("select id from workflows"), [{ id: "~u/f" }]);
    } finally {
      await first.drop();
      await second.drop();
    }
    if (first.url) {
      const server = await openPostgres(Deno.env.get("TEST_DATABASE_URL")!);
      try {
        const name = new URL(first.url).pathname.slice(1);
        const rows = await server.query("select 1 from pg_database where datname = $1", [name]);
        assert(rows.length === 0, `${name} should have been dropped`);
      } finally {
        await server.close();
      }
    }
  });
}

import { assert, assertEquals } from "../../tests/assert.ts";
import { dbCases } from "../../tests/db_fixture.ts";
import { openDatabase } from "./open.ts";
import { openPostgres } from "./postgres.ts";

Deno.test("openDatabase: PGlite in dataDir/pg when no URL, migrated", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const db = await openDatabase({ databaseUrl: undefined, dataDir: dir });
    assertEquals(db.kind, "pglite");
    assertEquals(await db.query("select max(version) as version from overlap_migrations"), [{
      version: 2,
    }]);
    await db.close();
    assert((await Deno.stat(`${dir}/pg`)).isDirectory);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const postgresCase = dbCases().find((c) => c.name === "postgres");

Deno.test({
  name: "openDatabase: postgres when databaseUrl is set, migrated",
  ignore: !postgresCase,
  async fn() {
    const { url, drop } = await postgresCase!.open({ migrate: false });
    try {
      const db = await openDatabase({ databaseUrl: url, dataDir: "unused" });
      assertEquals(db.kind, "postgres");
      assertEquals(await db.query("select max(version) as version from overlap_migrations"), [{
        version: 2,
      }]);
      await db.close();
      // A second start finds nothing to do.
      const again = await openDatabase({ databaseUrl: url, dataDir: "unused" });
      await again.close();
      const check = await openPostgres(url!);
      assertEquals(await check.query("select count(*)::int as n from overlap_migrations"), [{
        n: 2,
      }]);
      await check.close();
    } finally {
      await drop();
    }
  },
});

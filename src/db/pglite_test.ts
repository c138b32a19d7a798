import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { waitFor } from "../../tests/db_fixture.ts";
import { openPglite } from "./pglite.ts";

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

Deno.test("openPglite: transactions, LISTEN and closing", async (t) => {
  const db = await openPglite("memory://");
  try {
    await db.query("create table t (n int)");

    await t.step("other callers wait for a transaction instead of joining it", async () => {
      let inside = () => {};
      const entered = new Promise<void>((resolve) => inside = resolve);
      let release = () => {};
      const held = new Promise<void>((resolve) => release = resolve);
      const tx = db.transaction(async (tx) => {
        await tx.query("insert into t values (1)");
        inside();
        await held;
        throw new Error("roll back");
      });
      await entered;
      let outsideDone = false;
      const outside = db.query<{ n: number }>("select count(*)::int as n from t").then((rows) => {
        outsideDone = true;
        return rows;
      });
      await new Promise((resolve) => setTimeout(resolve, 0));
      assert(!outsideDone, "the outside query must wait for the transaction");
      release();
      await assertRejects(() => tx, Error, "roll back");
      assertEquals(await outside, [{ n: 0 }]);
    });

    await t.step("listen hears notifies after commit; unlisten stops it", async () => {
      const heard: string[] = [];
      const unlisten = await db.listen("chan", { onNotify: (payload) => heard.push(payload) });
      await db.transaction(async (tx) => {
        await tx.query("select pg_notify('chan', 'a')");
        await tx.query("select pg_notify('chan', 'a')"); // folded into one
      });
      await waitFor("the notification", () => heard.length > 0);
      assertEquals(heard, ["a"]);
      await unlisten();
      await db.query("select pg_notify('chan', 'b')");
      await db.query("select 1");
      assertEquals(heard, ["a"]);
    });
  } finally {
    await db.close();
  }
  await assertRejects(() => db.query("select 1"), TypeError, "the PGlite database is closed");
  await db.close(); // twice is fine
});

Deno.test("openPglite: refuses an empty dataDir", async () => {
  await assertRejects(
    () => openPglite(""),
    TypeError,
    'dataDir must be a directory or "memory://"',
  );
});

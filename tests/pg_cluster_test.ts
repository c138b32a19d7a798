import { openPostgres } from "../src/db/postgres.ts";
import { silentLogger } from "../src/log.ts";
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { postgresBinaries, startCluster } from "./pg_cluster.ts";

const bin = postgresBinaries();
const ci = Deno.env.get("CI") === "true";

Deno.test({
  name: `pg cluster: starts, stops, starts again on the same port and data, is removed${
    bin || ci ? "" : " [ignored: no PostgreSQL server binaries under /usr/lib/postgresql]"
  }`,
  ignore: bin === undefined && !ci,
  async fn() {
    // In CI the binaries are installed; their absence is a failure there.
    assert(
      bin !== undefined,
      "PostgreSQL server binaries are missing (apt-get install postgresql)",
    );
    const cluster = await startCluster();
    let db = await openPostgres(cluster.url, silentLogger, { maxConnections: 1 });
    try {
      await db.query("create table kept (n int)");
      await db.query("insert into kept values (7)");
      await db.close();
      await cluster.stop();
      await assertRejects(
        () => openPostgres(cluster.url, silentLogger, { maxConnections: 1 }),
        Error,
        "ECONNREFUSED",
      );
      await cluster.start();
      db = await openPostgres(cluster.url, silentLogger, { maxConnections: 1 });
      assertEquals(await db.query("select n from kept"), [{ n: 7 }]);
    } finally {
      await db.close();
      await cluster.destroy();
    }
    assert(
      await Deno.stat(cluster.dir).then(() => false, (e) => e instanceof Deno.errors.NotFound),
      `${cluster.dir} was not removed`,
    );
  },
});

import { openPostgres } from "../src/db/postgres.ts";
import { silentLogger } from "../src/log.ts";
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { clusterTest, startCluster } from "./pg_cluster.ts";

Deno.test(
  clusterTest(
    "pg cluster: starts, stops, starts again on the same port and data, is removed",
    async () => {
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
  ),
);

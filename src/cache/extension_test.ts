import { assertEquals } from "../../tests/assert.ts";
import { loadConfig } from "../config.ts";
import { openPglite } from "../db/pglite.ts";
import { migrate } from "../db/migrations.ts";
import { silentLogger } from "../log.ts";
import { cacheExtension } from "./extension.ts";

Deno.test("cacheExtension: the pools' GraphQL fields and status, stopped by close()", async () => {
  const dir = await Deno.makeTempDir({ prefix: "overlap-cache-ext-" });
  const db = await openPglite("memory://");
  try {
    await migrate(db);
    const config = loadConfig(new Map([["OVERLAP_DATA_DIR", dir], ["OVERLAP_LOG_LEVEL", "error"]]));
    const cache = await cacheExtension(config, db, silentLogger, { serverStderr: () => {} });
    assertEquals(Object.keys(cache.query ?? {}).sort(), [
      "artifact",
      "dag",
      "jobArtifacts",
      "jobLog",
    ]);
    assertEquals(Object.keys(cache.subscription ?? {}), [
      "readArtifacts",
      "readJobLog",
      "searchArtifacts",
    ]);
    const status = cache.status?.() as { cache: Record<string, { up: boolean; workers: number }> };
    assertEquals(
      Object.entries(status.cache).map(([pool, stats]) => [pool, stats.up, stats.workers]),
      [["dag", true, 2], ["artifacts", true, 4], ["logs", true, 2]],
    );
    await cache.close?.();
    assertEquals(cache.pools.status().dag.up, false);
  } finally {
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

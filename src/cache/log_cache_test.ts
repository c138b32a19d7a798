import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { LogCache } from "./log_cache.ts";
import type { CacheClient, RequestSpec } from "./client.ts";

Deno.test("log keys carry size, mtime and window; no log is null; a bad id is a TypeError", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/u/f/log/job/1/a/01`, { recursive: true });
    await Deno.writeTextFile(`${root}/u/f/log/job/1/a/01/job.out`, "abc");
    let seen: RequestSpec<unknown> | undefined;
    const client = {
      request: (spec: RequestSpec<unknown>) => (seen = spec),
    } as unknown as CacheClient;
    const logs = new LogCache(client, [`${root}/missing`, root]);
    logs.getLogFile("~u/f//1/a/01", "stdout", { tail: 5 });
    const mtime = Deno.statSync(`${root}/u/f/log/job/1/a/01/job.out`).mtime!.getTime();
    assertEquals(seen?.keys, [`log:~u/f//1/a/01:stdout:3:${mtime}:tail=5`]);
    assertEquals(await logs.getLogFile("~u/f//1/a/02"), null);
    await assertRejects(() => Promise.resolve(logs.getLogFile("~u/f//1/../01")), TypeError);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

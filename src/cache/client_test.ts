/**
 * The client's behaviour against a real server: hits answered in-process,
 * misses, progress, restarts after the server dies (re-sent once, then a
 * clear CacheServerError), a wedged pipe, its own timeout, cancel and close.
 */
import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { CacheClient } from "./client.ts";
import { CacheServerError, CacheTimeoutError } from "./errors.ts";
import { started, startTestPool, testSpec } from "./testing.ts";
import { silentLogger } from "../log.ts";

Deno.test("a miss runs a worker; a hit is read from disk without a request", async () => {
  const pool = await startTestPool();
  try {
    const spec = testSpec("test:bytes", ["k1", "k2"], { bytes: 7 });
    const miss = pool.client.request(spec);
    assertEquals(await miss, [7, 7]);
    assertEquals(miss.hit, false);
    const before = await pool.client.refreshStats();
    const hit = pool.client.request(spec);
    assertEquals(await hit, [7, 7]);
    assertEquals(hit.hit, true);
    const after = await pool.client.refreshStats();
    assertEquals(after.hits, before.hits + 1);
    assertEquals(after.misses, before.misses);
    // Nothing reached the server: no run, no disk hit, nothing attached.
    assertEquals(
      [after.workerRuns, after.diskHits, after.deduplicated],
      [before.workerRuns, before.diskHits, before.deduplicated],
    );
  } finally {
    await pool.close();
  }
});

Deno.test("a partial hit asks only for the missing keys", async () => {
  const pool = await startTestPool();
  try {
    await pool.client.request(testSpec("test:count", ["p1"], { counter: "c" }));
    const asked: string[][] = [];
    const both = pool.client.request({
      ...testSpec("test:count", ["p1", "p2"], { counter: "c" }),
      payload: (missing) => {
        asked.push([...missing]);
        return { counter: "c" };
      },
    });
    assertEquals(await both, [1, 1]);
    assertEquals(asked, [["p2"]]);
  } finally {
    await pool.close();
  }
});

Deno.test("progress events stream before the result", async () => {
  const pool = await startTestPool();
  try {
    const future = pool.client.request(testSpec("test:sleep", ["p"], { ms: 1 }));
    const seen: string[] = [];
    for await (const event of future.events()) {
      seen.push(event.type === "progress" ? `progress ${event.fraction}` : "result");
    }
    assertEquals(seen, ["progress 0", "progress 1", "result"]);
  } finally {
    await pool.close();
  }
});

Deno.test("server killed mid-request: restarted, the request re-sent and resolved", async () => {
  const pool = await startTestPool({ workers: 1 });
  try {
    const future = pool.client.request(testSpec("test:sleep", ["mid"], { gate: "go" }));
    await started([future]);
    const pid = pool.client.serverPid!;
    Deno.kill(pid, "SIGKILL");
    await pool.openGate("go");
    assertEquals(await future, [5]); // "slept"
    const stats = await pool.client.refreshStats();
    assertEquals(stats.restarts, 1);
    assert(pool.client.serverPid !== pid);
  } finally {
    await pool.close();
  }
});

Deno.test("server killed twice while a request waits: CacheServerError saying why", async () => {
  const pool = await startTestPool({ workers: 1 });
  try {
    const future = pool.client.request(testSpec("test:sleep", ["twice"], { gate: "never" }));
    let kills = 0;
    const error = await assertRejects(
      async () => {
        for await (const event of future.events()) {
          if (event.type === "progress" && event.detail === "started") {
            kills++;
            Deno.kill(pool.client.serverPid!, "SIGKILL");
          }
        }
      },
      CacheServerError,
      "re-sent once already",
    );
    assertEquals(kills, 2);
    assert(error.message.includes("signal SIGKILL") && error.message.includes("test:sleep"));
    // The pool heals: the third server answers.
    assertEquals(await pool.client.request(testSpec("test:bytes", ["after"])), [1]);
  } finally {
    await pool.close();
  }
});

Deno.test("a wedged pipe counts as dead: the server is restarted and requests re-sent", async () => {
  const pool = await startTestPool({ workers: 2, writeTimeoutMs: 300 });
  try {
    const wedge = pool.client.request(testSpec("test:wedge", ["wedge"]));
    const big = "x".repeat(100_000);
    const flood = Array.from(
      { length: 12 },
      (_, i) => pool.client.request(testSpec("test:bytes", [`f${i}`], { bytes: 1, big })),
    );
    const values = await Promise.all(flood);
    assert(values.every((value) => value[0] === 1));
    // Re-sent to the new server, the wedge request is refused (it wedges once).
    await assertRejects(() => Promise.resolve(wedge), CacheServerError, "wedged once already");
    assertEquals(pool.client.stats().restarts, 1);
  } finally {
    await pool.close();
  }
});

Deno.test("the client's own timer gives a CacheTimeoutError naming action and keys", async () => {
  const pool = await startTestPool({ closeTimeoutMs: 200 });
  try {
    const error = await assertRejects(
      () =>
        Promise.resolve(pool.client.request(testSpec("test:wedge", ["w"], {}, { timeoutMs: 50 }))),
      CacheTimeoutError,
      "no answer from the cache server",
    );
    assert(error.message.includes("test:wedge") && error.message.includes('"w"'));
    assertEquals(pool.client.stats().timeouts, 1);
  } finally {
    await pool.close();
  }
});

Deno.test("cancel rejects the future and drops the queued request", async () => {
  const pool = await startTestPool({ workers: 1 });
  try {
    const blocker = pool.client.request(testSpec("test:sleep", ["b"], { gate: "go" }));
    await started([blocker]);
    const queued = pool.client.request(testSpec("test:count", ["q"], { counter: "q" }));
    queued.cancel();
    await assertRejects(() => Promise.resolve(queued), CacheServerError, "cancelled");
    assertEquals((await pool.client.refreshStats()).queued.high, 0);
    await pool.openGate("go");
    await blocker;
    assertEquals(await pool.count("q"), 0);
  } finally {
    await pool.close();
  }
});

Deno.test("close rejects pending futures and stops server and workers", async () => {
  const pool = await startTestPool();
  const future = pool.client.request(testSpec("test:sleep", ["c"], { forever: true }));
  await started([future]);
  await pool.close();
  await assertRejects(() => Promise.resolve(future), CacheServerError, "closed");
  await assertRejects(
    () => Promise.resolve(pool.client.request(testSpec("test:bytes", ["late"]))),
    CacheServerError,
    "closed",
  );
});

Deno.test("a server that cannot start rejects start() with its stderr", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${root}/file`, "");
    const error = await CacheClient.start({
      pool: "broken",
      root: `${root}/file`, // a file: the server cannot create keys/ under it
      maxBytes: 1024,
      workers: 1,
      timeoutMs: 1000,
      actions: [],
      settings: {
        artifactRoots: [],
        logRoots: [],
        artifactMaxBytes: 1,
        artifactHosts: [],
        s3Region: "x",
      },
      log: silentLogger,
      serverStderr: () => {},
    }).then(() => undefined, (error: Error) => error);
    assert(error instanceof CacheServerError, String(error));
    assert(error.message.includes("before it was ready"), error.message);
    // The reason quotes the server's uncaught error, not the stack frames under it.
    assert(error.message.includes("(stderr: error: Uncaught"), error.message);
    assert(!/\| {4}at /.test(error.message), error.message);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("with logFormat json the server writes one JSON object a line to stderr", async () => {
  let stderr = "";
  const pool = await startTestPool({
    logLevel: "info",
    logFormat: "json",
    serverStderr: (text) => void (stderr += text),
  });
  await pool.close();
  const lines = stderr.trim().split("\n");
  const parsed = lines.map((line) => JSON.parse(line));
  assertEquals(parsed.map((line) => [line.level, line.component, line.message]), [
    ["info", "cache-server/test", "started"],
    ["info", "cache-server/test", "stopped"],
  ]);
  for (const line of parsed) {
    assertEquals(Object.keys(line), ["time", "level", "component", "message", "fields"]);
    assert(!Number.isNaN(Date.parse(line.time)), line.time);
  }
});

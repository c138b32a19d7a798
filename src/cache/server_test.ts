/**
 * The cache server's behaviour, through a real client and real server and
 * worker subprocesses: de-duplication, the worker cap, priorities, failures
 * of workers, malformed input, the disk limit and LRU order.
 */
import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { CacheActionError, CacheServerError, CacheTimeoutError } from "./errors.ts";
import { encodeEntry } from "./entry_codec.ts";
import { started, startTestPool, testSpec } from "./testing.ts";

Deno.test("100 concurrent identical misses make one worker run", async () => {
  const pool = await startTestPool();
  try {
    const spec = testSpec("test:count", ["same"], { counter: "dedup", gate: "go" });
    const futures = Array.from({ length: 100 }, () => pool.client.request(spec));
    await started([futures[0]]);
    const before = await pool.client.refreshStats();
    assertEquals(before.deduplicated, 99);
    await pool.openGate("go");
    const values = await Promise.all(futures);
    assert(values.every((value) => value[0] === 1));
    assertEquals(await pool.count("dedup"), 1);
    assertEquals((await pool.client.refreshStats()).workerRuns, 1);
  } finally {
    await pool.close();
  }
});

Deno.test("the pool never runs more than its workers at once", async () => {
  const pool = await startTestPool({ workers: 2 });
  try {
    const futures = Array.from(
      { length: 6 },
      (_, i) =>
        pool.client.request(testSpec("test:count", [`k${i}`], { counter: "runs", gate: "go" })),
    );
    // Two have started; the server has read all six requests by the time it answers `status`.
    const firstTwo = Promise.race([
      started([futures[0], futures[1]]),
      started(futures.slice(2, 4)),
    ]);
    await firstTwo;
    const stats = await pool.client.refreshStats();
    assertEquals(stats.running, 2);
    assertEquals(stats.queued.high, 4);
    await pool.openGate("go");
    await Promise.all(futures);
    const after = await pool.client.refreshStats();
    assertEquals(after.peakRunning, 2);
    assertEquals(await pool.count("runs"), 6);
  } finally {
    await pool.close();
  }
});

Deno.test("high priority requests overtake queued low ones", async () => {
  const pool = await startTestPool({ workers: 1 });
  try {
    const order: string[] = [];
    const blocker = pool.client.request(testSpec("test:sleep", ["blocker"], { gate: "go" }));
    await started([blocker]);
    const track = (name: string, priority: "high" | "low") =>
      pool.client.request(testSpec("test:bytes", [name], {}, { priority })).then(() => {
        order.push(name);
      });
    const all = [track("low1", "low"), track("low2", "low"), track("high1", "high")];
    await pool.client.refreshStats(); // all three are queued now
    await pool.openGate("go");
    await Promise.all([blocker, ...all]);
    assertEquals(order, ["high1", "low1", "low2"]);
  } finally {
    await pool.close();
  }
});

Deno.test("a worker that throws gives a CacheActionError and frees its slot", async () => {
  const pool = await startTestPool({ workers: 1 });
  try {
    const error = await assertRejects(
      () => Promise.resolve(pool.client.request(testSpec("test:throw", ["t"]))),
      CacheActionError,
      "test:throw was asked to throw",
    );
    assertEquals(error.code, "action_failed");
    assert(error.message.includes('"t"'));
    assertEquals(await pool.client.request(testSpec("test:bytes", ["after"], { bytes: 2 })), [2]);
    assertEquals((await pool.client.refreshStats()).workerErrors, 1);
  } finally {
    await pool.close();
  }
});

Deno.test("a worker that exits or is killed without a result is worker_crashed", async () => {
  const pool = await startTestPool({ workers: 1 });
  try {
    const exited = await assertRejects(
      () => Promise.resolve(pool.client.request(testSpec("test:crash", ["c1"]))),
      CacheActionError,
      "exit code 3",
    );
    assertEquals(exited.code, "worker_crashed");
    const killed = await assertRejects(
      () =>
        Promise.resolve(pool.client.request(testSpec("test:crash", ["c2"], { signal: "SIGKILL" }))),
      CacheActionError,
      "signal SIGKILL",
    );
    assertEquals(killed.code, "worker_crashed");
    assertEquals(await pool.client.request(testSpec("test:bytes", ["after"])), [1]);
  } finally {
    await pool.close();
  }
});

Deno.test("a worker that hangs past its timeout is killed: CacheTimeoutError, slot freed", async () => {
  const pool = await startTestPool({ workers: 1 });
  try {
    const error = await assertRejects(
      () =>
        Promise.resolve(
          pool.client.request(
            testSpec("test:sleep", ["hang"], { forever: true }, { timeoutMs: 300 }),
          ),
        ),
      CacheTimeoutError,
      "ran past its timeout of 300 ms",
    );
    assert(error.message.includes("test:sleep") && error.message.includes('"hang"'));
    assertEquals(await pool.client.request(testSpec("test:bytes", ["after"])), [1]);
  } finally {
    await pool.close();
  }
});

Deno.test("a worker that writes garbage is worker_garbage; the server goes on", async () => {
  const pool = await startTestPool({ workers: 1 });
  try {
    const error = await assertRejects(
      () => Promise.resolve(pool.client.request(testSpec("test:garbage", ["g"]))),
      CacheActionError,
      "not JSON",
    );
    assertEquals(error.code, "worker_garbage");
    assertEquals(await pool.client.request(testSpec("test:bytes", ["after"])), [1]);
  } finally {
    await pool.close();
  }
});

Deno.test("malformed stdin lines get error replies and the server goes on", async () => {
  const pool = await startTestPool({ actions: ["GetDag"] });
  try {
    pool.client.sendRaw("{not json");
    pool.client.sendRaw('{"type":"request"}');
    pool.client.sendRaw('{"type":"request","id":"x1","action":"Nope","keys":["a"],"payload":{}}');
    pool.client.sendRaw("[1,2,3]");
    const stats = await pool.client.refreshStats();
    assertEquals(stats.invalidLines, 4);
    // A request with a bad payload is refused by id: its future rejects.
    await assertRejects(
      () =>
        Promise.resolve(
          pool.client.request({
            action: "GetDag",
            keys: ["dag:~u/f:v"],
            payload: () => ({ workflowId: "~u/f" }),
            decode: () => null,
          }),
        ),
      CacheServerError,
      "GetDag payload",
    );
    assertEquals(await pool.client.request(testSpec("test:bytes", ["fine"], { bytes: 4 })), [4]);
  } finally {
    await pool.close();
  }
});

Deno.test("the disk limit holds under a flood of distinct keys", async () => {
  const entrySize = encodeEntry("flood-00-0", { test: true }, new Uint8Array(1000)).length;
  const maxBytes = entrySize * 10;
  const pool = await startTestPool({ workers: 4, maxBytes });
  try {
    const futures = Array.from({ length: 30 }, (_, i) => {
      const id = String(i).padStart(2, "0");
      return pool.client.request(
        testSpec("test:bytes", [`flood-${id}-0`, `flood-${id}-1`], { bytes: 1000 }),
      );
    });
    await Promise.all(futures);
    const stats = await pool.client.refreshStats();
    assert(stats.peakBytes <= maxBytes, `peak ${stats.peakBytes} > limit ${maxBytes}`);
    assert(stats.bytesUsed <= maxBytes);
    assertEquals(stats.evictions, 60 - stats.entries);
    let onDisk = 0;
    for (const a of Deno.readDirSync(`${pool.root}/keys`)) {
      for (const b of Deno.readDirSync(`${pool.root}/keys/${a.name}`)) {
        for (const file of Deno.readDirSync(`${pool.root}/keys/${a.name}/${b.name}`)) {
          onDisk += Deno.statSync(`${pool.root}/keys/${a.name}/${b.name}/${file.name}`).size;
        }
      }
    }
    assertEquals(onDisk, stats.bytesUsed);
  } finally {
    await pool.close();
  }
});

Deno.test("eviction is least recently used, counting in-process hits", async () => {
  const size = encodeEntry("lru-a", { test: true }, new Uint8Array(100)).length;
  const pool = await startTestPool({ workers: 1, maxBytes: size * 3 });
  try {
    const get = (key: string) => pool.client.request(testSpec("test:bytes", [key], { bytes: 100 }));
    await get("lru-a");
    await get("lru-b");
    await get("lru-c");
    const hit = get("lru-a"); // a hit: reported to the server before the next request
    await hit;
    assertEquals(hit.hit, true);
    await get("lru-d"); // evicts b, the least recently used
    const a = get("lru-a");
    await a;
    assertEquals(a.hit, true);
    const b = get("lru-b");
    await b;
    assertEquals(b.hit, false);
    assertEquals((await pool.client.refreshStats()).evictions, 2); // b, then c for b's return
  } finally {
    await pool.close();
  }
});

Deno.test("a restarted server accounts for what is already on disk", async () => {
  const pool = await startTestPool({ workers: 1 });
  try {
    await pool.client.request(testSpec("test:bytes", ["kept"], { bytes: 500 }));
    const before = await pool.client.refreshStats();
    Deno.kill(pool.client.serverPid!, "SIGKILL");
    // The next request waits for the restarted server; the entry is still a hit.
    const again = pool.client.request(testSpec("test:bytes", ["kept"], { bytes: 500 }));
    await again;
    assertEquals(again.hit, true);
    await pool.client.request(testSpec("test:bytes", ["other"], { bytes: 1 }));
    const after = await pool.client.refreshStats();
    assert(after.bytesUsed > before.bytesUsed && after.restarts === 1);
    assertEquals(after.entries, 2);
  } finally {
    await pool.close();
  }
});

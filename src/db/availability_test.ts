import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { createLogger } from "../log.ts";
import {
  DatabaseAvailability,
  DatabaseUnavailableError,
  guardDatabase,
  isConnectionError,
} from "./availability.ts";
import type { Database, Queryable, Row } from "./database.ts";

const refused = () =>
  Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5999"), { code: "ECONNREFUSED" });

/** Timers the test fires by hand, and a clock it moves. */
function fakeTime() {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 1;
  const time = {
    now: 1_000_000,
    pending,
    timers: {
      setTimeout: (fn: () => void, ms: number) => {
        pending.set(next, { fn, ms });
        return next++;
      },
      clearTimeout: (handle: unknown) => void pending.delete(handle as number),
    },
    /** Fires every pending timer once (in order) and waits for the probes they start. */
    async fire(): Promise<number[]> {
      const due = [...pending.entries()];
      pending.clear();
      for (const [, timer] of due) timer.fn();
      for (let i = 0; i < 5; i++) await Promise.resolve();
      await new Promise((resolve) => setTimeout(resolve, 0));
      return due.map(([, timer]) => timer.ms);
    },
  };
  return time;
}

function setup(probeResult: () => Promise<unknown>) {
  const time = fakeTime();
  const lines: string[] = [];
  const availability = new DatabaseAvailability({
    probe: probeResult,
    log: createLogger("db", "debug", (line) => lines.push(line)),
    now: () => time.now,
    timers: time.timers,
    probeMs: 1000,
  });
  const changes: boolean[] = [];
  availability.onChange((available) => changes.push(available));
  return { time, lines, availability, changes };
}

Deno.test("availability: connection errors are told apart from statement errors", () => {
  for (const code of ["ECONNREFUSED", "CONNECTION_CLOSED", "CONNECT_TIMEOUT", "57P01", "08006"]) {
    assert(isConnectionError(Object.assign(new Error(code), { code })), code);
  }
  for (const code of ["23505", "42601", "40001", 7, undefined]) {
    assert(!isConnectionError(Object.assign(new Error(String(code)), { code })), String(code));
  }
  assert(!isConnectionError(null));
  assert(!isConnectionError("ECONNREFUSED"));
  assert(isConnectionError(new DatabaseUnavailableError("gone")));
});

Deno.test("availability: down once per outage, probed at once then every probeMs, back once", async () => {
  let up = false;
  let probes = 0;
  const { time, lines, availability, changes } = setup(() => {
    probes++;
    return up ? Promise.resolve() : Promise.reject(refused());
  });
  availability.check(); // available: no throw
  assertEquals(availability.reportFailure(new TypeError("not about the connection")), false);
  assert(availability.available);
  assertEquals(time.pending.size, 0);

  assert(availability.reportFailure(refused()));
  assert(availability.reportFailure(refused())); // the same outage: nothing new
  assertEquals(availability.available, false);
  assertEquals(changes, [false]);
  const error = (() => {
    try {
      availability.check();
    } catch (error) {
      return error as DatabaseUnavailableError;
    }
  })()!;
  assert(error instanceof DatabaseUnavailableError);
  assertEquals(
    error.message,
    "database unavailable: connect ECONNREFUSED 127.0.0.1:5999; retry later",
  );
  assertEquals(error.retryAfterS, 2);

  // The first probe runs at once, then one per second while it fails.
  assertEquals(await time.fire(), [0]);
  time.now += 1000;
  assertEquals(await time.fire(), [1000]);
  time.now += 1000;
  assertEquals(await time.fire(), [1000]);
  assertEquals(probes, 3);
  assertEquals(availability.status(), {
    available: false,
    since: new Date(1_000_000).toISOString(),
    outages: 1,
    downMs: 2000,
    reason: "connect ECONNREFUSED 127.0.0.1:5999",
  });

  up = true;
  time.now += 500;
  assertEquals(await time.fire(), [1000]);
  assert(availability.available);
  assertEquals(changes, [false, true]);
  assertEquals(time.pending.size, 0); // no probe once it is back
  assertEquals(availability.status(), {
    available: true,
    since: new Date(1_002_500).toISOString(),
    outages: 1,
    downMs: 2500,
  });
  // One warning and one info line; the failed probes are debug.
  const notDebug = lines.filter((line) => !line.includes(" DEBUG "));
  assertEquals(notDebug.length, 2);
  assert(
    notDebug[0].includes("WARN [db] database unavailable; ingest answers 503 until it is back"),
  );
  assert(notDebug[0].includes('reason="connect ECONNREFUSED 127.0.0.1:5999"'));
  assert(notDebug[1].includes("INFO [db] database available again downS=2.5 failedProbes=3"));

  // A second outage counts again.
  availability.reportFailure(Object.assign(new Error("bye"), { code: "57P01" }));
  assertEquals(availability.status().outages, 2);
  assertEquals(availability.status().reason, "57P01: bye");
  availability.close();
  assertEquals(time.pending.size, 0);
});

Deno.test("availability: probeNow, and a closed availability stops probing", async () => {
  const { time, availability } = setup(() => Promise.resolve());
  availability.reportFailure(refused());
  await availability.probeNow();
  assert(availability.available);
  assertEquals(time.pending.size, 0);
  availability.close();
  availability.reportFailure(refused());
  assertEquals(time.pending.size, 0);
});

Deno.test("availability: a listener that throws is logged, the others still run", () => {
  const { lines, availability, changes } = setup(() => Promise.resolve());
  availability.onChange(() => {
    throw new Error("listener bug");
  });
  const after: boolean[] = [];
  availability.onChange((available) => after.push(available));
  availability.reportFailure(refused());
  assertEquals(changes, [false]);
  assertEquals(after, [false]);
  assert(lines.some((line) => line.includes("ERROR [db] availability listener failed")));
  availability.close();
});

/** A database whose calls the test scripts. */
function scripted(result: () => Promise<unknown>) {
  let calls = 0;
  const db: Database = {
    kind: "postgres",
    query: <T>() => (calls++, result() as Promise<T[]>),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => (calls++, result().then(() => fn(db))),
    batch: () => (calls++, result() as Promise<Row[][]>),
    listen: () => Promise.resolve(() => Promise.resolve()),
    close: () => Promise.resolve(),
  };
  return { db, calls: () => calls };
}

Deno.test("guardDatabase: connection errors become 503 errors, later calls fail without a query", async () => {
  let fail: Error | undefined = refused();
  const { db, calls } = scripted(() => fail ? Promise.reject(fail) : Promise.resolve([{ n: 1 }]));
  const { time, availability } = setup(() => db.query("select 1"));
  const guarded = guardDatabase(db, availability);
  const first = await assertRejects(() => guarded.query("select 1"), DatabaseUnavailableError);
  assertEquals((first as Error).cause, fail);
  assertEquals(calls(), 1);
  // While down: no query reaches the driver.
  await assertRejects(() => guarded.query("select 1"), DatabaseUnavailableError);
  await assertRejects(
    () => guarded.transaction(() => Promise.resolve(1)),
    DatabaseUnavailableError,
    "database unavailable: connect ECONNREFUSED 127.0.0.1:5999; retry later",
  );
  await assertRejects(() => guarded.batch([{ sql: "select 1" }]), DatabaseUnavailableError);
  assertEquals(calls(), 1);
  fail = undefined;
  await time.fire(); // the probe succeeds
  assertEquals(calls(), 2);
  assertEquals(await guarded.query("select 1"), [{ n: 1 }]);
  assertEquals(await guarded.transaction(() => Promise.resolve("done")), "done");
  assertEquals(await guarded.batch([{ sql: "select 1" }]), [{ n: 1 }] as unknown as Row[][]);
  // A statement error passes unchanged and changes nothing.
  fail = Object.assign(new Error("duplicate key"), { code: "23505" });
  const statement = await assertRejects(() => guarded.transaction(() => Promise.resolve(1)), Error);
  assertEquals(statement, fail);
  assert(availability.available);
  await guarded.close();
  assertEquals(time.pending.size, 0);
});

import { assertEquals } from "../../tests/assert.ts";
import { createLogger } from "../log.ts";
import { type DrainClock, runDrain } from "./run_drain.ts";

/** A clock whose single timer fires only when the test says so. */
function manualClock() {
  let fire: (() => void) | undefined;
  let delay: number | undefined;
  let now = 0;
  const clock: DrainClock = {
    setTimeout(fn, ms) {
      fire = fn;
      delay = ms;
      return 1;
    },
    clearTimeout() {
      fire = undefined;
    },
    now: () => now,
  };
  return {
    clock,
    get delay() {
      return delay;
    },
    advance(ms: number) {
      now += ms;
      if (fire !== undefined) fire();
    },
    get armed() {
      return fire !== undefined;
    },
  };
}

Deno.test("runDrain: the bound cuts a hung step short, reports it, and the rest still runs", async () => {
  const lines: string[] = [];
  const log = createLogger("drain", "debug", (line) => lines.push(line), undefined, "json");
  const time = manualClock();
  const hung = Promise.withResolvers<void>();
  const done: string[] = [];
  let timeouts = 0;
  const { report, finished } = runDrain([
    { name: "first", run: () => void done.push("first") },
    { name: "ingest", run: () => hung.promise, pending: () => "1 request in flight" },
    { name: "sockets", run: () => void done.push("sockets") },
  ], { timeoutMs: 2500, log, clock: time.clock, onTimeout: () => timeouts++ });
  await Promise.resolve();
  assertEquals(time.delay, 2500);
  time.advance(2500);
  assertEquals(await report, {
    completed: false,
    timedOut: true,
    ms: 2500,
    failed: [],
    cutShort: ["ingest (1 request in flight)", "sockets"],
  });
  assertEquals([done, timeouts], [["first"], 1]);
  const timedOut = lines.map((line) => JSON.parse(line)).find((l) => l.level === "error");
  assertEquals(timedOut.message, "drain timed out: exiting with work cut short");
  assertEquals(timedOut.fields.cutShort, ["ingest (1 request in flight)", "sockets"]);
  hung.resolve();
  await finished;
  assertEquals(done, ["first", "sockets"]);
});

Deno.test("runDrain: a drain within its bound clears the timer and completes", async () => {
  const time = manualClock();
  const { report, finished } = runDrain([
    { name: "a", run: async () => await Promise.resolve() },
  ], { timeoutMs: 10, log: createLogger("drain", "error", () => {}), clock: time.clock });
  assertEquals(await report, { completed: true, timedOut: false, ms: 0, failed: [], cutShort: [] });
  await finished;
  assertEquals(time.armed, false);
});

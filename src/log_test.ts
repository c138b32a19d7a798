import { assert, assertEquals } from "../tests/assert.ts";
import { createLogger } from "./log.ts";

const fixed = () => new Date("2026-11-24T01:02:03.000Z");

Deno.test("createLogger writes timestamp, level, component and fields", () => {
  const lines: string[] = [];
  const log = createLogger("ws", "debug", (line) => lines.push(line), fixed);
  log.info("closed", { code: 4400, reason: "bad message", n: 2, ok: true });
  assertEquals(lines, [
    '2026-11-24T01:02:03.000Z INFO [ws] closed code=4400 reason="bad message" n=2 ok=true',
  ]);
});

Deno.test("createLogger drops lines below its level and names children", () => {
  const lines: string[] = [];
  const log = createLogger("db", "warn", (line) => lines.push(line), fixed);
  log.debug("x");
  log.info("y");
  log.child("listen").error("lost", { error: new RangeError("gone") });
  assertEquals(lines.length, 1);
  assert(lines[0].endsWith('ERROR [db/listen] lost error="RangeError: gone"'));
});

Deno.test("createLogger json: one object a line with time, level, component, message and fields", () => {
  const lines: string[] = [];
  const log = createLogger("ws", "debug", (line) => lines.push(line), fixed, "json");
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  log.info("closed", { code: 4400, reason: "bad\nmessage", ok: true, gone: undefined });
  log.child("hub").error("publish failed", {
    error: new TypeError("no such cohort"),
    nested: { cause: new RangeError("deep"), big: 12n },
  });
  log.warn("plain");
  log.debug("cycle", { cyclic, n: 1 });
  for (const line of lines) assert(!line.includes("\n"), `a line break inside ${line}`);
  assertEquals(lines.map((line) => JSON.parse(line)), [
    {
      time: "2026-11-24T01:02:03.000Z",
      level: "info",
      component: "ws",
      message: "closed",
      fields: { code: 4400, reason: "bad\nmessage", ok: true, gone: null },
    },
    {
      time: "2026-11-24T01:02:03.000Z",
      level: "error",
      component: "ws/hub",
      message: "publish failed",
      fields: {
        error: { name: "TypeError", message: "no such cohort" },
        nested: { cause: { name: "RangeError", message: "deep" }, big: "12" },
      },
    },
    {
      time: "2026-11-24T01:02:03.000Z",
      level: "warn",
      component: "ws",
      message: "plain",
      fields: {},
    },
    {
      time: "2026-11-24T01:02:03.000Z",
      level: "debug",
      component: "ws",
      message: "cycle",
      fields: { cyclic: "[object Object]", n: 1 },
    },
  ]);
});

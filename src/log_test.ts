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

import { assertEquals } from "../tests/assert.ts";
import { RateMeter } from "./rate_meter.ts";

Deno.test("RateMeter averages over the window and forgets old seconds", () => {
  let now = 1_000_000;
  const meter = new RateMeter(4, () => now);
  assertEquals(meter.perSecond(), 0);
  meter.add(8);
  now += 1000;
  meter.add(4);
  assertEquals(meter.perSecond(), 3);
  now += 3000; // the 8 is 4 s old: out of a 4 s window
  assertEquals(meter.perSecond(), 1);
  now += 10_000;
  assertEquals(meter.perSecond(), 0);
});

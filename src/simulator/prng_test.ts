import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { Prng } from "./prng.ts";

Deno.test("the same seed gives the same sequence; another seed another one", () => {
  const run = (seed: number) => {
    const prng = new Prng(seed);
    return Array.from({ length: 20 }, () => prng.next());
  };
  assertEquals(run(42), run(42));
  assert(run(42).join() !== run(43).join());
});

Deno.test("numbers stay in range and spread over it", () => {
  const prng = new Prng(1);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 10_000; i++) counts[prng.int(10)]++;
  for (const count of counts) assert(count > 800 && count < 1200, `bucket count ${count}`);
});

Deno.test("bad seeds and empty picks are refused", () => {
  assertThrows(() => new Prng(1.5), TypeError, "seed must be an integer, got 1.5");
  assertThrows(() => new Prng(1).pick([]), RangeError, "pick needs at least one item");
});

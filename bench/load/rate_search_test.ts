import assert from "node:assert/strict";
import { searchRate } from "./rate_search.ts";

const limit = (max: number) => (rate: number) => Promise.resolve({ rate, ok: rate <= max });

Deno.test("the bracket is found upwards or downwards, then narrowed", async () => {
  const up = await searchRate(limit(333), { start: 25, max: 3200, bisections: 4 });
  assert(up.best <= 333 && up.best >= 300, `best ${up.best}`);
  assert.equal(up.probes.filter((p) => !p.ok).every((p) => p.rate > 333), true);
  const down = await searchRate(limit(7), { start: 50, max: 3200, bisections: 3 });
  assert.equal(down.best, 7);
  assert.deepEqual(down.probes.slice(0, 3).map((p) => p.rate), [50, 25, 12]);
});

Deno.test("a server that passes at max stops there; one that fails at 1/s gives 0", async () => {
  const fast = await searchRate(limit(1e9), { start: 100, max: 800, bisections: 3 });
  assert.equal(fast.best, 800);
  assert.deepEqual(fast.probes.map((p) => p.rate), [100, 200, 400, 800]);
  const dead = await searchRate(limit(0), { start: 4, max: 800, bisections: 3 });
  assert.equal(dead.best, 0);
  assert.deepEqual(dead.probes.map((p) => p.rate), [4, 2, 1]);
});

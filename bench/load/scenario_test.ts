import assert from "node:assert/strict";
import { readDeltaStatus } from "./client_protocol.ts";
import {
  checkScenario,
  deltaBody,
  expectedFrames,
  setupBody,
  subscriptionOf,
  taskId,
  touched,
} from "./scenario.ts";

Deno.test("each delta touches `touch` distinct cohorts, cycling through all of them", () => {
  const scenario = { clients: 100, cohorts: 50, touch: 10 };
  const seen = new Set<number>();
  for (let n = 0; n < 5; n++) {
    const cohorts = touched(scenario, n);
    assert.equal(new Set(cohorts).size, 10);
    for (const c of cohorts) seen.add(c);
  }
  assert.equal(seen.size, 50);
});

Deno.test("expected frames per cohort add up to deltas × touch", () => {
  const scenario = { clients: 2000, cohorts: 50, touch: 10 };
  const { counts, sums } = expectedFrames(scenario, 100, 249);
  assert.equal(counts.reduce((a, b) => a + b, 0), 150 * 10);
  assert.equal(counts[0], 30);
  // Cohort 0 is touched by every 5th delta from 100: 100, 105, …, 245.
  assert.equal(sums[0], (100 + 245) * 30 / 2);
});

Deno.test("bodies carry the index and send time the clients read back", () => {
  const scenario = { clients: 4, cohorts: 2, touch: 1 };
  assert.equal(setupBody(scenario).workflows[0].taskProxies[1].id, taskId(1));
  const body = deltaBody(scenario, 41, 1234.5);
  const text = JSON.stringify(body);
  assert.deepEqual(readDeltaStatus(text), { index: 41, sentAt: 1234.5 });
  assert.match(subscriptionOf(1), /taskProxies\(ids: \["~load\/flow\/\/1\/t1"\]\)/);
});

Deno.test("scenarios out of range are refused with the figure's name", () => {
  assert.throws(() => checkScenario({ clients: 1, cohorts: 1, touch: 1 }), /clients/);
  assert.throws(() => checkScenario({ clients: 10, cohorts: 11, touch: 1 }), /cohorts/);
  assert.throws(() => checkScenario({ clients: 10, cohorts: 5, touch: 0 }), /touch/);
  assert.equal(checkScenario({ clients: 10, cohorts: 5, touch: 5 }).touch, 5);
});

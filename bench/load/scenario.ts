/**
 * The load scenario, the same for every server: one workflow of `cohorts`
 * tasks; client `i` subscribes (delta mode) to task `i % cohorts`; delta `n`
 * sets the status of `touch` tasks, `(n * touch + j) % cohorts` for
 * `j < touch`, so `touch / cohorts` of the clients get a frame per delta.
 *
 * @module
 */
import { deltaStatus } from "./client_protocol.ts";

/**
 * The workflow every client watches.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FLOW } from "./scenario.ts";
 * assert.equal(FLOW, "~load/flow");
 * ```
 */
export const FLOW = "~load/flow";

/** The shape of a run. */
export interface Scenario {
  /** WebSocket clients, one subscription each. */
  readonly clients: number;
  /** Distinct subscriptions (tasks watched). */
  readonly cohorts: number;
  /** Tasks each delta changes (≤ cohorts). */
  readonly touch: number;
}

/**
 * The id of task `k`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { taskId } from "./scenario.ts";
 * assert.equal(taskId(3), "~load/flow//1/t3");
 * ```
 */
export function taskId(k: number): string {
  return `${FLOW}//1/t${k}`;
}

/**
 * The subscription of a client of cohort `cohort`.
 *
 * @example
 * ```ts
 * import { subscriptionOf } from "./scenario.ts";
 * console.assert(subscriptionOf(0).startsWith("subscription @deltas"));
 * ```
 */
export function subscriptionOf(cohort: number): string {
  return `subscription @deltas { workflows(ids: ["${FLOW}"]) { taskProxies(ids: ["${
    taskId(cohort)
  }"]) { status } } }`;
}

/**
 * The cohorts delta `n` touches.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { touched } from "./scenario.ts";
 * assert.deepEqual(touched({ clients: 10, cohorts: 5, touch: 2 }, 2), [4, 0]);
 * ```
 */
export function touched(scenario: Scenario, n: number): number[] {
  return Array.from(
    { length: scenario.touch },
    (_, j) => (n * scenario.touch + j) % scenario.cohorts,
  );
}

/**
 * The ingest body that creates the workflow and its tasks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setupBody } from "./scenario.ts";
 * assert.equal(setupBody({ clients: 1, cohorts: 3, touch: 1 }).workflows[0].taskProxies.length, 3);
 * ```
 */
export function setupBody(
  scenario: Scenario,
): { workflows: { id: string; status: string; taskProxies: { id: string; status: string }[] }[] } {
  const taskProxies = Array.from(
    { length: scenario.cohorts },
    (_, k) => ({ id: taskId(k), status: "waiting" }),
  );
  return { workflows: [{ id: FLOW, status: "running", taskProxies }] };
}

/**
 * The ingest body of delta `n`, its POST starting at `sentAt` (epoch ms).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deltaBody } from "./scenario.ts";
 * const body = deltaBody({ clients: 4, cohorts: 4, touch: 1 }, 5, 1000);
 * assert.deepEqual(body.workflows[0].taskProxies, [{ id: "~load/flow//1/t1", status: "s5:1000.000" }]);
 * ```
 */
export function deltaBody(
  scenario: Scenario,
  n: number,
  sentAt: number,
): { workflows: { id: string; taskProxies: { id: string; status: string }[] }[] } {
  const status = deltaStatus(n, sentAt);
  return {
    workflows: [{
      id: FLOW,
      taskProxies: touched(scenario, n).map((k) => ({ id: taskId(k), status })),
    }],
  };
}

/**
 * Checks a scenario's numbers.
 *
 * @throws {RangeError} naming the figure that is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkScenario } from "./scenario.ts";
 * assert.throws(() => checkScenario({ clients: 10, cohorts: 5, touch: 6 }), RangeError);
 * ```
 */
export function checkScenario(scenario: Scenario): Scenario {
  const { clients, cohorts, touch } = scenario;
  if (!Number.isInteger(clients) || clients < 2) {
    throw new RangeError(`clients must be a whole number ≥ 2, got ${clients}`);
  }
  if (!Number.isInteger(cohorts) || cohorts < 1 || cohorts > clients) {
    throw new RangeError(
      `cohorts must be a whole number from 1 to clients (${clients}), got ${cohorts}`,
    );
  }
  if (!Number.isInteger(touch) || touch < 1 || touch > cohorts) {
    throw new RangeError(
      `touch must be a whole number from 1 to cohorts (${cohorts}), got ${touch}`,
    );
  }
  return scenario;
}

/** What the clients should have received from deltas `first` to `last`, per cohort. */
export interface Expected {
  /** Frames per cohort. */
  readonly counts: Float64Array;
  /** Sum of delta indexes per cohort. */
  readonly sums: Float64Array;
}

/**
 * The frames each cohort should get from deltas `first..last` (inclusive).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expectedFrames } from "./scenario.ts";
 * const e = expectedFrames({ clients: 4, cohorts: 2, touch: 1 }, 0, 3);
 * assert.deepEqual([...e.counts], [2, 2]);
 * assert.deepEqual([...e.sums], [0 + 2, 1 + 3]);
 * ```
 */
export function expectedFrames(scenario: Scenario, first: number, last: number): Expected {
  const counts = new Float64Array(scenario.cohorts);
  const sums = new Float64Array(scenario.cohorts);
  for (let n = first; n <= last; n++) {
    for (const cohort of touched(scenario, n)) {
      counts[cohort]++;
      sums[cohort] += n;
    }
  }
  return { counts, sums };
}

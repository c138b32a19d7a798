/**
 * Where job logs and artifacts live on disk: the layouts the simulator
 * writes and the cache actions read.
 *
 * - job log: `<logRoot>/<owner>/<flow>/log/job/<cycle>/<task>/<NN>/job.out|job.err`
 *   (Cylc's layout under `~/cylc-run/<flow>/log/job`);
 * - artifact: `<artifactRoot>/<owner>/<flow>/<cycle>/<task>/<NN>/<name>`.
 *
 * `<owner>/<flow>` come from the workflow id `~owner/flow` (a flow name may
 * hold `/`, which becomes nested directories), `<NN>` is the submit number
 * with at least two digits.
 *
 * @module
 */

import * as layout from "../cache/job_paths.ts";

/** The two files of a job's log. */
export type JobLogFile = "job.out" | "job.err";

/**
 * Splits a workflow id `~owner/flow` into owner and flow.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitWorkflowId } from "./paths.ts";
 * assert.deepEqual(splitWorkflowId("~sim/ingest/daily"), { owner: "sim", flow: "ingest/daily" });
 * ```
 */
export function splitWorkflowId(workflowId: string): { owner: string; flow: string } {
  const match = /^~([^/]+)\/(.+)$/.exec(workflowId);
  if (match === null || match[2].includes("//")) {
    throw new TypeError(`expected a workflow id ~owner/flow, got ${JSON.stringify(workflowId)}`);
  }
  const [, owner, flow] = match;
  for (const segment of [owner, ...flow.split("/")]) checkSegment(segment, workflowId);
  return { owner, flow };
}

/**
 * The submit number as it appears in ids and paths: at least two digits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { submitDir } from "./paths.ts";
 * assert.equal(submitDir(1), "01");
 * assert.equal(submitDir(123), "123");
 * ```
 */
export function submitDir(submitNum: number): string {
  if (!Number.isInteger(submitNum) || submitNum < 1) {
    throw new RangeError(`submitNum must be an integer ≥ 1, got ${submitNum}`);
  }
  return String(submitNum).padStart(2, "0");
}

/**
 * The directory of one job's log files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jobLogDir } from "./paths.ts";
 * assert.equal(
 *   jobLogDir("/data/logs", "~sim/forecast", "20240101T0000Z", "prep", 1),
 *   "/data/logs/sim/forecast/log/job/20240101T0000Z/prep/01",
 * );
 * ```
 */
export function jobLogDir(
  logRoot: string,
  workflowId: string,
  cyclePoint: string,
  task: string,
  submitNum: number,
): string {
  return layout.jobLogDir(trimSlash(logRoot), jobParts(workflowId, cyclePoint, task, submitNum));
}

/**
 * The directory of one cycle point's job logs (removed when the cycle is pruned).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cycleLogDir } from "./paths.ts";
 * assert.equal(cycleLogDir("logs", "~sim/f", "3"), "logs/sim/f/log/job/3");
 * ```
 */
export function cycleLogDir(logRoot: string, workflowId: string, cyclePoint: string): string {
  checkSegment(cyclePoint, cyclePoint);
  return layout.cycleLogDir(trimSlash(logRoot), splitWorkflowId(workflowId), cyclePoint);
}

/**
 * The directory of one job's artifacts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { artifactDir } from "./paths.ts";
 * assert.equal(artifactDir("/data/artifacts/", "~sim/f", "1", "post", 2), "/data/artifacts/sim/f/1/post/02");
 * ```
 */
export function artifactDir(
  artifactRoot: string,
  workflowId: string,
  cyclePoint: string,
  task: string,
  submitNum: number,
): string {
  return layout.jobArtifactDir(
    trimSlash(artifactRoot),
    jobParts(workflowId, cyclePoint, task, submitNum),
  );
}

/**
 * The directory of one cycle point's artifacts (removed when the cycle is pruned).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cycleArtifactDir } from "./paths.ts";
 * assert.equal(cycleArtifactDir("a", "~sim/f", "3"), "a/sim/f/3");
 * ```
 */
export function cycleArtifactDir(
  artifactRoot: string,
  workflowId: string,
  cyclePoint: string,
): string {
  checkSegment(cyclePoint, cyclePoint);
  return `${
    layout.workflowArtifactDir(trimSlash(artifactRoot), splitWorkflowId(workflowId))
  }/${cyclePoint}`;
}

// The layout is defined once, by the cache that reads it (src/cache/job_paths.ts);
// the simulator only checks its inputs and writes there.
function jobParts(
  workflowId: string,
  cyclePoint: string,
  task: string,
  submitNum: number,
): layout.JobParts {
  checkSegment(cyclePoint, cyclePoint);
  checkSegment(task, task);
  return { ...splitWorkflowId(workflowId), cycle: cyclePoint, task, submit: submitDir(submitNum) };
}

function trimSlash(root: string): string {
  if (root === "") throw new TypeError("expected a root directory, got an empty string");
  return root.replace(/\/+$/, ""); // "/" becomes "", joined as "/owner/…"
}

// Ids are validated upstream; this keeps a hostile or broken id from
// escaping the root all the same.
function checkSegment(segment: string, whole: string): void {
  if (segment === "" || segment === "." || segment === ".." || /[\/\\\0]/.test(segment)) {
    throw new TypeError(
      `expected path-safe names (no empty, ".", ".." or slash segments), got ${
        JSON.stringify(whole)
      }`,
    );
  }
}

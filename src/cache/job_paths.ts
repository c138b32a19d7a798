/**
 * File layout conventions that tie ids to paths, without the database:
 *
 * - job log: job `~owner/flow//<cycle>/<task>/<NN>` →
 *   `<logRoot>/<owner>/<flow>/log/job/<cycle>/<task>/<NN>/job.out` (stdout) or `job.err` (stderr);
 * - artifacts: `<artifactRoot>/<owner>/<flow>/<cycle>/<task>/<NN>/<artifact name>`.
 *
 * Every segment is checked so that an id can never name a path outside its
 * root (`..`, `.`, empty segments, NUL, backslashes are refused).
 *
 * @module
 */

/** A workflow id split into path segments. */
export interface WorkflowParts {
  readonly owner: string;
  /** The flow name; may hold single `/`s. */
  readonly flow: string;
}

/** A job id split into path segments. */
export interface JobParts extends WorkflowParts {
  readonly cycle: string;
  readonly task: string;
  /** Submit number as written in the id (2+ digits). */
  readonly submit: string;
}

function safeSegment(segment: string): boolean {
  return segment !== "" && segment !== "." && segment !== ".." &&
    !/[\s\\\0]/.test(segment) && !segment.includes("/");
}

/**
 * Splits `~owner/flow` into segments, or returns `null` when it is not a safe workflow id.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWorkflowId } from "./job_paths.ts";
 * assert.deepEqual(parseWorkflowId("~u/a/b"), { owner: "u", flow: "a/b" });
 * assert(parseWorkflowId("~u/../x") === null && parseWorkflowId("u/f") === null);
 * ```
 */
export function parseWorkflowId(id: string): WorkflowParts | null {
  if (!id.startsWith("~") || id.length > 512 || id.includes("//")) return null;
  const segments = id.slice(1).split("/");
  if (segments.length < 2 || !segments.every(safeSegment)) return null;
  return { owner: segments[0], flow: segments.slice(1).join("/") };
}

/**
 * Splits a job id, or returns `null` when it is not a safe job id.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseJobId } from "./job_paths.ts";
 * const job = parseJobId("~u/flow//1/foo/01");
 * assert(job !== null && job.cycle === "1" && job.task === "foo" && job.submit === "01");
 * assert(parseJobId("~u/flow//1/../01") === null && parseJobId("~u/flow//1/foo/1") === null);
 * ```
 */
export function parseJobId(id: string): JobParts | null {
  const cut = id.indexOf("//");
  if (cut === -1) return null;
  const workflow = parseWorkflowId(id.slice(0, cut));
  const rest = id.slice(cut + 2).split("/");
  if (workflow === null || rest.length !== 3 || !rest.every(safeSegment)) return null;
  if (!/^\d{2,}$/.test(rest[2])) return null;
  return { ...workflow, cycle: rest[0], task: rest[1], submit: rest[2] };
}

/**
 * Path of a job's log under `root` (`stdout` → `job.out`, `stderr` → `job.err`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logFilePath, parseJobId } from "./job_paths.ts";
 * const job = parseJobId("~u/flow//1/foo/01")!;
 * assert(logFilePath("/logs", job, "stderr") === "/logs/u/flow/log/job/1/foo/01/job.err");
 * ```
 */
export function logFilePath(root: string, job: JobParts, stream: "stdout" | "stderr"): string {
  const file = stream === "stdout" ? "job.out" : "job.err";
  return `${jobLogDir(root, job)}/${file}`;
}

/**
 * Directory of one cycle point's job logs under `root`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cycleLogDir } from "./job_paths.ts";
 * assert(cycleLogDir("/logs", { owner: "u", flow: "f" }, "3") === "/logs/u/f/log/job/3");
 * ```
 */
export function cycleLogDir(root: string, workflow: WorkflowParts, cycle: string): string {
  return `${root}/${workflow.owner}/${workflow.flow}/log/job/${cycle}`;
}

/**
 * Directory of one job's log files under `root`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jobLogDir, parseJobId } from "./job_paths.ts";
 * assert(jobLogDir("/logs", parseJobId("~u/f//1/a/02")!) === "/logs/u/f/log/job/1/a/02");
 * ```
 */
export function jobLogDir(root: string, job: JobParts): string {
  return `${cycleLogDir(root, job, job.cycle)}/${job.task}/${job.submit}`;
}

/**
 * Directory of one job's artifacts under `root`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jobArtifactDir, parseJobId } from "./job_paths.ts";
 * assert(jobArtifactDir("/a", parseJobId("~u/f//1/a/02")!) === "/a/u/f/1/a/02");
 * ```
 */
export function jobArtifactDir(root: string, job: JobParts): string {
  return `${workflowArtifactDir(root, job)}/${job.cycle}/${job.task}/${job.submit}`;
}

/**
 * Directory holding a workflow's artifacts under `root`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workflowArtifactDir } from "./job_paths.ts";
 * assert(workflowArtifactDir("/a", { owner: "u", flow: "f" }) === "/a/u/f");
 * ```
 */
export function workflowArtifactDir(root: string, workflow: WorkflowParts): string {
  return `${root}/${workflow.owner}/${workflow.flow}`;
}

/**
 * Whether `name` can be an artifact file name (one safe path segment).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isArtifactName } from "./job_paths.ts";
 * assert(isArtifactName("accuracy") && !isArtifactName("../x") && !isArtifactName("a/b"));
 * ```
 */
export function isArtifactName(name: string): boolean {
  return safeSegment(name) && name.length <= 255;
}

/**
 * The workflow whose artifact `location` is, by the layout of
 * {@linkcode jobArtifactDir}: `file://<root>/<owner>/<flow…>/<cycle>/<task>/<NN>/<name>`
 * under one of `roots` (absolute, no trailing slash). `null` for any other
 * location (another scheme, outside the roots, not that shape), which only a
 * caller who may read every workflow may fetch.
 *
 * The path is taken as written, after the URL parser folded `.`/`..`; the
 * worker still resolves symlinks and refuses anything outside the roots.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { artifactWorkflow } from "./job_paths.ts";
 * const roots = ["/data/artifacts"];
 * assert.equal(artifactWorkflow("file:///data/artifacts/u/a/b/1/foo/01/x.json", roots), "~u/a/b");
 * assert.equal(artifactWorkflow("file:///data/artifacts/u/f/1/foo/01/../../../../../v/g/1/a/01/x", roots), "~v/g");
 * assert.equal(artifactWorkflow("file:///data/artifacts/u/f/x", roots), null);
 * assert.equal(artifactWorkflow("s3://bucket/u/f/1/foo/01/x", roots), null);
 * ```
 */
export function artifactWorkflow(location: string, roots: readonly string[]): string | null {
  const path = artifactPath(location);
  return path === null ? null : artifactPathWorkflow(path, roots);
}

/**
 * The local path of a `file://` location (no host), or `null`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { artifactPath } from "./job_paths.ts";
 * assert.equal(artifactPath("file:///a/b%20c/../d"), "/a/d");
 * assert.equal(artifactPath("file://host/a"), null);
 * ```
 */
export function artifactPath(location: string): string | null {
  try {
    const url = new URL(location);
    if (url.protocol !== "file:" || url.host !== "") return null;
    return decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
}

/**
 * {@linkcode artifactWorkflow} for a local path rather than a location.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { artifactPathWorkflow } from "./job_paths.ts";
 * assert.equal(artifactPathWorkflow("/r/u/f/1/foo/01/x", ["/r"]), "~u/f");
 * ```
 */
export function artifactPathWorkflow(path: string, roots: readonly string[]): string | null {
  for (const root of roots) {
    if (!path.startsWith(`${root}/`)) continue;
    const segments = path.slice(root.length + 1).split("/");
    // owner, at least one flow segment, cycle, task, NN, name
    if (segments.length < 6 || !segments.every(safeSegment)) return null;
    const [cycle, task, submit, name] = segments.slice(-4);
    const workflowId = `~${segments[0]}/${segments.slice(1, -4).join("/")}`;
    const job = parseJobId(`${workflowId}//${cycle}/${task}/${submit}`);
    return job !== null && isArtifactName(name) ? workflowId : null;
  }
  return null;
}

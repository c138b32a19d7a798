/**
 * `SearchArtifacts(workflowId, name, value)`: finds the jobs whose artifact
 * `name` holds `value`, by scanning the artifact tree
 * `<root>/<owner>/<flow>/<cycle>/<task>/<NN>/<name>` in every artifact root.
 * It reports the fraction of candidate files compared as it goes.
 *
 * A file matches when its text, without one trailing newline, equals
 * `value`. Files whose size rules that out are not read.
 *
 * @module
 */
import { isArtifactName, parseWorkflowId, workflowArtifactDir } from "../job_paths.ts";
import { ActionFailure } from "./action.ts";
import type { ActionContext, ActionEntry } from "./action.ts";

/** Most job ids returned; the result says when there were more. */
const MAX_MATCHES = 10_000;

/** The search's result (the entry body, as JSON). */
export interface SearchResult {
  readonly workflowId: string;
  readonly name: string;
  /** Matching job ids, sorted. */
  readonly jobIds: readonly string[];
  /** Candidate files compared. */
  readonly scanned: number;
  /** More than {@linkcode MAX_MATCHES} matched. */
  readonly truncated: boolean;
}

/**
 * Runs `SearchArtifacts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { searchArtifacts } from "./search_artifacts.ts";
 * const root = await Deno.realPath(await Deno.makeTempDir());
 * await Deno.mkdir(`${root}/u/f/1/a/01`, { recursive: true });
 * await Deno.writeTextFile(`${root}/u/f/1/a/01/score`, "7\n");
 * const fractions: number[] = [];
 * const [entry] = await searchArtifacts({
 *   keys: ["search"], jobDir: "", progress: (f) => fractions.push(f),
 *   payload: { workflowId: "~u/f", name: "score", value: "7" },
 *   settings: { artifactRoots: [root], logRoots: [], artifactMaxBytes: 1, artifactHosts: [], s3Region: "x" },
 * });
 * assert.deepEqual(JSON.parse(entry.body as string).jobIds, ["~u/f//1/a/01"]);
 * assert(fractions.at(-1) === 1);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function searchArtifacts(context: ActionContext): Promise<ActionEntry[]> {
  const { workflowId, name, value } = context.payload as {
    workflowId: string;
    name: string;
    value: string;
  };
  const workflow = parseWorkflowId(workflowId);
  if (workflow === null) throw new ActionFailure("invalid", `bad workflow id ${workflowId}`);
  if (!isArtifactName(name)) throw new ActionFailure("invalid", `bad artifact name ${name}`);

  const candidates: { path: string; jobId: string }[] = [];
  for (const root of context.settings.artifactRoots) {
    const base = workflowArtifactDir(root, workflow);
    for (const cycle of await listDirs(base)) {
      for (const task of await listDirs(`${base}/${cycle}`)) {
        for (const submit of await listDirs(`${base}/${cycle}/${task}`)) {
          if (!/^\d{2,}$/.test(submit)) continue;
          candidates.push({
            path: `${base}/${cycle}/${task}/${submit}/${name}`,
            jobId: `${workflowId}//${cycle}/${task}/${submit}`,
          });
        }
      }
    }
  }
  context.progress(0, `${candidates.length} jobs to scan`);

  const wanted = new TextEncoder().encode(value);
  const matches = new Set<string>();
  let lastReported = 0;
  for (let i = 0; i < candidates.length; i++) {
    if (await contentEquals(candidates[i].path, wanted)) matches.add(candidates[i].jobId);
    // At most ~100 progress events per search, however many files.
    const fraction = (i + 1) / candidates.length;
    if (fraction - lastReported >= 0.01 && i + 1 < candidates.length) {
      context.progress(fraction);
      lastReported = fraction;
    }
  }
  context.progress(1, `${matches.size} matches`);
  const jobIds = [...matches].sort();
  const result: SearchResult = {
    workflowId,
    name,
    jobIds: jobIds.slice(0, MAX_MATCHES),
    scanned: candidates.length,
    truncated: jobIds.length > MAX_MATCHES,
  };
  return [{
    key: context.keys[0],
    meta: { matches: result.jobIds.length },
    body: JSON.stringify(result),
  }];
}

async function listDirs(path: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(path)) {
      if (entry.isDirectory) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return [];
    }
    throw error;
  }
  return names.sort();
}

async function contentEquals(path: string, wanted: Uint8Array): Promise<boolean> {
  let size: number;
  try {
    const info = await Deno.lstat(path);
    if (!info.isFile) return false;
    size = info.size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
  if (size !== wanted.length && size !== wanted.length + 1 && size !== wanted.length + 2) {
    return false;
  }
  let bytes = await Deno.readFile(path);
  if (bytes.length > wanted.length && bytes[bytes.length - 1] === 0x0a) {
    bytes = bytes.subarray(0, bytes.length - 1);
    if (bytes.length > wanted.length && bytes[bytes.length - 1] === 0x0d) {
      bytes = bytes.subarray(0, bytes.length - 1);
    }
  }
  return bytes.length === wanted.length && bytes.every((byte, i) => byte === wanted[i]);
}

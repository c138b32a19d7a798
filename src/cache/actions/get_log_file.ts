/**
 * `GetLogFile(jobId, stream, {tail | page})`: a job's stdout or stderr from
 * its log location (see job_paths.ts), either the last `tail` lines or page
 * `page` of `pageSize` lines. Memory is bounded by the lines returned, not
 * by the file: tails read backwards in chunks, pages stream forwards.
 *
 * Progress is the bytes read of the bytes the read may take: the file's
 * size for a page (it counts every line), and for a tail the least of the
 * size and the most a tail of that many lines can read (it stops at the
 * line it needs, usually much sooner). Reported at most once a percent, and
 * only when the read takes more than one chunk (64 KiB), with a detail such
 * as `read 1048576 of 4194304 bytes`.
 *
 * @module
 */
import { logFilePath, parseJobId } from "../job_paths.ts";
import { ActionFailure, isInside } from "./action.ts";
import type { ActionContext, ActionEntry } from "./action.ts";

/** Lines in a page when `pageSize` is not given. */
export const DEFAULT_PAGE_SIZE = 1000;
/** Longer lines are cut (with a trailing `…`) so one line cannot exhaust memory. */
export const MAX_LINE_CHARS = 64 * 1024;

/** The result (the entry body, as JSON). */
export interface LogPage {
  readonly jobId: string;
  readonly stream: "stdout" | "stderr";
  /** File size in bytes when read. */
  readonly size: number;
  readonly lines: readonly string[];
  /** 1-based number of the first line returned (`null` for a tail, which does not count lines). */
  readonly firstLine: number | null;
  /** Lines in the file (page mode only). */
  readonly totalLines: number | null;
  /** Page returned and number of pages (page mode only). */
  readonly page: number | null;
  readonly pages: number | null;
}

const CHUNK = 64 * 1024;

/**
 * Runs `GetLogFile`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getLogFile } from "./get_log_file.ts";
 * const root = await Deno.realPath(await Deno.makeTempDir());
 * await Deno.mkdir(`${root}/u/f/log/job/1/a/01`, { recursive: true });
 * await Deno.writeTextFile(`${root}/u/f/log/job/1/a/01/job.out`, "one\ntwo\nthree\n");
 * const [entry] = await getLogFile({
 *   keys: ["log"], jobDir: "", progress: () => {},
 *   payload: { jobId: "~u/f//1/a/01", stream: "stdout", tail: 2 },
 *   settings: { artifactRoots: [], logRoots: [root], artifactMaxBytes: 1, artifactHosts: [], s3Region: "x" },
 * });
 * assert.deepEqual(JSON.parse(entry.body as string).lines, ["two", "three"]);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function getLogFile(context: ActionContext): Promise<ActionEntry[]> {
  const payload = context.payload as {
    jobId: string;
    stream: "stdout" | "stderr";
    tail?: number;
    page?: number;
    pageSize?: number;
  };
  const job = parseJobId(payload.jobId);
  if (job === null) throw new ActionFailure("invalid", `bad job id ${payload.jobId}`);
  const path = await findLog(
    context.settings.logRoots,
    payload.jobId,
    payload.stream,
    (root) => logFilePath(root, job, payload.stream),
  );
  const file = await Deno.open(path);
  try {
    const size = (await file.stat()).size;
    let result: LogPage;
    if (payload.tail !== undefined) {
      const most = Math.min(size, tailBound(payload.tail));
      const lines = await tailLines(file, size, payload.tail, progressOf(context, most));
      result = {
        jobId: payload.jobId,
        stream: payload.stream,
        size,
        lines,
        firstLine: null,
        totalLines: null,
        page: null,
        pages: null,
      };
    } else {
      const page = payload.page ?? 1;
      const pageSize = payload.pageSize ?? DEFAULT_PAGE_SIZE;
      const { lines, total } = await pageLines(
        file,
        (page - 1) * pageSize,
        pageSize,
        progressOf(context, size),
      );
      result = {
        jobId: payload.jobId,
        stream: payload.stream,
        size,
        lines,
        firstLine: (page - 1) * pageSize + 1,
        totalLines: total,
        page,
        pages: Math.max(1, Math.ceil(total / pageSize)),
      };
    }
    return [{
      key: context.keys[0],
      meta: { size, lines: result.lines.length },
      body: JSON.stringify(result),
    }];
  } finally {
    file.close();
  }
}

async function findLog(
  roots: readonly string[],
  jobId: string,
  stream: string,
  pathIn: (root: string) => string,
): Promise<string> {
  for (const root of roots) {
    let real: string;
    try {
      real = await Deno.realPath(pathIn(root));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    // A symlink in the log tree must not lead out of the roots.
    if (!isInside(real, root)) {
      throw new ActionFailure("forbidden", `${stream} of ${jobId} resolves outside the log roots`);
    }
    return real;
  }
  throw new ActionFailure("not_found", `no ${stream} log for ${jobId} under the log roots`);
}

/** The most a tail of `count` lines reads. */
function tailBound(count: number): number {
  return count * (MAX_LINE_CHARS + 1) + CHUNK;
}

/**
 * A reporter of bytes read of `total`: silent for a read of one chunk,
 * otherwise once at the start and at most once a percent after.
 */
function progressOf(
  context: Pick<ActionContext, "progress">,
  total: number,
): (bytesRead: number) => void {
  if (total <= CHUNK) return () => {};
  let last = -1;
  return (bytesRead) => {
    const fraction = Math.min(1, bytesRead / total);
    const percent = Math.floor(fraction * 100);
    if (percent <= last) return;
    last = percent;
    context.progress(fraction, `read ${bytesRead} of ${total} bytes`);
  };
}

function cut(line: string): string {
  return line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) + "…" : line;
}

/** The last `count` lines, reading backwards from the end in chunks. */
async function tailLines(
  file: Deno.FsFile,
  size: number,
  count: number,
  progress: (bytesRead: number) => void,
): Promise<string[]> {
  const chunks: Uint8Array[] = [];
  let newlines = 0;
  let at = size;
  let bytes = 0;
  // A final newline ends the last line; it does not start an empty one.
  const needed = count + 1;
  progress(0);
  while (at > 0 && newlines < needed && bytes < tailBound(count)) {
    const length = Math.min(CHUNK, at);
    at -= length;
    const chunk = new Uint8Array(length);
    await file.seek(at, Deno.SeekMode.Start);
    let filled = 0;
    while (filled < length) {
      const n = await file.read(chunk.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    for (const byte of chunk) if (byte === 0x0a) newlines++;
    chunks.unshift(chunk);
    bytes += length;
    progress(bytes);
  }
  const all = new Uint8Array(bytes);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  const text = new TextDecoder().decode(all);
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  // Unless we read from the file's start, the first piece may be a partial line.
  if (at > 0) lines.shift();
  return lines.slice(-count).map(cut);
}

/** Lines `skip + 1 … skip + count` and the total number of lines, streaming forwards. */
async function pageLines(
  file: Deno.FsFile,
  skip: number,
  count: number,
  progress: (bytesRead: number) => void,
): Promise<{ lines: string[]; total: number }> {
  const decoder = new TextDecoder();
  const lines: string[] = [];
  let total = 0;
  let partial = "";
  let read = 0;
  const buffer = new Uint8Array(CHUNK);
  progress(0);
  while (true) {
    const n = await file.read(buffer);
    if (n === null) break;
    read += n;
    progress(read);
    const text = partial + decoder.decode(buffer.subarray(0, n), { stream: true });
    const pieces = text.split("\n");
    partial = pieces.pop()!;
    if (partial.length > MAX_LINE_CHARS) partial = partial.slice(0, MAX_LINE_CHARS + 1);
    for (const piece of pieces) {
      if (total >= skip && total < skip + count) lines.push(cut(piece));
      total++;
    }
  }
  partial += decoder.decode();
  if (partial !== "") {
    if (total >= skip && total < skip + count) lines.push(cut(partial));
    total++;
  }
  return { lines, total };
}

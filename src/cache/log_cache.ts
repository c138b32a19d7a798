/**
 * The `logs` pool's action as a method: `getLogFile(jobId, stream, {tail | page})`.
 *
 * Logs grow while a job runs, so the key includes the file's size and
 * mtime (one `stat` here): a grown log is a new key, an unchanged one a hit.
 *
 * @module
 */
import type { CacheClient } from "./client.ts";
import { CacheFuture } from "./future.ts";
import { logFilePath, parseJobId } from "./job_paths.ts";
import type { LogPage } from "./actions/get_log_file.ts";
import type { CallOptions } from "./artifact_cache.ts";

export type { LogPage };

/** Which part of the log. */
export interface LogWindow {
  /** The last `tail` lines. */
  readonly tail?: number;
  /** Page number (1-based) of `pageSize` lines; page 1 when neither is given. */
  readonly page?: number;
  /** Lines per page (default 1000). */
  readonly pageSize?: number;
}

const decoder = new TextDecoder();

/**
 * The log action on the `logs` pool.
 *
 * @example
 * ```ts ignore
 * const log = await pools.logs.getLogFile("~user/flow//1/foo/01", "stderr", { tail: 100 });
 * console.log(log?.lines.join("\n"));
 * ```
 */
export class LogCache {
  /** The pool's client (for stats). */
  readonly client: CacheClient;
  readonly #roots: readonly string[];

  /** Wraps `client` (a `logs` pool client) for logs under `roots`. */
  constructor(client: CacheClient, roots: readonly string[]) {
    this.client = client;
    this.#roots = roots;
  }

  /**
   * A page or tail of a job's stdout/stderr; `null` when the job has no log
   * (yet). Rejects with a TypeError for a malformed job id.
   *
   * @example
   * ```ts ignore
   * const page = await pools.logs.getLogFile("~user/flow//1/foo/01", "stdout", { page: 2 });
   * ```
   */
  getLogFile(
    jobId: string,
    stream: "stdout" | "stderr" = "stdout",
    window: LogWindow = {},
    options: CallOptions = {},
  ): CacheFuture<LogPage | null> {
    const job = parseJobId(jobId);
    if (job === null) {
      return new CacheFuture((control) => control.reject(new TypeError(`not a job id: ${jobId}`)));
    }
    let info: Deno.FileInfo | null = null;
    for (const root of this.#roots) {
      try {
        info = Deno.statSync(logFilePath(root, job, stream));
        break;
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    if (info === null) return new CacheFuture((control) => control.resolve(null, true));
    const mode = window.tail !== undefined
      ? `tail=${window.tail}`
      : `page=${window.page ?? 1}/${window.pageSize ?? 1000}`;
    const version = `${info.size}:${info.mtime?.getTime() ?? 0}`;
    return this.client.request<LogPage | null>({
      action: "GetLogFile",
      keys: [`log:${jobId}:${stream}:${version}:${mode}`],
      payload: () => ({ jobId, stream, ...window }),
      decode: ([entry]) => JSON.parse(decoder.decode(entry.body)) as LogPage,
      ...options,
    });
  }
}

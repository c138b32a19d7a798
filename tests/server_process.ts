/**
 * A `main.ts` child process (see `process_fixture.ts`) as the fuzz test and
 * the soak use it from outside: its URLs, whether it stays up, its memory
 * (VmRSS from `/proc`), and a stop that waits for the exit.
 *
 * @module
 */
import { startChild } from "./process_fixture.ts";

/** A running server process. */
export interface ServerProcess {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** `ws://127.0.0.1:<port>/graphql`. */
  readonly wsUrl: string;
  /** The child's process id. */
  readonly pid: number;
  /** Its log so far: one parsed JSON object a line (`level`, `component`, `message`, `fields`). */
  readonly lines: readonly Record<string, unknown>[];
  /** Whether the process is still running. */
  alive(): boolean;
  /** Resident set size from `/proc/<pid>/status` (VmRSS), in bytes. */
  rssBytes(): number;
  /** Sends SIGTERM (the server drains) and waits for the exit; resolves with the exit code. */
  stop(): Promise<number>;
}

/**
 * Reads VmRSS of `pid` from `/proc`, in bytes.
 *
 * @example
 * ```ts
 * import { rssOf } from "./server_process.ts";
 * console.assert(rssOf(Deno.pid) > 0);
 * ```
 */
export function rssOf(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/**
 * Starts `main.ts` with `env` (over `startChild`'s defaults: a free port,
 * JSON logs, no simulator) and waits until it listens (it learns the URL
 * from the `listening` line, so `OVERLAP_LOG_LEVEL` must let info through).
 *
 * @throws {Error} when it exits first or does not listen within `startTimeoutMs`.
 *
 * @example
 * ```ts ignore
 * const server = await startServerProcess({ OVERLAP_DATA_DIR: dir });
 * await fetch(server.url + "/status");
 * await server.stop();
 * ```
 */
export async function startServerProcess(
  env: Record<string, string>,
  startTimeoutMs = 60_000,
): Promise<ServerProcess> {
  const child = startChild(env);
  let exited = false;
  const status = child.process.status.then((s) => {
    exited = true;
    return s;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const url = await Promise.race([
    child.url,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the server did not listen within ${startTimeoutMs} ms`)),
        startTimeoutMs,
      );
    }),
  ]).catch(async (error) => {
    if (!exited) child.process.kill("SIGKILL");
    await status;
    const last = child.lines.slice(-10).map((line) => JSON.stringify(line)).join("\n");
    throw new Error(`${(error as Error).message}\n${last}`);
  }).finally(() => clearTimeout(timer));
  return {
    url,
    wsUrl: url.replace(/^http/, "ws") + "/graphql",
    pid: child.process.pid,
    lines: child.lines,
    alive: () => !exited,
    rssBytes: () => rssOf(child.process.pid),
    async stop() {
      if (!exited) child.process.kill("SIGTERM");
      const killer = setTimeout(() => !exited && child.process.kill("SIGKILL"), 30_000);
      const { code } = await status;
      clearTimeout(killer);
      await child.logged.catch(() => {});
      return code;
    },
  };
}

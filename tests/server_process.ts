/**
 * The server as a child process (`deno run main.ts`), for tests and
 * benchmarks that must see it from outside: whether it stays up, what it
 * logs, how much memory it holds. Its stderr (the log) is collected line by
 * line; configuration goes in as environment variables, as in production.
 *
 * @module
 */

/** A running server process. */
export interface ServerProcess {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** `ws://127.0.0.1:<port>/graphql`. */
  readonly wsUrl: string;
  /** The child's process id. */
  readonly pid: number;
  /** Log lines written so far (stderr). */
  readonly lines: readonly string[];
  /** Whether the process is still running. */
  alive(): boolean;
  /** Resident set size from `/proc/<pid>/status` (VmRSS), in bytes. */
  rssBytes(): number;
  /** Sends SIGTERM and waits for the exit; resolves with the exit code. */
  stop(): Promise<number>;
}

/** Options of {@linkcode startServerProcess}. */
export interface ServerProcessOptions {
  /** Environment of the child (on top of PATH and HOME); `OVERLAP_PORT` is set here. */
  readonly env?: Record<string, string>;
  /** V8 flags for the child (e.g. `--max-old-space-size=1024`). */
  readonly v8Flags?: readonly string[];
  /** Called with each log line as it arrives (a benchmark may print them). */
  readonly onLine?: (line: string) => void;
  /** How long to wait for `/healthz`, in ms (default 60,000). */
  readonly startTimeoutMs?: number;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
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
 * Starts `main.ts` on a free port and waits until `/healthz` answers.
 *
 * @throws {Error} when the process exits or does not answer in time (with its last log lines).
 *
 * @example
 * ```ts ignore
 * const server = await startServerProcess({ env: { OVERLAP_DATA_DIR: dir, OVERLAP_SIMULATOR: "0" } });
 * await fetch(server.url + "/status");
 * await server.stop();
 * ```
 */
export async function startServerProcess(
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const lines: string[] = [];
  const flags = options.v8Flags?.length ? [`--v8-flags=${options.v8Flags.join(",")}`] : [];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...flags, new URL("../main.ts", import.meta.url).pathname],
    env: { ...options.env, OVERLAP_PORT: String(port), NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const reading = (async () => {
    let rest = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      let cut;
      while ((cut = rest.indexOf("\n")) !== -1) {
        const line = rest.slice(0, cut);
        rest = rest.slice(cut + 1);
        lines.push(line);
        options.onLine?.(line);
      }
    }
    if (rest) lines.push(rest);
  })();
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      await reading;
      throw new Error(
        `the server exited with ${(await status).code} before answering:\n${
          lines.slice(-20).join("\n")
        }`,
      );
    }
    try {
      const res = await fetch(`${url}/healthz`);
      await res.body?.cancel();
      if (res.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await status;
      throw new Error(
        `the server did not answer /healthz in time:\n${lines.slice(-20).join("\n")}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    pid: child.pid,
    lines,
    alive: () => !exited,
    rssBytes: () => rssOf(child.pid),
    async stop() {
      if (!exited) child.kill("SIGTERM");
      const killer = setTimeout(() => !exited && child.kill("SIGKILL"), 15_000);
      const { code } = await status;
      clearTimeout(killer);
      await reading;
      return code;
    },
  };
}

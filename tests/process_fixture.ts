/**
 * `main.ts` as a child process, the way `deno task start` runs it (same
 * permissions), with JSON logs: every line it writes to stderr is parsed,
 * and one that is not JSON fails the test.
 *
 * @module
 */
import { assertEquals } from "./assert.ts";

/** The entry point. */
export const MAIN: URL = new URL("../main.ts", import.meta.url);
/** The repository root (where deno.json is). */
export const ROOT: string = decodeURIComponent(new URL("..", import.meta.url).pathname);

/** The permissions of `deno task start`. */
export const START_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-env",
  "--allow-sys",
  "--allow-read",
  "--allow-write",
  "--allow-run",
];

/** A `main.ts` child: its JSON log lines, its URL once it listens. */
export interface Child {
  readonly process: Deno.ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly url: Promise<string>;
  /** Settles when stderr is read to its end. */
  readonly logged: Promise<void>;
}

/**
 * Starts `main.ts` with `env` over test defaults (port 0, JSON logs, no
 * simulator, a 10 s drain bound).
 */
export function startChild(env: Record<string, string>): Child {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", ...START_PERMISSIONS, MAIN.href],
    cwd: ROOT,
    env: {
      NO_COLOR: "1",
      OVERLAP_PORT: "0",
      OVERLAP_LOG_FORMAT: "json",
      OVERLAP_SIMULATOR: "0",
      OVERLAP_DRAIN_TIMEOUT_MS: "10000",
      ...env,
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const lines: Record<string, unknown>[] = [];
  const url = Promise.withResolvers<string>();
  const logged = (async () => {
    let partial = "";
    for await (const chunk of process.stderr.pipeThrough(new TextDecoderStream())) {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop()!;
      for (const text of parts) {
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(text);
        } catch {
          throw new Error(`a log line is not JSON: ${text}`);
        }
        lines.push(line);
        if (line.message === "listening" && line.component === "overlap") {
          url.resolve((line.fields as { url: string }).url);
        }
      }
    }
    assertEquals(partial, "", "the log ends with a whole line");
    url.reject(new Error("the server exited before it listened"));
  })();
  logged.catch((error) => url.reject(error));
  return { process, lines, url: url.promise, logged };
}

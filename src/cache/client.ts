/**
 * `CacheClient`: owns one pool's cache server subprocess and turns action
 * calls into {@linkcode CacheFuture}s.
 *
 * - Hit: every key's entry file is read from disk in-process; no request is
 *   sent (a few µs; small entries are read synchronously).
 * - Miss: a request for the missing keys goes to the server; the future
 *   settles when the server says `done` (or `error`) on its stdout, then the
 *   entries are read from disk and the keys released.
 * - Self-healing: when the server dies (or a write to it does not drain in
 *   `writeTimeoutMs`, which counts as dead), it is restarted; requests in
 *   flight are re-sent once, then rejected with a CacheServerError saying why.
 *
 * @module
 */
import { createLogger } from "../log.ts";
import type { LogFormat, Logger, LogLevel } from "../log.ts";
import { readLines } from "./lines.ts";
import { entryPath, keyHash } from "./key_layout.ts";
import { readEntry } from "./entry_codec.ts";
import type { Entry } from "./entry_codec.ts";
import { parseServerMessage } from "./protocol.ts";
import type { Priority, ServerMessage, ServerStats } from "./protocol.ts";
import { permissionFlags, serverPermissions } from "./permissions.ts";
import { CacheFuture } from "./future.ts";
import type { FutureControl } from "./future.ts";
import { CacheActionError, CacheServerError, CacheTimeoutError } from "./errors.ts";
import type { ActionErrorCode } from "./errors.ts";
import type { WorkerSettings } from "./actions/action.ts";
import type { ServerConfig } from "./server.ts";

/** How to start one pool's server. */
export interface CacheClientOptions {
  /** Pool name (`dag`, `artifacts`, `logs`); names the logs and errors. */
  readonly pool: string;
  /** The pool's cache root (made absolute); entries live in `<root>/keys`. */
  readonly root: string;
  /** Bytes the pool may keep on disk. */
  readonly maxBytes: number;
  /** Worker subprocesses run at once. */
  readonly workers: number;
  /** Default request timeout, in ms (the worker's kill timer; the client waits 1 s longer). */
  readonly timeoutMs: number;
  /** Production actions the server accepts. */
  readonly actions: readonly string[];
  /** Settings handed to every worker. */
  readonly settings: WorkerSettings;
  /** Directories the server and its workers may read (artifact or log roots). */
  readonly dataRoots?: readonly string[];
  /** Hosts (`host[:port]`) the workers may connect to. */
  readonly netHosts?: readonly string[];
  /** Extra environment for the server and its workers (e.g. AWS credentials). */
  readonly env?: Readonly<Record<string, string>>;
  /** Environment variables the workers may read. */
  readonly workerEnv?: readonly string[];
  /** Enables the `test:*` actions. Only for tests. */
  readonly testActions?: boolean;
  /** A write to the server that does not drain in this time means it is wedged (default 10 s). */
  readonly writeTimeoutMs?: number;
  /** Time `close()` waits for the server to exit before killing it, in ms (default 5000). */
  readonly closeTimeoutMs?: number;
  /** V8 heap cap of a worker, in MiB (default 512). */
  readonly workerHeapMb?: number;
  /** Where the client logs. */
  readonly log?: Logger;
  /** Least level the server logs at (default `info`). */
  readonly logLevel?: LogLevel;
  /**
   * The server's log format (default `text`). With `json`, whatever else the
   * server writes to stderr (an uncaught error's trace) reaches this
   * process's stderr wrapped in JSON lines too.
   */
  readonly logFormat?: LogFormat;
  /** Receives the server's stderr (its log lines); default: this process's stderr. */
  readonly serverStderr?: (text: string) => void;
}

/** One request to run through the cache. */
export interface RequestSpec<T> {
  readonly action: string;
  /** Every key the value is made of. */
  readonly keys: readonly string[];
  /** The request payload for the keys that were not on disk. */
  payload(missing: readonly string[]): Record<string, unknown>;
  /** Builds the value from the entries of `keys`, in order. */
  decode(entries: readonly Entry[]): T;
  readonly priority?: Priority;
  /** Overrides the pool's default timeout, in ms. */
  readonly timeoutMs?: number;
  /** Run even when the keys are on disk (replacing them). */
  readonly force?: boolean;
}

/** A pool's figures for `GET /status`. Server counters add up across server restarts. */
export interface PoolStats {
  readonly pool: string;
  /** The server is running and has said `ready`. */
  readonly up: boolean;
  readonly serverPid: number | null;
  readonly queued: { readonly high: number; readonly low: number };
  readonly running: number;
  readonly workers: number;
  /** Futures answered from disk in-process. */
  readonly hits: number;
  /** Futures that sent a request. */
  readonly misses: number;
  /** Requests attached to an identical pending one. */
  readonly deduplicated: number;
  /** Requests the server found on disk (a concurrent request had just produced them). */
  readonly diskHits: number;
  readonly workerRuns: number;
  readonly bytesUsed: number;
  readonly maxBytes: number;
  readonly peakBytes: number;
  readonly entries: number;
  readonly evictions: number;
  /** Times the server was restarted. */
  readonly restarts: number;
  /** Futures that rejected (any cause). */
  readonly errors: number;
  /** Of which timeouts. */
  readonly timeouts: number;
  /** Worker runs that failed (threw, crashed, timed out, garbage). */
  readonly workerErrors: number;
  /** Malformed lines the server answered with an error. */
  readonly invalidLines: number;
  /** Futures waiting for the server now. */
  readonly pending: number;
  readonly peakRunning: number;
}

interface PendingRequest {
  readonly id: string;
  readonly action: string;
  readonly keys: readonly string[];
  /** All keys' entries; `null` where a miss must fill it. */
  readonly entries: (Entry | null)[];
  readonly decode: (entries: readonly Entry[]) => unknown;
  readonly line: string;
  readonly timeoutMs: number;
  readonly control: FutureControl<unknown>;
  timer: ReturnType<typeof setTimeout>;
  /** Written to the current server. */
  written: boolean;
  /** Times written to any server. */
  sends: number;
}

const ZERO_STATS: ServerStats = {
  queuedHigh: 0,
  queuedLow: 0,
  running: 0,
  workers: 0,
  peakRunning: 0,
  deduplicated: 0,
  diskHits: 0,
  workerRuns: 0,
  workerErrors: 0,
  invalidLines: 0,
  bytesUsed: 0,
  maxBytes: 0,
  peakBytes: 0,
  entries: 0,
  evictions: 0,
  pinned: 0,
};
const CUMULATIVE = [
  "deduplicated",
  "diskHits",
  "workerRuns",
  "workerErrors",
  "invalidLines",
  "evictions",
] as const;

/** Extra wait of the client over the worker timeout, so the server's precise error arrives first. */
const CLIENT_GRACE_MS = 1000;
const SERVER_URL = new URL("./server.ts", import.meta.url);
const PASSED_ENV = ["HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR", "LANG"];
const encoder = new TextEncoder();

function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path.replace(/^\.\//, "")}`;
}

function describeStatus(status: Deno.CommandStatus): string {
  return status.signal !== null ? `signal ${status.signal}` : `exit code ${status.code}`;
}

function denoConfigPath(): string | null {
  const url = new URL("../../deno.json", import.meta.url);
  try {
    Deno.statSync(url);
    return decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
}

/**
 * A stderr sink for a JSON-logging server: its own log lines (JSON objects)
 * pass through unchanged; any other line (Deno's report of an uncaught
 * error, say) is logged through `log` as a JSON line quoting it, so every
 * line on this process's stderr stays one JSON object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLogger } from "../log.ts";
 * import { jsonLinesSink } from "./client.ts";
 * const lines: string[] = [];
 * const log = createLogger("cache/dag", "info", (line) => lines.push(line), undefined, "json");
 * const passed: string[] = [];
 * const sink = jsonLinesSink(log, (line) => passed.push(line));
 * sink.write('{"level":"info"}\nerror: Uncaught Ty');
 * sink.write("peError: x\n  at main");
 * sink.end();
 * assert.deepEqual(passed, ['{"level":"info"}']);
 * assert.deepEqual(lines.map((line) => JSON.parse(line).fields.line), [
 *   "error: Uncaught TypeError: x",
 *   "  at main",
 * ]);
 * ```
 */
export function jsonLinesSink(
  log: Logger,
  pass: (line: string) => void = (line) => Deno.stderr.writeSync(encoder.encode(line + "\n")),
): { write(text: string): void; end(): void } {
  let partial = "";
  const emit = (line: string) => {
    if (line.trim() === "") return;
    if (line.startsWith("{") && line.endsWith("}")) {
      try {
        JSON.parse(line);
        pass(line);
        return;
      } catch { /* not one of its log lines: wrap it below */ }
    }
    log.warn("cache server stderr", { line });
  };
  return {
    write(text) {
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      for (const line of lines) emit(line);
    },
    end() {
      emit(partial);
      partial = "";
    },
  };
}

/**
 * One pool's client and server pair.
 *
 * @example
 * ```ts ignore
 * const client = await CacheClient.start({ pool: "logs", root: "/tmp/c/logs", ... });
 * const value = await client.request({ action: "GetLogFile", keys: [key], payload, decode });
 * await client.close();
 * ```
 */
export class CacheClient {
  /** Pool name. */
  readonly pool: string;
  /** Absolute pool root. */
  readonly root: string;
  readonly #options: CacheClientOptions;
  readonly #log: Logger;
  readonly #serverConfig: ServerConfig;
  readonly #args: string[];
  readonly #env: Record<string, string>;
  readonly #writeTimeoutMs: number;
  readonly #pending = new Map<string, PendingRequest>();
  #nextId = 0;
  #child: Deno.ChildProcess | null = null;
  #writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  #writeChain: Promise<void> = Promise.resolve();
  #ready = false;
  #readyWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  #statsWaiters: (() => void)[] = [];
  #exited: Promise<void> = Promise.resolve();
  #closed = false;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #startFailures = 0;
  #stderrTail = "";
  #touches = new Set<string>();
  #touchTimer: ReturnType<typeof setTimeout> | undefined;
  #server: ServerStats = ZERO_STATS;
  #base: Record<(typeof CUMULATIVE)[number], number> = {
    deduplicated: 0,
    diskHits: 0,
    workerRuns: 0,
    workerErrors: 0,
    invalidLines: 0,
    evictions: 0,
  };
  #peakRunning = 0;
  #counts = { hits: 0, misses: 0, restarts: 0, errors: 0, timeouts: 0 };

  private constructor(options: CacheClientOptions) {
    this.#options = options;
    this.pool = options.pool;
    this.root = absolute(options.root);
    this.#log = options.log ?? createLogger(`cache/${options.pool}`);
    this.#writeTimeoutMs = options.writeTimeoutMs ?? 10_000;
    const execPath = Deno.execPath();
    const dataRoots = (options.dataRoots ?? []).map(absolute);
    this.#serverConfig = {
      pool: options.pool,
      root: this.root,
      maxBytes: options.maxBytes,
      workers: options.workers,
      defaultTimeoutMs: options.timeoutMs,
      actions: options.actions,
      testActions: options.testActions === true,
      execPath,
      denoConfig: denoConfigPath(),
      workerRead: dataRoots,
      workerNet: options.netHosts ?? [],
      workerEnv: options.workerEnv ?? [],
      workerHeapMb: options.workerHeapMb ?? 512,
      settings: options.settings,
      logLevel: options.logLevel ?? "info",
      logFormat: options.logFormat ?? "text",
    };
    const config = this.#serverConfig.denoConfig;
    this.#args = [
      "run",
      "--quiet",
      ...(config === null ? [] : ["--config", config]),
      ...permissionFlags(serverPermissions(this.root, dataRoots, execPath)),
      SERVER_URL.href,
      JSON.stringify(this.#serverConfig),
    ];
    // The server starts from a clean environment: only what deno needs to
    // find its cache, plus what the pool's actions need (AWS credentials).
    const env: Record<string, string> = { NO_COLOR: "1" };
    for (const name of PASSED_ENV) {
      try {
        const value = Deno.env.get(name);
        if (value !== undefined) env[name] = value;
      } catch { /* no env permission: deno uses its defaults */ }
    }
    this.#env = { ...env, ...options.env };
  }

  /**
   * Starts the server and waits until it is ready.
   *
   * @throws {CacheServerError} when the server exits before it is ready.
   */
  static async start(options: CacheClientOptions): Promise<CacheClient> {
    const client = new CacheClient(options);
    const ready = client.#whenReady();
    client.#spawn();
    try {
      await ready;
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  /** The server's process id, or `null` while it is down. */
  get serverPid(): number | null {
    return this.#ready && this.#child !== null ? this.#child.pid : null;
  }

  /** The exact `deno` arguments the server is started with (for docs and tests). */
  get serverArgs(): readonly string[] {
    return this.#args;
  }

  /**
   * Runs `spec` through the cache. `spec` may be a promise (when building
   * the keys needs I/O, e.g. reading the graph version from the database).
   */
  request<T>(spec: RequestSpec<T> | Promise<RequestSpec<T>>): CacheFuture<T> {
    return new CacheFuture<T>((control) => {
      if (spec instanceof Promise) {
        spec.then((resolved) => this.#begin(resolved, control), (error) => {
          this.#counts.errors++;
          control.reject(error);
        });
      } else {
        this.#begin(spec, control);
      }
    });
  }

  /** Current figures (server figures as of its last `stats` line, at most 100 ms old). */
  stats(): PoolStats {
    const s = this.#server;
    const cumulative = (name: (typeof CUMULATIVE)[number]) => this.#base[name] + s[name];
    return {
      pool: this.pool,
      up: this.#ready,
      serverPid: this.serverPid,
      queued: { high: s.queuedHigh, low: s.queuedLow },
      running: s.running,
      workers: this.#options.workers,
      hits: this.#counts.hits,
      misses: this.#counts.misses,
      deduplicated: cumulative("deduplicated"),
      diskHits: cumulative("diskHits"),
      workerRuns: cumulative("workerRuns"),
      bytesUsed: s.bytesUsed,
      maxBytes: this.#options.maxBytes,
      peakBytes: s.peakBytes,
      entries: s.entries,
      evictions: cumulative("evictions"),
      restarts: this.#counts.restarts,
      errors: this.#counts.errors,
      timeouts: this.#counts.timeouts,
      workerErrors: cumulative("workerErrors"),
      invalidLines: cumulative("invalidLines"),
      pending: this.#pending.size,
      peakRunning: Math.max(this.#peakRunning, s.peakRunning),
    };
  }

  /** Asks the server for fresh figures and returns them. */
  async refreshStats(): Promise<PoolStats> {
    if (this.#ready) {
      const fresh = new Promise<void>((resolve) => this.#statsWaiters.push(resolve));
      this.#write(JSON.stringify({ type: "status" }));
      await fresh;
    }
    return this.stats();
  }

  /**
   * Writes a raw line to the server's stdin (tests use it for malformed input).
   *
   * @example
   * ```ts ignore
   * client.sendRaw("{not json");
   * ```
   */
  sendRaw(line: string): void {
    this.#write(line);
  }

  /** Rejects pending futures, stops the server (killing its workers) and waits for it to exit. */
  async close(): Promise<void> {
    if (this.#closed) return await this.#exited;
    this.#closed = true;
    clearTimeout(this.#restartTimer);
    clearTimeout(this.#touchTimer);
    for (const request of [...this.#pending.values()]) {
      this.#fail(
        request,
        new CacheServerError(
          this.pool,
          request.action,
          request.keys,
          "the cache client was closed",
        ),
      );
    }
    for (const waiter of this.#readyWaiters) {
      waiter.reject(new CacheServerError(this.pool, "start", [], "the cache client was closed"));
    }
    this.#readyWaiters = [];
    const child = this.#child;
    if (child !== null) {
      // Closing stdin asks the server to stop; it kills its workers first.
      const writer = this.#writer;
      const closing = this.#writeChain.then(() => writer?.close()).catch(() => {});
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((resolve) =>
        timer = setTimeout(() => resolve("late"), this.#options.closeTimeoutMs ?? 5000)
      );
      const outcome = await Promise.race([closing.then(() => child.status), late]);
      clearTimeout(timer);
      if (outcome === "late") {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }
    }
    await this.#exited;
    for (const resolve of this.#statsWaiters) resolve();
    this.#statsWaiters = [];
  }

  #whenReady(): Promise<void> {
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  #spawn(): void {
    this.#restartTimer = undefined;
    if (this.#closed) return;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(Deno.execPath(), {
        args: this.#args,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        clearEnv: true,
        env: this.#env,
      }).spawn();
    } catch (error) {
      this.#serverDown(`could not start the cache server: ${error}`, false);
      return;
    }
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#writeChain = Promise.resolve();
    this.#ready = false;
    this.#stderrTail = "";
    const reading = this.#readStdout(child);
    const logging = this.#readStderr(child);
    this.#exited = (async () => {
      const status = await child.status;
      await reading;
      await logging;
      const wasReady = this.#ready;
      this.#ready = false;
      this.#child = null;
      this.#writer = null;
      for (const name of CUMULATIVE) this.#base[name] += this.#server[name];
      this.#peakRunning = Math.max(this.#peakRunning, this.#server.peakRunning);
      this.#server = { ...ZERO_STATS, maxBytes: this.#options.maxBytes };
      // Nobody will answer a pending `status` now.
      for (const resolve of this.#statsWaiters.splice(0)) resolve();
      if (this.#closed) return;
      // The last lines that say something: an uncaught error's message, not
      // the stack frames under it.
      const lines = this.#stderrTail.trim().split("\n");
      const said = lines.filter((line) => !/^\s+at /.test(line));
      const tail = (said.length > 0 ? said : lines).slice(-3).join(" | ").slice(-800);
      this.#serverDown(
        `the cache server exited with ${describeStatus(status)}${
          wasReady ? "" : " before it was ready"
        }${tail === "" ? "" : ` (stderr: ${tail})`}`,
        wasReady,
      );
    })();
  }

  #serverDown(reason: string, wasReady: boolean): void {
    this.#counts.restarts++;
    this.#log.error("cache server down; restarting", { pool: this.pool, reason });
    if (!wasReady) {
      this.#startFailures++;
      for (const waiter of this.#readyWaiters) {
        waiter.reject(new CacheServerError(this.pool, "start", [], reason));
      }
      this.#readyWaiters = [];
    }
    for (const request of [...this.#pending.values()]) {
      if (!wasReady) {
        this.#fail(request, new CacheServerError(this.pool, request.action, request.keys, reason));
      } else if (request.written && request.sends >= 2) {
        this.#fail(
          request,
          new CacheServerError(
            this.pool,
            request.action,
            request.keys,
            `${reason}; the request had been re-sent once already`,
          ),
        );
      } else {
        request.written = false; // re-sent when the new server is ready
      }
    }
    if (this.#closed) return;
    // Back off when the server cannot even start (bad config, broken install).
    const delay = this.#startFailures === 0
      ? 0
      : Math.min(5000, 100 * 2 ** (this.#startFailures - 1));
    this.#restartTimer = setTimeout(() => this.#spawn(), delay);
  }

  async #readStdout(child: Deno.ChildProcess): Promise<void> {
    try {
      for await (const line of readLines(child.stdout, 64 * 1024 * 1024)) {
        if (typeof line !== "string") continue;
        let message: ServerMessage;
        try {
          message = parseServerMessage(line);
        } catch (error) {
          this.#log.warn("cache server sent a bad line", { pool: this.pool, error });
          continue;
        }
        this.#onMessage(message);
      }
    } catch (error) {
      this.#log.warn("reading the cache server failed", { pool: this.pool, error });
    }
  }

  async #readStderr(child: Deno.ChildProcess): Promise<void> {
    const decoder = new TextDecoder();
    const json = this.#options.serverStderr === undefined && this.#options.logFormat === "json"
      ? jsonLinesSink(this.#log)
      : undefined;
    const sink = this.#options.serverStderr ?? json?.write ??
      ((text: string) => Deno.stderr.writeSync(encoder.encode(text)));
    try {
      for await (const chunk of child.stderr) {
        const text = decoder.decode(chunk, { stream: true });
        this.#stderrTail = (this.#stderrTail + text).slice(-4096);
        sink(text);
      }
    } catch { /* the server is gone */ }
    json?.end();
  }

  #onMessage(message: ServerMessage): void {
    switch (message.type) {
      case "ready": {
        this.#ready = true;
        this.#startFailures = 0;
        this.#server = message.stats;
        this.#log.info("cache server ready", { pool: this.pool, pid: message.pid });
        for (const waiter of this.#readyWaiters) waiter.resolve();
        this.#readyWaiters = [];
        for (const request of this.#pending.values()) {
          if (!request.written) this.#send(request);
        }
        return;
      }
      case "stats": {
        this.#server = message.stats;
        const waiters = this.#statsWaiters;
        this.#statsWaiters = [];
        for (const resolve of waiters) resolve();
        return;
      }
      case "progress":
        this.#pending.get(message.id)?.control.progress(message.fraction, message.detail);
        return;
      case "done": {
        const request = this.#pending.get(message.id);
        if (request !== undefined) this.#complete(request, message.actionMs);
        return;
      }
      case "error": {
        if (message.id === null) {
          this.#log.warn("cache server refused a line", {
            pool: this.pool,
            error: message.message,
          });
          return;
        }
        const request = this.#pending.get(message.id);
        if (request === undefined) return;
        const { action, keys } = request;
        let error: Error;
        if (message.code === "worker_timeout") {
          error = new CacheTimeoutError(
            this.pool,
            action,
            keys,
            request.timeoutMs,
            message.message,
          );
        } else if (message.code === "invalid" || message.code === "shutting_down") {
          error = new CacheServerError(this.pool, action, keys, message.message);
        } else {
          error = new CacheActionError(
            this.pool,
            action,
            keys,
            message.code as ActionErrorCode,
            message.message,
          );
        }
        this.#fail(request, error, false);
        return;
      }
    }
  }

  #begin<T>(spec: RequestSpec<T>, control: FutureControl<T>): void {
    if (this.#closed) {
      this.#counts.errors++;
      control.reject(
        new CacheServerError(this.pool, spec.action, spec.keys, "the cache client is closed"),
      );
      return;
    }
    const hashes = spec.keys.map(keyHash);
    const found = hashes.map((hash, i) => {
      if (spec.force) return null;
      const entry = readEntry(entryPath(this.root, hash));
      return entry instanceof Promise
        ? entry.then((read) => (read?.key === spec.keys[i] ? read : null))
        : entry?.key === spec.keys[i]
        ? entry
        : null;
    });
    if (found.some((entry) => entry instanceof Promise)) {
      Promise.all(found).then(
        (entries) => this.#afterLookup(spec, hashes, entries, control),
        (error) => {
          this.#counts.errors++;
          control.reject(error);
        },
      );
    } else {
      this.#afterLookup(spec, hashes, found as (Entry | null)[], control);
    }
  }

  #afterLookup<T>(
    spec: RequestSpec<T>,
    hashes: readonly string[],
    entries: (Entry | null)[],
    control: FutureControl<T>,
  ): void {
    const missing = spec.keys.filter((_, i) => entries[i] === null);
    if (missing.length === 0) {
      this.#counts.hits++;
      for (const hash of hashes) this.#touch(hash);
      let value: T;
      try {
        value = spec.decode(entries as Entry[]);
      } catch (error) {
        this.#counts.errors++;
        control.reject(error);
        return;
      }
      control.resolve(value, true);
      return;
    }
    this.#counts.misses++;
    const id = String(++this.#nextId);
    const timeoutMs = spec.timeoutMs ?? this.#options.timeoutMs;
    const line = JSON.stringify({
      type: "request",
      id,
      action: spec.action,
      keys: missing,
      payload: spec.payload(missing),
      priority: spec.priority ?? "high",
      timeoutMs,
      force: spec.force === true,
    });
    const request: PendingRequest = {
      id,
      action: spec.action,
      keys: spec.keys,
      entries,
      decode: spec.decode,
      line,
      timeoutMs,
      control: control as FutureControl<unknown>,
      written: false,
      sends: 0,
      timer: setTimeout(() => {
        this.#counts.timeouts++;
        this.#fail(request, new CacheTimeoutError(this.pool, spec.action, spec.keys, timeoutMs));
      }, timeoutMs + CLIENT_GRACE_MS),
    };
    this.#pending.set(id, request);
    control.onCancel((reason) => {
      this.#fail(request, new CacheServerError(this.pool, spec.action, spec.keys, reason));
    });
    if (this.#ready) this.#send(request);
  }

  #send(request: PendingRequest): void {
    this.#flushTouches();
    request.written = true;
    request.sends++;
    this.#write(request.line);
  }

  async #complete(request: PendingRequest, actionMs?: number): Promise<void> {
    clearTimeout(request.timer);
    this.#pending.delete(request.id);
    const entries = request.entries;
    try {
      for (let i = 0; i < entries.length; i++) {
        if (entries[i] !== null) continue;
        const read = await readEntry(entryPath(this.root, keyHash(request.keys[i])));
        if (read === null || read.key !== request.keys[i]) {
          throw new CacheServerError(
            this.pool,
            request.action,
            request.keys,
            `the server reported done but key ${JSON.stringify(request.keys[i])} is not on disk`,
          );
        }
        entries[i] = read;
      }
      request.control.resolve(request.decode(entries as Entry[]), false, actionMs);
    } catch (error) {
      this.#counts.errors++;
      request.control.reject(error);
    } finally {
      // The server pinned the keys for us until now.
      if (this.#ready) this.#write(JSON.stringify({ type: "release", id: request.id }));
    }
  }

  /** Rejects `request`; tells the server to drop it unless the server itself ended it. */
  #fail(request: PendingRequest, error: Error, tellServer = true): void {
    if (!this.#pending.has(request.id)) return;
    clearTimeout(request.timer);
    this.#pending.delete(request.id);
    this.#counts.errors++;
    request.control.reject(error);
    if (tellServer && request.written && this.#ready) {
      this.#write(JSON.stringify({ type: "cancel", id: request.id }));
    }
  }

  #touch(hash: string): void {
    this.#touches.add(hash);
    if (this.#touchTimer === undefined && !this.#closed) {
      // Hits are reported in batches, off the hit path, for the server's LRU order.
      const timer = setTimeout(() => this.#flushTouches(), 250);
      Deno.unrefTimer(timer as unknown as number);
      this.#touchTimer = timer;
    }
  }

  #flushTouches(): void {
    clearTimeout(this.#touchTimer);
    this.#touchTimer = undefined;
    if (this.#touches.size === 0 || !this.#ready) return;
    const hashes = [...this.#touches];
    this.#touches.clear();
    this.#write(JSON.stringify({ type: "touch", hashes }));
  }

  #write(line: string): void {
    const writer = this.#writer;
    const child = this.#child;
    if (writer === null || child === null) return;
    const bytes = encoder.encode(line + "\n");
    this.#writeChain = this.#writeChain.then(async () => {
      const writing = writer.write(bytes);
      writing.catch(() => {}); // a dead server is handled by the exit watcher
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), this.#writeTimeoutMs);
      });
      try {
        const outcome = await Promise.race([writing.then(() => "ok" as const), late]);
        if (outcome === "late") {
          // A pipe that does not drain means the server is wedged: treat it as dead.
          this.#log.error("cache server stopped reading its stdin; killing it", {
            pool: this.pool,
            writeTimeoutMs: this.#writeTimeoutMs,
          });
          try {
            child.kill("SIGKILL");
          } catch { /* already gone */ }
        }
      } catch {
        /* broken pipe: the exit watcher restarts the server */
      } finally {
        clearTimeout(timer);
      }
    });
  }
}

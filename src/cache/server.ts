/**
 * Cache server entry point, one per pool:
 * `deno run <narrow permissions> server.ts '<ServerConfig JSON>'`.
 *
 * It reads NDJSON requests on stdin (see protocol.ts), answers on stdout,
 * and logs to stderr. It queues requests in two priorities, de-duplicates
 * identical pending requests (same action and keys), runs up to `workers`
 * worker subprocesses, commits their entries into the key directory within
 * the byte limit, and answers each request with `done` or a structured
 * `error`. A worker that throws, crashes, is killed, hangs past its timeout
 * or writes garbage becomes an error for its requests; the server goes on.
 *
 * It exits when its stdin closes (the client is gone), killing its workers.
 *
 * @module
 */
import { createLogger } from "../log.ts";
import type { LogFormat, LogLevel } from "../log.ts";
import { readLines } from "./lines.ts";
import { keyHash } from "./key_layout.ts";
import { EntryTooLargeError, KeyStore } from "./key_store.ts";
import type { Incoming } from "./key_store.ts";
import { parseClientMessage, ProtocolError, TEST_ACTION_NAMES } from "./protocol.ts";
import type { ErrorCode, RequestMessage, ServerMessage, ServerStats } from "./protocol.ts";
import { permissionFlags, workerPermissions } from "./permissions.ts";
import type { WorkerSettings } from "./actions/action.ts";
import type { WorkerManifest, WorkerRequest } from "./worker.ts";

/** Everything the server needs, passed as its one argument (JSON). */
export interface ServerConfig {
  readonly pool: string;
  /** Absolute pool root: `keys/`, `tmp/` (and `test/` in test mode) live here. */
  readonly root: string;
  readonly maxBytes: number;
  readonly workers: number;
  /** Worker timeout for requests that do not name one, in ms. */
  readonly defaultTimeoutMs: number;
  /** Production actions this pool serves. */
  readonly actions: readonly string[];
  /** Adds the `test:*` actions. Only tests set it. */
  readonly testActions: boolean;
  /** The deno executable (`Deno.execPath()` of the client). */
  readonly execPath: string;
  /** deno.json for the workers' import map, or `null`. */
  readonly denoConfig: string | null;
  /** Data roots the workers may read. */
  readonly workerRead: readonly string[];
  /** Hosts the workers may connect to. */
  readonly workerNet: readonly string[];
  /** Environment variables the workers may read. */
  readonly workerEnv: readonly string[];
  /** V8 heap cap of a worker, in MiB. */
  readonly workerHeapMb: number;
  readonly settings: WorkerSettings;
  readonly logLevel: LogLevel;
  /** The server process's log format (`OVERLAP_LOG_FORMAT` of the parent); `text` when absent. */
  readonly logFormat?: LogFormat;
}

interface Job {
  readonly hash: string;
  readonly action: string;
  readonly keys: readonly string[];
  readonly payload: Record<string, unknown>;
  priority: "high" | "low";
  readonly timeoutMs: number;
  readonly force: boolean;
  readonly waiters: Set<string>;
  state: "queued" | "running";
  child?: Deno.ChildProcess;
}

interface Pending {
  readonly hashes: readonly string[];
  job: Job | null;
}

type Outcome =
  | { readonly ok: true; readonly incoming: Incoming[]; readonly actionMs: number }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

const WORKER_URL = new URL("./worker.ts", import.meta.url);
const ACTION_CODES = new Set(["not_found", "forbidden", "invalid", "action_failed"]);
const encoder = new TextEncoder();

function describeStatus(status: Deno.CommandStatus): string {
  return status.signal !== null ? `signal ${status.signal}` : `exit code ${status.code}`;
}

async function serve(config: ServerConfig): Promise<void> {
  const log = createLogger(
    `cache-server/${config.pool}`,
    config.logLevel,
    undefined,
    undefined,
    config.logFormat ?? "text",
  );
  const actions = config.testActions ? [...config.actions, ...TEST_ACTION_NAMES] : config.actions;
  const store = KeyStore.open(config.root, config.maxBytes);
  const tmpRoot = `${config.root}/tmp`;
  // Job directories left by a server that was killed are garbage now.
  try {
    Deno.removeSync(tmpRoot, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  Deno.mkdirSync(tmpRoot, { recursive: true });
  const testDir = config.testActions ? `${config.root}/test` : undefined;
  if (testDir !== undefined) Deno.mkdirSync(testDir, { recursive: true });

  const writer = Deno.stdout.writable.getWriter();
  let outChain: Promise<void> = Promise.resolve();
  const send = (message: ServerMessage) => {
    const bytes = encoder.encode(JSON.stringify(message) + "\n");
    outChain = outChain.then(() => writer.write(bytes)).catch((error) => {
      // Nobody reads our answers any more: the client is gone.
      log.error("stdout closed, exiting", { error });
      Deno.exit(1);
    });
  };

  const jobs = new Map<string, Job>();
  const pending = new Map<string, Pending>();
  const queues = { high: [] as Job[], low: [] as Job[] };
  const runningJobs = new Set<Promise<void>>();
  const figures = {
    peakRunning: 0,
    deduplicated: 0,
    diskHits: 0,
    workerRuns: 0,
    workerErrors: 0,
    invalidLines: 0,
  };
  let running = 0;
  let shuttingDown = false;

  const stats = (): ServerStats => ({
    queuedHigh: queues.high.length,
    queuedLow: queues.low.length,
    running,
    workers: config.workers,
    ...figures,
    bytesUsed: store.bytesUsed,
    maxBytes: store.maxBytes,
    peakBytes: store.peakBytes,
    entries: store.entries,
    evictions: store.evictions,
    pinned: store.pinned,
  });
  let statsTimer: ReturnType<typeof setTimeout> | undefined;
  const statsChanged = () => {
    // Coalesced: at most ten stats lines a second, however busy the pool.
    statsTimer ??= setTimeout(() => {
      statsTimer = undefined;
      send({ type: "stats", stats: stats() });
    }, 100);
  };

  const release = (id: string) => {
    const request = pending.get(id);
    if (request === undefined) return;
    pending.delete(id);
    for (const hash of request.hashes) store.unpin(hash);
  };

  const fail = (id: string, code: ErrorCode, message: string) => {
    send({ type: "error", id, code, message });
    release(id);
  };

  const finish = (job: Job, outcome: Outcome) => {
    if (!outcome.ok) {
      figures.workerErrors++;
      log.warn("action failed", { action: job.action, code: outcome.code, error: outcome.message });
    }
    for (const id of job.waiters) {
      const request = pending.get(id);
      if (request !== undefined) request.job = null;
      if (outcome.ok) send({ type: "done", id, source: "worker", actionMs: outcome.actionMs });
      else fail(id, outcome.code, outcome.message);
    }
  };

  const readOutcome = (
    job: Job,
    dir: string,
    status: Deno.CommandStatus,
    stderrTail: string,
  ): Outcome => {
    const crashed = (why: string): Outcome => ({
      ok: false,
      code: "worker_crashed",
      message: `${why}${stderrTail === "" ? "" : `; stderr: ${stderrTail.trim().slice(-600)}`}`,
    });
    const garbage = (why: string): Outcome => ({
      ok: false,
      code: "worker_garbage",
      message: `worker (${describeStatus(status)}) wrote an unusable result: ${why}`,
    });
    let text: string;
    try {
      text = Deno.readTextFileSync(`${dir}/manifest.json`);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        return crashed(`worker exited with ${describeStatus(status)} without writing a result`);
      }
      throw error;
    }
    let manifest: WorkerManifest;
    try {
      manifest = JSON.parse(text);
    } catch {
      return garbage("manifest.json is not JSON");
    }
    if (typeof manifest !== "object" || manifest === null) {
      return garbage("manifest is not an object");
    }
    if (manifest.ok === false) {
      const error = manifest.error ?? {};
      const code = ACTION_CODES.has(error.code) ? error.code as ErrorCode : "action_failed";
      return { ok: false, code, message: String(error.message ?? "no message").slice(0, 2000) };
    }
    if (manifest.ok !== true || !Array.isArray(manifest.entries)) {
      return garbage("manifest has neither ok:true with entries nor ok:false");
    }
    const wanted = new Set(job.keys);
    const incoming: Incoming[] = [];
    for (const entry of manifest.entries) {
      if (
        typeof entry !== "object" || entry === null || typeof entry.key !== "string" ||
        typeof entry.file !== "string" || !/^\d+$/.test(entry.file)
      ) {
        return garbage("an entry is not {key, file}");
      }
      if (!wanted.delete(entry.key)) return garbage(`unrequested or repeated key ${entry.key}`);
      const path = `${dir}/out/${entry.file}`;
      let info: Deno.FileInfo;
      try {
        info = Deno.lstatSync(path);
      } catch {
        return garbage(`entry file ${entry.file} is missing`);
      }
      if (!info.isFile) return garbage(`entry file ${entry.file} is not a regular file`);
      if (readHeaderKey(path) !== entry.key) {
        return garbage(`entry file ${entry.file} does not hold key ${entry.key}`);
      }
      incoming.push({ hash: keyHash(entry.key), path, size: info.size });
    }
    if (wanted.size > 0) return garbage(`missing keys ${[...wanted].slice(0, 3).join(", ")}`);
    return { ok: true, incoming, actionMs: Number(manifest.actionMs) || 0 };
  };

  const runJob = async (job: Job) => {
    running++;
    figures.workerRuns++;
    figures.peakRunning = Math.max(figures.peakRunning, running);
    statsChanged();
    let dir: string | undefined;
    let outcome: Outcome;
    try {
      dir = Deno.makeTempDirSync({ dir: tmpRoot, prefix: "job-" });
      const request: WorkerRequest = {
        action: job.action,
        keys: job.keys,
        payload: job.payload,
        settings: { ...config.settings, testDir },
        testMode: config.testActions,
      };
      Deno.writeTextFileSync(`${dir}/request.json`, JSON.stringify(request));
      const plan = workerPermissions(
        dir,
        config.workerRead,
        config.workerNet,
        config.workerEnv,
        testDir,
      );
      const args = [
        "run",
        "--quiet",
        ...(config.denoConfig === null ? [] : ["--config", config.denoConfig]),
        ...permissionFlags(plan),
        `--v8-flags=--max-old-space-size=${config.workerHeapMb}`,
        WORKER_URL.href,
        dir,
      ];
      const child = new Deno.Command(config.execPath, {
        args,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      job.child = child;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, job.timeoutMs);
      const progressDone = forwardProgress(child.stdout, job);
      const stderrDone = tailOf(child.stderr, 4096);
      const status = await child.status;
      clearTimeout(timer);
      await progressDone;
      const stderrTail = await stderrDone;
      // Our end of its stdin stayed open so the worker could tell we are alive.
      await child.stdin.close().catch(() => {});
      if (timedOut) {
        outcome = {
          ok: false,
          code: "worker_timeout",
          message: `worker ran past its timeout of ${job.timeoutMs} ms and was killed`,
        };
      } else if (shuttingDown) {
        outcome = {
          ok: false,
          code: "shutting_down",
          message: "the cache server is shutting down",
        };
      } else {
        outcome = readOutcome(job, dir, status, stderrTail);
      }
      if (outcome.ok) {
        try {
          store.commit(outcome.incoming);
        } catch (error) {
          if (!(error instanceof EntryTooLargeError)) throw error;
          outcome = { ok: false, code: "entry_too_large", message: error.message };
        }
      }
    } catch (error) {
      outcome = {
        ok: false,
        code: "worker_crashed",
        message: `could not run the worker: ${error}`,
      };
    }
    jobs.delete(job.hash);
    running--;
    finish(job, outcome);
    if (dir !== undefined) {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* best effort; cleaned at next start */ }
    }
    statsChanged();
    pump();
  };

  const forwardProgress = async (stdout: ReadableStream<Uint8Array>, job: Job) => {
    for await (const line of readLines(stdout, 64 * 1024)) {
      if (typeof line !== "string") continue;
      let event: { progress?: unknown; detail?: unknown };
      try {
        event = JSON.parse(line);
      } catch {
        continue; // stray output (a console.log in an action) is not progress
      }
      if (typeof event?.progress !== "number" || !Number.isFinite(event.progress)) continue;
      const fraction = Math.min(1, Math.max(0, event.progress));
      const detail = typeof event.detail === "string" ? event.detail.slice(0, 500) : undefined;
      for (const id of job.waiters) send({ type: "progress", id, fraction, detail });
    }
  };

  const pump = () => {
    while (!shuttingDown && running < config.workers) {
      const job = queues.high.shift() ?? queues.low.shift();
      if (job === undefined) return;
      job.state = "running";
      const done = runJob(job);
      runningJobs.add(done);
      done.finally(() => runningJobs.delete(done));
    }
  };

  const accept = (request: RequestMessage) => {
    if (pending.has(request.id)) {
      send({
        type: "error",
        id: request.id,
        code: "invalid",
        message: `duplicate id ${request.id}`,
      });
      return;
    }
    const hashes = request.keys.map(keyHash);
    for (const hash of hashes) store.pin(hash);
    const entry: Pending = { hashes, job: null };
    pending.set(request.id, entry);
    if (!request.force && hashes.every((hash) => store.has(hash))) {
      // The client raced another request for the same keys: already on disk.
      figures.diskHits++;
      for (const hash of hashes) store.touch(hash);
      send({ type: "done", id: request.id, source: "disk" });
      statsChanged();
      return;
    }
    const jobHash = keyHash(`${request.action}\n${request.force}\n${request.keys.join("\n")}`);
    const existing = jobs.get(jobHash);
    if (existing !== undefined) {
      figures.deduplicated++;
      existing.waiters.add(request.id);
      entry.job = existing;
      if (
        request.priority === "high" && existing.priority === "low" && existing.state === "queued"
      ) {
        existing.priority = "high";
        queues.low.splice(queues.low.indexOf(existing), 1);
        queues.high.push(existing);
      }
      statsChanged();
      return;
    }
    const job: Job = {
      hash: jobHash,
      action: request.action,
      keys: request.keys,
      payload: request.payload,
      priority: request.priority,
      timeoutMs: request.timeoutMs,
      force: request.force,
      waiters: new Set([request.id]),
      state: "queued",
    };
    jobs.set(jobHash, job);
    entry.job = job;
    queues[job.priority].push(job);
    statsChanged();
    pump();
  };

  const cancel = (id: string) => {
    const request = pending.get(id);
    if (request === undefined) return;
    const job = request.job;
    if (job !== null) {
      job.waiters.delete(id);
      // A running job is left to finish: its result is cached for the next asker.
      if (job.waiters.size === 0 && job.state === "queued") {
        const queue = queues[job.priority];
        queue.splice(queue.indexOf(job), 1);
        jobs.delete(job.hash);
      }
    }
    release(id);
    statsChanged();
  };

  // The server belongs to its client. Ctrl-C in a terminal (or `timeout`)
  // signals the whole process group; dying then would look like a crash to
  // the client, which would log it and restart the server during shutdown.
  // The client stops us by closing stdin, or with SIGKILL.
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, () => {});
  send({ type: "ready", pid: Deno.pid, stats: stats() });
  log.info("started", {
    workers: config.workers,
    maxBytes: config.maxBytes,
    bytesUsed: store.bytesUsed,
    entries: store.entries,
  });

  for await (const line of readLines(Deno.stdin.readable, 16 * 1024 * 1024)) {
    if (typeof line !== "string") {
      figures.invalidLines++;
      send({
        type: "error",
        id: null,
        code: "invalid",
        message: `line of ${line.overlong} bytes is longer than the limit`,
      });
      continue;
    }
    if (line.trim() === "") continue;
    let message;
    try {
      message = parseClientMessage(line, actions, config.defaultTimeoutMs);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      figures.invalidLines++;
      send({ type: "error", id: error.id, code: "invalid", message: error.message });
      statsChanged();
      continue;
    }
    switch (message.type) {
      case "request":
        if (message.action === "test:wedge") {
          // Test mode only: stop reading stdin so the client's writes back up.
          // Once per pool root, so the restarted server serves the re-sent requests.
          const marker = `${testDir}/wedged`;
          try {
            Deno.writeTextFileSync(marker, "", { createNew: true });
          } catch {
            send({
              type: "error",
              id: message.id,
              code: "invalid",
              message: "wedged once already",
            });
            break;
          }
          log.warn("test:wedge: no longer reading stdin");
          setInterval(() => {}, 60_000);
          await new Promise(() => {});
        }
        accept(message);
        break;
      case "release":
        release(message.id);
        statsChanged();
        break;
      case "cancel":
        cancel(message.id);
        break;
      case "touch":
        for (const hash of message.hashes) store.touch(hash);
        break;
      case "status":
        send({ type: "stats", stats: stats() });
        break;
    }
  }

  // stdin closed: the client is gone or closing us.
  shuttingDown = true;
  for (const job of [...queues.high, ...queues.low]) {
    finish(job, { ok: false, code: "shutting_down", message: "the cache server is shutting down" });
  }
  queues.high.length = 0;
  queues.low.length = 0;
  for (const job of jobs.values()) {
    try {
      job.child?.kill("SIGKILL");
    } catch { /* already gone */ }
  }
  await Promise.all(runningJobs);
  clearTimeout(statsTimer);
  await outChain;
  log.info("stopped");
}

/** Reads the key from an entry file's header line without reading the body. */
function readHeaderKey(path: string): string | null {
  const file = Deno.openSync(path);
  try {
    const buffer = new Uint8Array(16 * 1024);
    const n = file.readSync(buffer) ?? 0;
    const newline = buffer.subarray(0, n).indexOf(0x0a);
    if (newline === -1) return null;
    const header = JSON.parse(new TextDecoder().decode(buffer.subarray(0, newline)));
    return typeof header?.key === "string" ? header.key : null;
  } catch {
    return null;
  } finally {
    file.close();
  }
}

/** The last `limit` characters a stream carried (a crashed worker's stack trace). */
async function tailOf(stream: ReadableStream<Uint8Array>, limit: number): Promise<string> {
  const decoder = new TextDecoder();
  let tail = "";
  for await (const chunk of stream) {
    tail = (tail + decoder.decode(chunk, { stream: true })).slice(-limit);
  }
  return tail;
}

if (import.meta.main) {
  await serve(JSON.parse(Deno.args[0]) as ServerConfig);
  Deno.exit(0);
}

/**
 * The scheduler simulator: a real client of Overlap's ingest API that runs a
 * few workflows so a fresh server has something alive to show.
 *
 * Each workflow (`~sim/<name>`) has families, tasks over a window of cycle
 * points and a graph of edges. Tasks go waiting → submitted → running →
 * succeeded or failed, with a job per try; failed jobs are retried once.
 * Jobs write their logs (`job.out`, `job.err`) and small artifacts to the
 * layouts of `paths.ts`. Now and then a job goes silent: it stops
 * heartbeating without finishing, as a killed job would, so the heartbeat
 * monitor marks it failed; a while later the simulated scheduler notices
 * and submits the task again. Finished cycle points beyond a few are pruned,
 * files included, so a long demo stays small.
 *
 * The clock, the timers and the random numbers are injected: tests drive
 * {@linkcode Simulator.step} with a fake clock and never sleep.
 *
 * @module
 */
import { type Logger, silentLogger } from "../log.ts";
import type { Scheduler } from "../heartbeat/monitor.ts";
import type { Heartbeat, IngestClient } from "./client.ts";
import { DeltaBuilder } from "./delta_builder.ts";
import { artifactDir, cycleArtifactDir, cycleLogDir, jobLogDir, submitDir } from "./paths.ts";
import { Prng } from "./prng.ts";
import {
  checkWorkflowSpec,
  cyclePoint,
  DEFAULT_WORKFLOWS,
  SIM_OWNER,
  type TaskSpec,
  type WorkflowSpec,
} from "./workflows.ts";

/** Options of a {@linkcode Simulator}. */
export interface SimulatorOptions {
  /** Where deltas and heartbeats go. */
  readonly client: Pick<IngestClient, "postDeltas" | "postHeartbeats">;
  /** Root of job logs (the first of `OVERLAP_LOG_ROOTS`). */
  readonly logRoot: string;
  /** Root of artifacts (the first of `OVERLAP_ARTIFACT_ROOTS`). */
  readonly artifactRoot: string;
  /** PRNG seed; default 1. */
  readonly seed?: number;
  /** The workflows; default {@linkcode DEFAULT_WORKFLOWS}. */
  readonly workflows?: readonly WorkflowSpec[];
  /** Owner in workflow ids; default `sim`. */
  readonly owner?: string;
  /** The `host` field of workflows; default `localhost`. */
  readonly host?: string;
  /** The clock, ms since the epoch; default `Date.now`. */
  readonly now?: () => number;
  /** Timers for {@linkcode Simulator.start}; default `globalThis`. */
  readonly scheduler?: Scheduler;
  /** Time between steps, ms; default 1000. */
  readonly stepMs?: number;
  /** Time between heartbeat batches, ms (the heartbeat interval); default 30000. */
  readonly heartbeatMs?: number;
  /** How long the scheduler takes to notice a silent job, ms; default 180000. */
  readonly silentGiveUpMs?: number;
  /** Cycle points active at once per workflow; default 2. */
  readonly runahead?: number;
  /** Finished cycle points kept before the oldest is pruned; default 3. */
  readonly keepCycles?: number;
  /** Cycle points per workflow before it stops; default unbounded. */
  readonly maxCycles?: number;
  /** Range of time from submission to start, ms; default [1000, 5000]. */
  readonly submitMs?: readonly [number, number];
  /** Range of run time, ms; default [4000, 30000]. */
  readonly runMs?: readonly [number, number];
  /** Wait before a failed task is tried again, ms; default 5000. */
  readonly retryMs?: number;
  /** Tries per task (submit numbers); default 2. */
  readonly maxTries?: number;
  /** Chance that a job fails; default 0.08. */
  readonly failChance?: number;
  /** Chance that a job goes silent; default 0.03. */
  readonly silentChance?: number;
  /** Prune the owner's workflows left from an earlier run before starting; default true. */
  readonly reset?: boolean;
  /** Where the simulator logs. */
  readonly log?: Logger;
}

/** Status of a simulated task. */
export type TaskStatus = "waiting" | "submitted" | "running" | "succeeded" | "failed";

interface Job {
  readonly id: string;
  readonly submitNum: number;
  status: "submitted" | "running" | "succeeded" | "failed";
  readonly logDir: string;
  startAt: number;
  endAt: number;
  outcome: "succeeded" | "failed" | "silent";
  /** Stopped heartbeating without finishing; the scheduler gives up at `giveUpAt`. */
  silent: boolean;
  giveUpAt: number;
  linesWritten: number;
}

interface Task {
  readonly spec: TaskSpec;
  readonly id: string;
  readonly familyId: string;
  status: TaskStatus;
  submitNum: number;
  job: Job | undefined;
  retryAt: number;
}

interface Cycle {
  readonly index: number;
  readonly point: string;
  readonly tasks: Map<string, Task>;
  readonly familyStatus: Map<string, TaskStatus>;
  readonly jobIds: string[];
  readonly edgeIds: string[];
  done: boolean;
}

interface Flow {
  readonly spec: WorkflowSpec;
  readonly id: string;
  readonly cycles: Cycle[];
  nextIndex: number;
  started: boolean;
  stopped: boolean;
  totals: string;
}

/** What one step did. */
export interface StepReport {
  /** Whether a delta body was sent (and accepted). */
  readonly sentDelta: boolean;
  /** Heartbeats sent in this step (0 when none were due or the post failed). */
  readonly heartbeats: number;
}

const PLATFORMS = ["localhost", "hpc-a", "hpc-b"] as const;

/**
 * The simulator; see the module documentation.
 *
 * @example
 * ```ts ignore
 * const simulator = new Simulator({
 *   client: new IngestClient({ baseUrl: "http://127.0.0.1:8080", token }),
 *   logRoot: config.logRoots[0],
 *   artifactRoot: config.artifactRoots[0],
 *   heartbeatMs: config.heartbeatIntervalS * 1000,
 * });
 * simulator.start();
 * // … at shutdown:
 * await simulator.stop();
 * ```
 */
export class Simulator {
  readonly #client: SimulatorOptions["client"];
  readonly #logRoot: string;
  readonly #artifactRoot: string;
  readonly #prng: Prng;
  readonly #host: string;
  readonly #now: () => number;
  readonly #scheduler: Scheduler;
  readonly #stepMs: number;
  readonly #heartbeatMs: number;
  readonly #silentGiveUpMs: number;
  readonly #runahead: number;
  readonly #keepCycles: number;
  readonly #maxCycles: number;
  readonly #submitMs: readonly [number, number];
  readonly #runMs: readonly [number, number];
  readonly #retryMs: number;
  readonly #maxTries: number;
  readonly #failChance: number;
  readonly #silentChance: number;
  readonly #log: Logger;
  readonly #flows: Flow[];
  readonly #delta = new DeltaBuilder();
  #needsReset: boolean;
  #lastHeartbeats = -Infinity;
  #timer: unknown = undefined;
  #running = false;
  #stepping: Promise<unknown> | undefined;

  /**
   * Creates a simulator; nothing is sent or written until a step.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Simulator } from "./simulator.ts";
   * const client = { postDeltas: () => Promise.resolve({ seq: 1 }), postHeartbeats: () => Promise.resolve({}) };
   * const simulator = new Simulator({ client, logRoot: "/tmp/l", artifactRoot: "/tmp/a" });
   * assert.deepEqual(simulator.workflowIds, ["~sim/forecast", "~sim/ingest/daily", "~sim/train"]);
   * ```
   */
  constructor(options: SimulatorOptions) {
    this.#client = options.client;
    this.#logRoot = options.logRoot;
    this.#artifactRoot = options.artifactRoot;
    this.#prng = new Prng(options.seed ?? 1);
    this.#host = options.host ?? "localhost";
    this.#now = options.now ?? Date.now;
    this.#scheduler = options.scheduler ?? globalThis;
    this.#stepMs = options.stepMs ?? 1000;
    this.#heartbeatMs = options.heartbeatMs ?? 30_000;
    this.#silentGiveUpMs = options.silentGiveUpMs ?? 180_000;
    this.#runahead = options.runahead ?? 2;
    this.#keepCycles = options.keepCycles ?? 3;
    this.#maxCycles = options.maxCycles ?? Infinity;
    this.#submitMs = options.submitMs ?? [1000, 5000];
    this.#runMs = options.runMs ?? [4000, 30_000];
    this.#retryMs = options.retryMs ?? 5000;
    this.#maxTries = options.maxTries ?? 2;
    this.#failChance = options.failChance ?? 0.08;
    this.#silentChance = options.silentChance ?? 0.03;
    this.#needsReset = options.reset ?? true;
    this.#log = options.log ?? silentLogger;
    if (!(this.#runahead >= 1) || !(this.#keepCycles >= 0) || !(this.#maxTries >= 1)) {
      throw new RangeError(
        `runahead and maxTries must be ≥ 1 and keepCycles ≥ 0, got ${this.#runahead}, ${this.#maxTries} and ${this.#keepCycles}`,
      );
    }
    const owner = options.owner ?? SIM_OWNER;
    this.#flows = (options.workflows ?? DEFAULT_WORKFLOWS).map((spec) => {
      checkWorkflowSpec(spec);
      return {
        spec,
        id: `~${owner}/${spec.name}`,
        cycles: [],
        nextIndex: 0,
        started: false,
        stopped: false,
        totals: "",
      };
    });
  }

  /**
   * The ids of the simulated workflows.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Simulator } from "./simulator.ts";
   * const client = { postDeltas: () => Promise.resolve({ seq: 1 }), postHeartbeats: () => Promise.resolve({}) };
   * const simulator = new Simulator({ client, logRoot: "l", artifactRoot: "a", owner: "me", workflows: [
   *   { name: "w", cycling: "integer", families: [], tasks: [{ name: "t" }] },
   * ] });
   * assert.deepEqual(simulator.workflowIds, ["~me/w"]);
   * ```
   */
  get workflowIds(): string[] {
    return this.#flows.map((flow) => flow.id);
  }

  /**
   * Whether every workflow stopped (only with `maxCycles`).
   *
   * @example
   * ```ts ignore
   * while (!simulator.finished) { now += 1000; await simulator.step(); }
   * ```
   */
  get finished(): boolean {
    return this.#flows.every((flow) => flow.stopped);
  }

  /**
   * Advances every workflow to the clock's time, writes files, then sends
   * the changes as one delta body and, when due, a heartbeat batch. A body
   * the server refused or could not get is kept and sent with the next step.
   *
   * @example
   * ```ts ignore
   * const report = await simulator.step(); // { sentDelta: true, heartbeats: 4 }
   * ```
   */
  async step(): Promise<StepReport> {
    const now = this.#now();
    if (this.#needsReset) {
      // An earlier run's workflows would clash with this run's ids.
      this.#delta.prune("", "workflows", this.workflowIds);
      if (!await this.#flush()) return { sentDelta: false, heartbeats: 0 };
      for (const flow of this.#flows) await this.#removeFiles(flow);
      this.#needsReset = false;
    }
    for (const flow of this.#flows) await this.#advanceFlow(flow, now);
    const sentDelta = !this.#delta.empty && await this.#flush();
    let heartbeats = 0;
    if (now - this.#lastHeartbeats >= this.#heartbeatMs) {
      heartbeats = await this.#sendHeartbeats(now);
    }
    return { sentDelta, heartbeats };
  }

  /**
   * Steps every `stepMs` until {@linkcode stop}; one step at a time.
   *
   * @example
   * ```ts ignore
   * simulator.start();
   * ```
   */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#log.info("simulator started", { workflows: this.workflowIds.join(",") });
    this.#schedule(0);
  }

  /**
   * Stops stepping and waits for the running step. Jobs the simulator had
   * in flight stay as they are on the server (the heartbeat monitor will
   * mark them once their heartbeats stop being due).
   *
   * @example
   * ```ts ignore
   * await simulator.stop();
   * ```
   */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#scheduler.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#stepping;
  }

  #schedule(ms: number): void {
    this.#timer = this.#scheduler.setTimeout(() => {
      this.#timer = undefined;
      if (!this.#running) return;
      this.#stepping = this.step().catch((error) => {
        this.#log.error("simulator step failed", { error });
      }).finally(() => {
        this.#stepping = undefined;
        if (this.#running) this.#schedule(this.#stepMs);
      });
    }, ms);
  }

  async #flush(): Promise<boolean> {
    const body = this.#delta.body();
    if (body === undefined) return true;
    try {
      await this.#client.postDeltas(body);
      this.#delta.clear();
      return true;
    } catch (error) {
      this.#log.warn("sending deltas failed; will resend with the next step", { error });
      return false;
    }
  }

  async #sendHeartbeats(now: number): Promise<number> {
    const time = new Date(now).toISOString();
    const heartbeats: Heartbeat[] = [];
    for (const flow of this.#flows) {
      if (!flow.started || flow.stopped) continue;
      heartbeats.push({ id: flow.id, time });
      for (const cycle of flow.cycles) {
        for (const task of cycle.tasks.values()) {
          const job = task.job;
          if (job && !job.silent && (job.status === "submitted" || job.status === "running")) {
            heartbeats.push({ id: job.id, time });
          }
        }
      }
    }
    if (heartbeats.length === 0) return 0;
    try {
      await this.#client.postHeartbeats(heartbeats);
      this.#lastHeartbeats = now;
      return heartbeats.length;
    } catch (error) {
      this.#log.warn("sending heartbeats failed; will retry next step", { error });
      return 0;
    }
  }

  async #advanceFlow(flow: Flow, now: number): Promise<void> {
    if (flow.stopped) return;
    if (!flow.started) {
      flow.started = true;
      const [owner, name] = [flow.id.slice(1, flow.id.indexOf("/")), flow.spec.name];
      this.#delta.workflow(flow.id, {
        name,
        owner,
        host: this.#host,
        status: "running",
        statusMsg: "running",
      });
    }
    while (
      flow.cycles.filter((cycle) => !cycle.done).length < this.#runahead &&
      flow.nextIndex < this.#maxCycles
    ) {
      this.#spawnCycle(flow);
    }
    for (const cycle of flow.cycles) {
      if (cycle.done) continue;
      for (const task of cycle.tasks.values()) await this.#advanceTask(flow, cycle, task, now);
      this.#updateFamilies(flow, cycle);
      cycle.done = [...cycle.tasks.values()].every(isFinished);
    }
    await this.#pruneOld(flow);
    const totals: Record<string, number> = {};
    for (const cycle of flow.cycles) {
      for (const task of cycle.tasks.values()) totals[task.status] = (totals[task.status] ?? 0) + 1;
    }
    const json = JSON.stringify(totals);
    if (json !== flow.totals) {
      flow.totals = json;
      this.#delta.workflow(flow.id, { stateTotals: totals });
    }
    if (flow.nextIndex >= this.#maxCycles && flow.cycles.every((cycle) => cycle.done)) {
      flow.stopped = true;
      this.#delta.workflow(flow.id, { status: "stopped", statusMsg: "finished" });
      this.#log.info("simulated workflow finished", { id: flow.id });
    }
  }

  #spawnCycle(flow: Flow): void {
    const { spec, id: wf } = flow;
    const index = flow.nextIndex++;
    const point = cyclePoint(spec.cycling, index);
    const previous = index > 0 ? cyclePoint(spec.cycling, index - 1) : undefined;
    const cycle: Cycle = {
      index,
      point,
      tasks: new Map(),
      familyStatus: new Map(),
      jobIds: [],
      edgeIds: [],
      done: false,
    };
    const familyId = (name: string) => `${wf}//${point}/${name}`;
    this.#delta.element(wf, "familyProxies", familyId("root"), {
      name: "root",
      cyclePoint: point,
      status: "waiting",
      firstParent: null,
    });
    cycle.familyStatus.set("root", "waiting");
    for (const family of spec.families) {
      this.#delta.element(wf, "familyProxies", familyId(family.name), {
        name: family.name,
        cyclePoint: point,
        status: "waiting",
        firstParent: familyId(family.parent ?? "root"),
      });
      cycle.familyStatus.set(family.name, "waiting");
    }
    for (const taskSpec of spec.tasks) {
      const task: Task = {
        spec: taskSpec,
        id: `${wf}//${point}/${taskSpec.name}`,
        familyId: familyId(taskSpec.family ?? "root"),
        status: "waiting",
        submitNum: 0,
        job: undefined,
        retryAt: -Infinity,
      };
      cycle.tasks.set(taskSpec.name, task);
      this.#delta.element(wf, "taskProxies", task.id, {
        name: taskSpec.name,
        cyclePoint: point,
        status: "waiting",
        isHeld: false,
        firstParent: task.familyId,
      });
      const sources = (taskSpec.after ?? []).map((name) => `${point}/${name}`);
      if (taskSpec.afterPrevious && previous !== undefined) {
        sources.push(`${previous}/${taskSpec.name}`);
      }
      for (const source of sources) {
        const edgeId = `${wf}//$edge|${source}|${point}/${taskSpec.name}`;
        cycle.edgeIds.push(edgeId);
        this.#delta.element(wf, "edges", edgeId, { source: `${wf}//${source}`, target: task.id });
      }
    }
    flow.cycles.push(cycle);
  }

  async #advanceTask(flow: Flow, cycle: Cycle, task: Task, now: number): Promise<void> {
    const wf = flow.id;
    const job = task.job;
    if (task.status === "waiting") {
      if (now < task.retryAt || !this.#ready(flow, cycle, task)) return;
      await this.#submit(flow, cycle, task, now);
      return;
    }
    if (job === undefined || isFinished(task)) return;
    if (job.silent) {
      if (now < job.giveUpAt) return;
      // The scheduler has noticed the job is gone (as Cylc's job polling would).
      if (task.submitNum < this.#maxTries) {
        this.#log.info("simulated scheduler gave up on a silent job; submitting again", {
          job: job.id,
        });
        await this.#submit(flow, cycle, task, now);
      } else {
        this.#setTask(wf, task, "failed");
      }
      return;
    }
    if (job.status === "submitted" && now >= job.startAt) {
      job.status = "running";
      const roll = this.#prng.next();
      job.outcome = roll < this.#silentChance
        ? "silent"
        : roll < this.#silentChance + this.#failChance
        ? "failed"
        : "succeeded";
      job.endAt = now + this.#prng.between(...this.#runMs);
      this.#delta.element(wf, "jobs", job.id, {
        status: "running",
        startedTime: iso(now),
      });
      this.#setTask(wf, task, "running");
      await this.#appendLog(job, "job.out", now, `started on ${this.#host}`);
      return;
    }
    if (job.status !== "running") return;
    if (now < job.endAt) {
      if (this.#prng.chance(0.3)) {
        await this.#appendLog(job, "job.out", now, `progress ${++job.linesWritten}`);
      }
      return;
    }
    if (job.outcome === "silent") {
      // Killed without a trace: no more heartbeats, no final status.
      job.silent = true;
      job.giveUpAt = now + this.#silentGiveUpMs;
      this.#log.info("simulated job went silent", { job: job.id });
      return;
    }
    job.status = job.outcome;
    this.#delta.element(wf, "jobs", job.id, { status: job.outcome, finishedTime: iso(now) });
    if (job.outcome === "succeeded") {
      await this.#appendLog(job, "job.out", now, "succeeded");
      await this.#writeArtifacts(flow, cycle, task, job, now);
      this.#setTask(wf, task, "succeeded");
    } else {
      await this.#appendLog(job, "job.out", now, "failed");
      await this.#appendLog(job, "job.err", now, "ERROR: simulated failure (exit code 1)");
      if (task.submitNum < this.#maxTries) {
        task.retryAt = now + this.#retryMs;
        this.#setTask(wf, task, "waiting");
      } else {
        this.#setTask(wf, task, "failed");
      }
    }
  }

  #ready(flow: Flow, cycle: Cycle, task: Task): boolean {
    for (const name of task.spec.after ?? []) {
      const parent = cycle.tasks.get(name);
      if (parent === undefined || !isFinished(parent)) return false;
    }
    if (task.spec.afterPrevious) {
      const previous = flow.cycles.find((c) => c.index === cycle.index - 1);
      const mine = previous?.tasks.get(task.spec.name);
      if (mine !== undefined && !isFinished(mine)) return false;
    }
    return true;
  }

  async #submit(flow: Flow, cycle: Cycle, task: Task, now: number): Promise<void> {
    const wf = flow.id;
    task.submitNum++;
    const id = `${task.id}/${submitDir(task.submitNum)}`;
    const job: Job = {
      id,
      submitNum: task.submitNum,
      status: "submitted",
      logDir: jobLogDir(this.#logRoot, wf, cycle.point, task.spec.name, task.submitNum),
      startAt: now + this.#prng.between(...this.#submitMs),
      endAt: Infinity,
      outcome: "succeeded",
      silent: false,
      giveUpAt: Infinity,
      linesWritten: 0,
    };
    task.job = job;
    cycle.jobIds.push(id);
    await Deno.mkdir(job.logDir, { recursive: true });
    await Deno.writeTextFile(`${job.logDir}/job.out`, "");
    await Deno.writeTextFile(`${job.logDir}/job.err`, "");
    await this.#appendLog(job, "job.out", now, `submitted ${id}`);
    this.#delta.element(wf, "jobs", id, {
      submitNum: task.submitNum,
      status: "submitted",
      platform: this.#prng.pick(PLATFORMS),
      submittedTime: iso(now),
    });
    this.#setTask(wf, task, "submitted");
  }

  #setTask(wf: string, task: Task, status: TaskStatus): void {
    task.status = status;
    this.#delta.element(wf, "taskProxies", task.id, { status });
  }

  #updateFamilies(flow: Flow, cycle: Cycle): void {
    const parentOf = new Map(flow.spec.families.map((f) => [f.name, f.parent ?? "root"]));
    const members = new Map<string, TaskStatus[]>();
    for (const task of cycle.tasks.values()) {
      // A task counts for its family and every family above it.
      let family: string | undefined = task.spec.family ?? "root";
      while (family !== undefined) {
        const list = members.get(family) ?? [];
        list.push(task.status);
        members.set(family, list);
        family = family === "root" ? undefined : parentOf.get(family);
      }
    }
    for (const [family, previous] of cycle.familyStatus) {
      const status = familyStatus(members.get(family) ?? []);
      if (status !== previous) {
        cycle.familyStatus.set(family, status);
        this.#delta.element(flow.id, "familyProxies", `${flow.id}//${cycle.point}/${family}`, {
          status,
        });
      }
    }
  }

  async #pruneOld(flow: Flow): Promise<void> {
    const done = flow.cycles.filter((cycle) => cycle.done);
    while (done.length > this.#keepCycles) {
      const cycle = done.shift()!;
      flow.cycles.splice(flow.cycles.indexOf(cycle), 1);
      const wf = flow.id;
      this.#delta.prune(wf, "taskProxies", [...cycle.tasks.values()].map((t) => t.id));
      this.#delta.prune(
        wf,
        "familyProxies",
        [...cycle.familyStatus.keys()].map((f) => `${wf}//${cycle.point}/${f}`),
      );
      this.#delta.prune(wf, "jobs", cycle.jobIds);
      this.#delta.prune(wf, "edges", cycle.edgeIds);
      await removeIfThere(cycleLogDir(this.#logRoot, wf, cycle.point));
      await removeIfThere(cycleArtifactDir(this.#artifactRoot, wf, cycle.point));
    }
  }

  async #removeFiles(flow: Flow): Promise<void> {
    // cycleLogDir(…, "x") minus "/log/job/x": the workflow's own directories.
    const logs = cycleLogDir(this.#logRoot, flow.id, "x").replace(/\/log\/job\/x$/, "");
    const artifacts = cycleArtifactDir(this.#artifactRoot, flow.id, "x").replace(/\/x$/, "");
    await removeIfThere(`${logs}/log`);
    await removeIfThere(artifacts);
  }

  async #appendLog(job: Job, file: "job.out" | "job.err", now: number, line: string) {
    await Deno.writeTextFile(`${job.logDir}/${file}`, `${iso(now)} ${line}\n`, { append: true });
  }

  async #writeArtifacts(flow: Flow, cycle: Cycle, task: Task, job: Job, now: number) {
    const names = task.spec.artifacts ?? [];
    if (names.length === 0) return;
    const dir = artifactDir(
      this.#artifactRoot,
      flow.id,
      cycle.point,
      task.spec.name,
      job.submitNum,
    );
    await Deno.mkdir(dir, { recursive: true });
    for (const name of names) {
      await Deno.writeTextFile(`${dir}/${name}`, artifactContent(name, job.id, now, this.#prng));
    }
  }
}

function isFinished(task: Task): boolean {
  return task.status === "succeeded" || task.status === "failed";
}

function familyStatus(statuses: readonly TaskStatus[]): TaskStatus {
  if (statuses.includes("running")) return "running";
  if (statuses.includes("submitted")) return "submitted";
  if (statuses.length > 0 && statuses.every((s) => s === "succeeded" || s === "failed")) {
    return statuses.includes("failed") ? "failed" : "succeeded";
  }
  return "waiting";
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function artifactContent(name: string, jobId: string, now: number, prng: Prng): string {
  const values = Array.from({ length: 5 }, () => Math.round(prng.next() * 1000) / 10);
  if (name.endsWith(".json")) {
    return JSON.stringify({ job: jobId, at: iso(now), values }, null, 2) + "\n";
  }
  if (name.endsWith(".csv")) {
    return "index,value\n" + values.map((v, i) => `${i},${v}`).join("\n") + "\n";
  }
  if (name.endsWith(".svg")) {
    const bars = values.map((v, i) =>
      `<rect x="${i * 12}" y="${100 - v}" width="10" height="${v}"/>`
    ).join("");
    return `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="100">${bars}</svg>\n`;
  }
  return `${jobId} at ${iso(now)}: ${values.join(" ")}\n`;
}

async function removeIfThere(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

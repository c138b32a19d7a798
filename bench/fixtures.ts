/**
 * Deterministic inputs for the engine benchmark: one Cylc-shaped delta of
 * about 4 KB (a workflow with 12 task proxies, each with a job and a parent)
 * and 1,000 distinct subscription documents over the model in `schema.ts`.
 *
 * Everything comes from a seeded PRNG so that every run, and every machine,
 * times exactly the same work. Run this file to print the delta's size and a
 * summary of the subscriptions:
 *
 * ```sh
 * deno run bench/fixtures.ts
 * ```
 *
 * @module
 */

/** One subscription as a client would send it: GraphQL text and variables. */
export interface SubscriptionFixture {
  /** The GraphQL document (one `subscription` operation, maybe fragments). */
  readonly query: string;
  /** Values for the operation's variables; omitted when it declares none. */
  readonly variables?: Record<string, unknown>;
}

/**
 * The workflow the delta is about.
 *
 * @example
 * ```ts
 * import { makeDelta, WORKFLOW_ID } from "./fixtures.ts";
 * console.assert(JSON.parse(makeDelta()).workflows[0].id === WORKFLOW_ID);
 * ```
 */
export const WORKFLOW_ID = "~user/flow";

/**
 * How many task proxies the delta carries.
 *
 * @example
 * ```ts
 * import { makeDelta, TASK_COUNT } from "./fixtures.ts";
 * console.assert(JSON.parse(makeDelta()).workflows[0].taskProxies.length === TASK_COUNT);
 * ```
 */
export const TASK_COUNT = 12;

/**
 * The default number of subscriptions, as the issue asks.
 *
 * @example
 * ```ts
 * import { SUBSCRIPTION_COUNT } from "./fixtures.ts";
 * console.assert(SUBSCRIPTION_COUNT === 1000);
 * ```
 */
export const SUBSCRIPTION_COUNT = 1000;

/**
 * Returns a PRNG (mulberry32) yielding floats in [0, 1). Used instead of
 * `Math.random` so fixtures are identical on every run.
 *
 * @example
 * ```ts
 * import { createRng } from "./fixtures.ts";
 * const a = createRng(7), b = createRng(7);
 * console.assert(a() === b());
 * ```
 */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Small helpers over a PRNG, so generators read as intent. */
class Dice {
  constructor(readonly next: () => number) {}
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  /** Each item kept with probability `p`; at least `min` are kept. */
  subset<T>(items: readonly T[], p: number, min = 1): T[] {
    const kept = items.filter(() => this.chance(p));
    while (kept.length < Math.min(min, items.length)) {
      const item = this.pick(items);
      if (!kept.includes(item)) kept.push(item);
    }
    // Back into declaration order, so the delta and the documents agree.
    return items.filter((item) => kept.includes(item));
  }
}

/**
 * `t01` … `t12`: the delta's task names.
 *
 * @example
 * ```ts
 * import { taskName } from "./fixtures.ts";
 * console.assert(taskName(3) === "t03");
 * ```
 */
export function taskName(i: number): string {
  return `t${String(i).padStart(2, "0")}`;
}

/**
 * The Cylc id of task `i` of cycle 1.
 *
 * @example
 * ```ts
 * import { taskId } from "./fixtures.ts";
 * console.assert(taskId(1) === "~user/flow//1/t01");
 * ```
 */
export function taskId(i: number): string {
  return `${WORKFLOW_ID}//1/${taskName(i)}`;
}

const TASK_STATUSES = ["waiting", "preparing", "submitted", "running", "succeeded", "failed"];
const JOB_STATUSES = ["submitted", "running", "succeeded", "failed"];
const PLATFORMS = ["localhost", "hpc-login-01", "hpc-batch", "cloud-spot"];
const FAMILIES = ["FAM", "FAM_POST"];

function timestamp(dice: Dice, base: number): string {
  // Seconds after 2024-05-01T12:00:00Z; formatted by hand to stay off the
  // host's time zone and locale.
  const s = base + dice.int(0, 3599);
  const mm = String(Math.floor(s / 60) % 60).padStart(2, "0");
  const ss = String(s % 60).padStart(2, "0");
  return `2024-05-01T12:${mm}:${ss}Z`;
}

/**
 * Builds the benchmark delta: `{"workflows":[{…, "taskProxies":[12 × …]}]}`,
 * about 4 KB of compact JSON.
 *
 * @example
 * ```ts
 * import { makeDelta } from "./fixtures.ts";
 * const delta = JSON.parse(makeDelta());
 * console.assert(delta.workflows[0].taskProxies.length === 12);
 * ```
 */
export function makeDelta(seed = 20240501): string {
  return buildDelta(seed, false);
}

/**
 * The workflow delta of both fixtures; with `parentFields`, the first
 * parents carry a name and a status (the high-overlap fixture), else only
 * their id.
 */
function buildDelta(seed: number, parentFields: boolean): string {
  const dice = new Dice(createRng(seed));
  const taskProxies = [];
  const totals: Record<string, number> = {};
  for (const status of TASK_STATUSES) totals[status] = 0;
  for (let i = 1; i <= TASK_COUNT; i++) {
    const status = dice.pick(TASK_STATUSES);
    totals[status]++;
    const submitNum = dice.int(1, 3);
    const family = FAMILIES[i <= 8 ? 0 : 1];
    const isHeld = dice.chance(0.15);
    const firstParent = parentFields
      ? { id: `${WORKFLOW_ID}//1/${family}`, name: family, status: dice.pick(TASK_STATUSES) }
      : { id: `${WORKFLOW_ID}//1/${family}` };
    taskProxies.push({
      id: taskId(i),
      name: taskName(i),
      cyclePoint: "1",
      status,
      isHeld,
      firstParent,
      jobs: [{
        id: `${taskId(i)}/${String(submitNum).padStart(2, "0")}`,
        submitNum,
        status: dice.pick(JOB_STATUSES),
        platform: dice.pick(PLATFORMS),
        startedTime: timestamp(dice, 0),
        lastHeartbeatTime: timestamp(dice, 60),
      }],
    });
  }
  const delta = {
    workflows: [{
      id: WORKFLOW_ID,
      name: "flow",
      status: "running",
      statusMsg: "running",
      lastHeartbeatTime: timestamp(dice, 120),
      stateTotals: totals,
      taskProxies,
    }],
  };
  return JSON.stringify(delta);
}

// ---------------------------------------------------------------------------
// Subscriptions
// ---------------------------------------------------------------------------

/** A field of the model: its child type when it has a selection. */
interface ModelField {
  readonly type?: string;
  /** Takes `ids` / `exids`. */
  readonly list?: boolean;
}

const MODEL: Record<string, Record<string, ModelField>> = {
  Subscription: {
    workflows: { type: "Workflow", list: true },
    taskProxies: { type: "TaskProxy", list: true },
    familyProxies: { type: "FamilyProxy", list: true },
    jobs: { type: "Job", list: true },
    edges: { type: "Edge", list: true },
  },
  Workflow: {
    id: {},
    name: {},
    owner: {},
    host: {},
    status: {},
    statusMsg: {},
    lastHeartbeatTime: {},
    stateTotals: {},
    taskProxies: { type: "TaskProxy", list: true },
    familyProxies: { type: "FamilyProxy", list: true },
    jobs: { type: "Job", list: true },
    edges: { type: "Edge", list: true },
    nodesEdges: { type: "NodesEdges" },
  },
  NodesEdges: {
    nodes: { type: "TaskProxy", list: true },
    edges: { type: "Edge", list: true },
  },
  TaskProxy: {
    id: {},
    name: {},
    cyclePoint: {},
    status: {},
    isHeld: {},
    firstParent: { type: "FamilyProxy" },
    jobs: { type: "Job", list: true },
  },
  FamilyProxy: {
    id: {},
    name: {},
    cyclePoint: {},
    status: {},
    firstParent: { type: "FamilyProxy" },
    childTasks: { type: "TaskProxy", list: true },
  },
  Job: {
    id: {},
    submitNum: {},
    status: {},
    platform: {},
    submittedTime: {},
    startedTime: {},
    finishedTime: {},
    lastHeartbeatTime: {},
  },
  Edge: { id: {}, source: {}, target: {} },
};

const WORKFLOW_SCALARS = [
  "name",
  "owner",
  "host",
  "status",
  "statusMsg",
  "lastHeartbeatTime",
  "stateTotals",
];
const TASK_SCALARS = ["name", "cyclePoint", "status", "isHeld"];
const FAMILY_SCALARS = ["name", "cyclePoint", "status"];
const JOB_SCALARS = [
  "submitNum",
  "status",
  "platform",
  "submittedTime",
  "startedTime",
  "finishedTime",
  "lastHeartbeatTime",
];
const OTHER_WORKFLOWS = ["~user/other", "~alice/flow", "~user/flow2", "~bob/suite"];

/** A field of a generated subscription, before it is printed. */
interface Spec {
  readonly name: string;
  readonly alias?: string;
  readonly ids?: readonly string[];
  readonly exids?: readonly string[];
  readonly children?: readonly Spec[];
}

function leaf(name: string, alias?: string): Spec {
  return alias === undefined ? { name } : { name, alias };
}

/** `id` first (as clients write it), then the chosen scalars. */
function scalars(
  dice: Dice,
  pool: readonly string[],
  p: number,
  withId: number,
  min = 1,
): Spec[] {
  const fields = dice.subset(pool, p, min).map((name) =>
    // A few clients rename a field; never `id`, whose alias semantics are
    // deliberately left out of the comparison.
    dice.chance(0.03) ? leaf(name, `my${name[0].toUpperCase()}${name.slice(1)}`) : leaf(name)
  );
  return dice.chance(withId) ? [leaf("id"), ...fields] : fields;
}

function someTaskIds(dice: Dice, max: number): string[] {
  const picked = new Set<string>();
  const n = dice.int(1, max);
  while (picked.size < n) {
    // Now and then a task that is not in this delta (e.g. another cycle).
    picked.add(
      dice.chance(0.1) ? `${WORKFLOW_ID}//2/${taskName(dice.int(1, 12))}` : taskId(
        dice.int(1, TASK_COUNT),
      ),
    );
  }
  return [...picked];
}

function jobsSpec(dice: Dice, filter: boolean): Spec {
  const children = scalars(dice, JOB_SCALARS, 0.45, 0.85);
  if (filter && dice.chance(0.2)) {
    const i = dice.int(1, TASK_COUNT);
    return { name: "jobs", exids: [`${taskId(i)}/01`], children };
  }
  return { name: "jobs", children };
}

function taskSpec(dice: Dice, name: string, ids?: string[]): Spec {
  const children = scalars(dice, TASK_SCALARS, 0.5, 0.9);
  if (dice.chance(0.35)) {
    children.push({ name: "firstParent", children: scalars(dice, FAMILY_SCALARS, 0.3, 1) });
  }
  if (dice.chance(0.55)) children.push(jobsSpec(dice, true));
  return ids === undefined ? { name, children } : { name, ids, children };
}

function workflowFilter(dice: Dice): Pick<Spec, "ids" | "exids"> {
  const r = dice.next();
  if (r < 0.55) return { ids: [WORKFLOW_ID] };
  if (r < 0.65) return { ids: [WORKFLOW_ID, dice.pick(OTHER_WORKFLOWS)] };
  if (r < 0.75) return { exids: [dice.pick(OTHER_WORKFLOWS)] };
  return {};
}

/**
 * The kinds of client the issue has in mind: weight, operation name, and
 * field choices.
 */
const PROFILES: readonly [number, string, (dice: Dice) => Spec[]][] = [
  // Tree view: the workflow, its tasks, their parents and jobs.
  [0.26, "TreeView", (dice) => {
    const children = scalars(dice, WORKFLOW_SCALARS, 0.3, 0.9);
    const taskIds = dice.chance(0.25) ? someTaskIds(dice, 8) : undefined;
    children.push(taskSpec(dice, "taskProxies", taskIds));
    if (dice.chance(0.3)) {
      children.push({ name: "familyProxies", children: scalars(dice, FAMILY_SCALARS, 0.6, 1) });
    }
    return [{ name: "workflows", ...workflowFilter(dice), children }];
  }],
  // Dashboard: workflow-level fields only.
  [0.14, "Dashboard", (dice) => [{
    name: "workflows",
    ...workflowFilter(dice),
    children: scalars(dice, WORKFLOW_SCALARS, 0.5, 0.9),
  }]],
  // Task detail panel: one to three tasks of one workflow.
  [0.22, "TaskDetail", (dice) => [{
    name: "workflows",
    ids: [WORKFLOW_ID],
    children: [leaf("id"), taskSpec(dice, "taskProxies", someTaskIds(dice, 3))],
  }]],
  // Job log view: jobs reached through tasks, or the workflow's own list.
  [0.1, "JobLog", (dice) => {
    const inner = dice.chance(0.75)
      ? {
        name: "taskProxies",
        ...(dice.chance(0.5) ? { ids: someTaskIds(dice, 4) } : {}),
        children: [leaf("id"), jobsSpec(dice, true)],
      }
      : jobsSpec(dice, false);
    return [{ name: "workflows", ids: [WORKFLOW_ID], children: [leaf("id"), inner] }];
  }],
  // Graph view: edges, which this delta does not touch.
  [0.08, "GraphView", (dice) => {
    const edges = { name: "edges", children: scalars(dice, ["source", "target"], 0.7, 1) };
    const children = dice.chance(0.5) ? [leaf("id"), edges] : [leaf("id"), {
      name: "nodesEdges",
      children: [{ name: "nodes", children: scalars(dice, TASK_SCALARS, 0.5, 1) }, edges],
    }];
    return [{ name: "workflows", ...workflowFilter(dice), children }];
  }],
  // Another workflow altogether, or everything but this one.
  [0.1, "OtherWorkflows", (dice) => {
    const children = scalars(dice, WORKFLOW_SCALARS, 0.4, 0.9);
    if (dice.chance(0.5)) children.push(taskSpec(dice, "taskProxies"));
    const filter = dice.chance(0.7)
      ? { ids: dice.subset(OTHER_WORKFLOWS, 0.4) }
      : { exids: [WORKFLOW_ID, dice.pick(OTHER_WORKFLOWS)] };
    return [{ name: "workflows", ...filter, children }];
  }],
  // Existence: which tasks (and jobs) are there at all.
  [0.05, "TaskList", (dice) => {
    const tasks: Spec = dice.chance(0.5) ? { name: "taskProxies", children: [leaf("id")] } : {
      name: "taskProxies",
      ...(dice.chance(0.5) ? { ids: someTaskIds(dice, 6) } : {}),
      children: [leaf("id"), { name: "jobs", children: [leaf("id")] }],
    };
    return [{ name: "workflows", ...workflowFilter(dice), children: [leaf("id"), tasks] }];
  }],
  // Root-level lists that this delta does not carry.
  [0.05, "RootLists", (dice) => {
    const name = dice.pick(["taskProxies", "jobs", "familyProxies"]);
    const pool = name === "jobs"
      ? JOB_SCALARS
      : name === "taskProxies"
      ? TASK_SCALARS
      : FAMILY_SCALARS;
    return [{ name, ids: someTaskIds(dice, 3), children: scalars(dice, pool, 0.5, 1) }];
  }],
];

function generateSpec(dice: Dice): [string, Spec[]] {
  let r = dice.next();
  for (const [weight, name, make] of PROFILES) {
    if (r < weight) return [name, make(dice)];
    r -= weight;
  }
  return [PROFILES[0][1], PROFILES[0][2](dice)];
}

/** A canonical key (fields sorted by response key) to keep sets distinct. */
function canonical(specs: readonly Spec[]): string {
  const sorted = [...specs].sort((a, b) => key(a) < key(b) ? -1 : 1);
  return sorted.map((s) => {
    const args = [
      s.ids ? `ids:${[...new Set(s.ids)].sort()}` : "",
      s.exids ? `exids:${[...new Set(s.exids)].sort()}` : "",
    ].join(";");
    return `${key(s)}=${s.name}(${args})${s.children ? `{${canonical(s.children)}}` : ""}`;
  }).join(",");
}

function key(spec: Spec): string {
  return spec.alias ?? spec.name;
}

/** Prints a spec as a document, with the variety real clients show. */
class Printer {
  readonly #dice: Dice;
  readonly #varDefs: string[] = [];
  readonly #variables: Record<string, unknown> = {};
  readonly #fragments: string[] = [];
  #fragmentCount = 0;

  constructor(dice: Dice) {
    this.#dice = dice;
  }

  print(operationName: string, specs: readonly Spec[]): SubscriptionFixture {
    const body = this.#selection(specs, "Subscription", 1);
    const name = this.#dice.chance(0.6) ? ` ${operationName}` : "";
    const vars = this.#varDefs.length > 0 ? `(${this.#varDefs.join(", ")})` : "";
    const head = name === "" && vars === "" ? "subscription" : `subscription${name}${vars}`;
    const query = [`${head} {`, ...body, "}", ...this.#fragments].join("\n") + "\n";
    return Object.keys(this.#variables).length > 0
      ? { query, variables: this.#variables }
      : { query };
  }

  #variable(type: string, value: unknown): string {
    const name = `v${this.#varDefs.length}`;
    this.#varDefs.push(`$${name}: ${type}`);
    this.#variables[name] = value;
    return `$${name}`;
  }

  /** A Boolean variable: given a value, or left to its default. */
  #flag(value: boolean): string {
    if (this.#dice.chance(0.5)) return this.#variable("Boolean!", value);
    const name = `v${this.#varDefs.length}`;
    this.#varDefs.push(`$${name}: Boolean = ${value}`);
    return `$${name}`;
  }

  #args(spec: Spec): string {
    const out: string[] = [];
    for (const arg of ["ids", "exids"] as const) {
      const ids = spec[arg];
      if (ids === undefined) continue;
      const r = this.#dice.next();
      if (r < 0.25) out.push(`${arg}: ${this.#variable("[ID]", ids)}`);
      else if (r < 0.35 && ids.length === 1) {
        out.push(`${arg}: [${this.#variable("ID", ids[0])}]`);
      } else if (r < 0.4 && ids.length === 1) out.push(`${arg}: ${JSON.stringify(ids[0])}`);
      else out.push(`${arg}: [${ids.map((id) => JSON.stringify(id)).join(", ")}]`);
    }
    return out.length > 0 ? `(${out.join(", ")})` : "";
  }

  #field(spec: Spec, type: string, depth: number): string[] {
    const pad = "  ".repeat(depth);
    const alias = spec.alias === undefined ? "" : `${spec.alias}: `;
    let directive = "";
    // GraphQL forbids @skip / @include on a subscription's root field.
    if (type !== "Subscription" && this.#dice.chance(0.04)) {
      // Directives that keep the field, through a variable or a literal.
      const r = this.#dice.next();
      directive = r < 0.4
        ? ` @include(if: ${this.#flag(true)})`
        : r < 0.8
        ? ` @skip(if: ${this.#flag(false)})`
        : " @include(if: true)";
    }
    const head = `${pad}${alias}${spec.name}${this.#args(spec)}${directive}`;
    if (spec.children === undefined) return [head];
    const childType = MODEL[type][spec.name].type!;
    return [`${head} {`, ...this.#selection(spec.children, childType, depth + 1), `${pad}}`];
  }

  #selection(specs: readonly Spec[], type: string, depth: number): string[] {
    const pad = "  ".repeat(depth);
    const lines: string[] = [];
    // A field the client asked for and then switched off: it must not count.
    if (type !== "Subscription" && this.#dice.chance(0.05)) {
      const unused = Object.keys(MODEL[type]).filter((name) =>
        MODEL[type][name].type === undefined && !specs.some((s) => key(s) === name)
      );
      if (unused.length > 0) {
        const flag = this.#dice.chance(0.5)
          ? `@skip(if: ${this.#flag(true)})`
          : "@include(if: false)";
        lines.push(`${pad}${this.#dice.pick(unused)} ${flag}`);
      }
    }
    const r = this.#dice.next();
    if (specs.length < 2 || type === "Subscription" || r >= 0.2) {
      for (const spec of specs) lines.push(...this.#field(spec, type, depth));
      return lines;
    }
    // Split the selection between a fragment and inline fields, as UI code
    // that shares fragments does. A relation present on both sides (with its
    // sub-selection split too) exercises the merging of equal response keys.
    const [inFragment, inline] = this.#split(specs);
    if (r < 0.12) {
      const name = `${type}Fields${this.#fragmentCount++}`;
      const body = inFragment.flatMap((spec) => this.#field(spec, type, 1));
      this.#fragments.push(`fragment ${name} on ${type} {`, ...body, "}");
      lines.push(`${pad}...${name}`);
    } else {
      lines.push(`${pad}... on ${type} {`);
      for (const spec of inFragment) lines.push(...this.#field(spec, type, depth + 1));
      lines.push(`${pad}}`);
    }
    for (const spec of inline) lines.push(...this.#field(spec, type, depth));
    return lines;
  }

  #split(specs: readonly Spec[]): [Spec[], Spec[]] {
    const a: Spec[] = [];
    const b: Spec[] = [];
    for (const spec of specs) {
      const kids = spec.children;
      const plain = spec.ids === undefined && spec.exids === undefined && spec.alias === undefined;
      if (kids !== undefined && kids.length >= 2 && plain && this.#dice.chance(0.5)) {
        const cut = this.#dice.int(1, kids.length - 1);
        a.push({ ...spec, children: kids.slice(0, cut) });
        b.push({ ...spec, children: kids.slice(cut) });
      } else (this.#dice.chance(0.5) ? a : b).push(spec);
    }
    if (a.length === 0) a.push(b.shift()!);
    if (b.length === 0) b.push(a.pop()!);
    return [a, b];
  }
}

/**
 * Builds `count` subscriptions whose field sets are pairwise distinct. Most
 * overlap the delta from {@linkcode makeDelta} (so the benchmark does real
 * work); some select only what it lacks or filter it out.
 *
 * @example
 * ```ts
 * import { makeSubscriptions } from "./fixtures.ts";
 * const subs = makeSubscriptions(10);
 * console.assert(subs.length === 10 && subs[0].query.startsWith("subscription"));
 * ```
 */
export function makeSubscriptions(count = SUBSCRIPTION_COUNT, seed = 1000): SubscriptionFixture[] {
  return distinct(count, seed, generateSpec);
}

/** `count` printed subscriptions from `generate`, whose field sets are pairwise distinct. */
function distinct(
  count: number,
  seed: number,
  generate: (dice: Dice) => [string, Spec[]],
): SubscriptionFixture[] {
  const dice = new Dice(createRng(seed));
  const seen = new Set<string>();
  const out: SubscriptionFixture[] = [];
  for (let attempts = 0; out.length < count; attempts++) {
    if (attempts > count * 100) throw new Error(`only ${out.length} distinct sets found`);
    const [name, specs] = generate(dice);
    const id = canonical(specs);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(new Printer(dice).print(name, specs));
  }
  return out;
}

// ---------------------------------------------------------------------------
// The high-overlap fixture
// ---------------------------------------------------------------------------

/**
 * Builds the high-overlap benchmark delta: like {@linkcode makeDelta}'s, a
 * workflow with 12 task proxies, each with a job and a parent, but the
 * parents carry fields of their own (so views of them overlap too): about
 * 4.4 KB of compact JSON.
 *
 * @example
 * ```ts
 * import { makeHighOverlapDelta } from "./fixtures.ts";
 * const delta = JSON.parse(makeHighOverlapDelta());
 * console.assert(delta.workflows[0].taskProxies[0].firstParent.name !== undefined);
 * ```
 */
export function makeHighOverlapDelta(seed = 20241124): string {
  return buildDelta(seed, true);
}

// The leaves each level of the high-overlap delta carries: what its views
// draw from (a view of a field the delta lacks would not add overlap).
const HIGH_WORKFLOW_SCALARS = [
  "name",
  "status",
  "statusMsg",
  "lastHeartbeatTime",
  "stateTotals",
];
const HIGH_FAMILY_SCALARS = ["name", "status"];
const HIGH_JOB_SCALARS = ["submitNum", "status", "platform", "startedTime", "lastHeartbeatTime"];

/** A view of the workflow's tasks: random leaves at every level. */
function highOverlapSpec(dice: Dice): Spec[] {
  // Two task leaves at least, and a parent or jobs: every view's output is
  // then over 1 KB.
  const task = scalars(dice, TASK_SCALARS, 0.6, 0.7, 2);
  const parent = dice.chance(0.6);
  if (parent) {
    task.push({ name: "firstParent", children: scalars(dice, HIGH_FAMILY_SCALARS, 0.5, 0.8) });
  }
  if (dice.chance(0.75) || !parent) {
    task.push({ name: "jobs", children: scalars(dice, HIGH_JOB_SCALARS, 0.5, 0.8) });
  }
  const children = scalars(dice, HIGH_WORKFLOW_SCALARS, 0.4, 0.8);
  children.push({ name: "taskProxies", children: task });
  const filter = dice.chance(0.5) ? { ids: [WORKFLOW_ID] } : {};
  return [{ name: "workflows", ...filter, children }];
}

/**
 * Builds `count` distinct subscriptions that **all** overlap
 * {@linkcode makeHighOverlapDelta}'s delta, each with 1–4 KB of output: the
 * views of one workflow that a UI really holds. Each draws random leaves of
 * the workflow, its task proxies, their jobs and first parents, and is
 * printed with the same variety (fragments, variables, directives) as
 * {@linkcode makeSubscriptions}'s.
 *
 * @example
 * ```ts
 * import { makeHighOverlapSubscriptions } from "./fixtures.ts";
 * const subs = makeHighOverlapSubscriptions(10);
 * console.assert(subs.length === 10 && subs[0].query.includes("taskProxies"));
 * ```
 */
export function makeHighOverlapSubscriptions(
  count = SUBSCRIPTION_COUNT,
  seed = 4400,
): SubscriptionFixture[] {
  return distinct(count, seed, (dice) => ["WorkflowView", highOverlapSpec(dice)]);
}

/**
 * The benchmark's workloads:
 *
 * - `mixed`: {@linkcode makeDelta} against {@linkcode makeSubscriptions}
 *   (737 of 1,000 overlap it);
 * - `highOverlap`: {@linkcode makeHighOverlapDelta} against
 *   {@linkcode makeHighOverlapSubscriptions} (all 1,000 overlap it, 1–4 KB
 *   of output each).
 *
 * @example
 * ```ts
 * import { FIXTURES } from "./fixtures.ts";
 * console.assert(FIXTURES.includes("highOverlap"));
 * ```
 */
export const FIXTURES = ["mixed", "highOverlap"] as const;

/** One of {@linkcode FIXTURES}. */
export type Fixture = typeof FIXTURES[number];

/**
 * A fixture's delta and (the first `count` of) its subscriptions.
 *
 * @example
 * ```ts
 * import { makeFixture } from "./fixtures.ts";
 * const { deltaJson, subscriptions } = makeFixture("highOverlap", 5);
 * console.assert(deltaJson.startsWith("{") && subscriptions.length === 5);
 * ```
 */
export function makeFixture(
  fixture: Fixture,
  count = SUBSCRIPTION_COUNT,
): { deltaJson: string; subscriptions: SubscriptionFixture[] } {
  return fixture === "highOverlap"
    ? { deltaJson: makeHighOverlapDelta(), subscriptions: makeHighOverlapSubscriptions(count) }
    : { deltaJson: makeDelta(), subscriptions: makeSubscriptions(count) };
}

if (import.meta.main) {
  const delta = makeDelta();
  const subs = makeSubscriptions();
  const bytes = new TextEncoder().encode(delta).length;
  console.log(`delta: ${bytes} bytes (${(bytes / 1024).toFixed(2)} KiB)`);
  console.log(`subscriptions: ${subs.length}`);
  const withVars = subs.filter((s) => s.variables !== undefined).length;
  const withFragments = subs.filter((s) => s.query.includes("...")).length;
  console.log(`  with variables: ${withVars}, with fragments: ${withFragments}`);
  console.log(
    `  mean document size: ${
      Math.round(subs.reduce((n, s) => n + s.query.length, 0) / subs.length)
    } chars`,
  );
  console.log("\nfirst delta bytes:\n" + delta.slice(0, 400) + "…");
  console.log("\nsample subscriptions:");
  for (const s of subs.slice(0, 4)) {
    console.log(s.query + (s.variables ? `variables: ${JSON.stringify(s.variables)}\n` : ""));
  }
}

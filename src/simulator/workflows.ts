/**
 * The workflows the simulator runs: families, tasks and their dependencies,
 * and how cycle points are named. Plain data, so tests can use smaller ones.
 *
 * @module
 */

/** One task of a workflow's graph. */
export interface TaskSpec {
  /** Task name (unique in the workflow). */
  readonly name: string;
  /** The family it belongs to; `root` when absent. */
  readonly family?: string;
  /** Tasks of the same cycle point that must succeed first. */
  readonly after?: readonly string[];
  /** Whether it waits for itself at the previous cycle point (`foo[-P1] => foo`). */
  readonly afterPrevious?: boolean;
  /** Names of the small artifacts a successful job writes. */
  readonly artifacts?: readonly string[];
}

/** A family: a named group of tasks, nested under `root` or another family. */
export interface FamilySpec {
  /** Family name, upper case by Cylc convention. */
  readonly name: string;
  /** Parent family; `root` when absent. */
  readonly parent?: string;
}

/** One simulated workflow. */
export interface WorkflowSpec {
  /** The flow name (may contain `/`); the id is `~<owner>/<name>`. */
  readonly name: string;
  /** Families besides `root`, parents before children. */
  readonly families: readonly FamilySpec[];
  /** Tasks, each after the tasks it depends on. */
  readonly tasks: readonly TaskSpec[];
  /** `integer` (1, 2, 3 …) or `datetime` (20240101T0000Z, every 6 hours). */
  readonly cycling: "integer" | "datetime";
}

/** The owner of every simulated workflow: ids are `~sim/<name>`. */
export const SIM_OWNER = "sim";

/** The workflows `deno task demo` and `deno task start` run. */
export const DEFAULT_WORKFLOWS: readonly WorkflowSpec[] = [
  {
    name: "forecast",
    cycling: "datetime",
    families: [{ name: "MODELS" }, { name: "POST" }],
    tasks: [
      { name: "get_obs", afterPrevious: true, artifacts: ["obs.csv"] },
      { name: "prep", after: ["get_obs"] },
      { name: "model_a", family: "MODELS", after: ["prep"], artifacts: ["fields.json"] },
      { name: "model_b", family: "MODELS", after: ["prep"], artifacts: ["fields.json"] },
      { name: "post_a", family: "POST", after: ["model_a"], artifacts: ["plot.svg"] },
      { name: "post_b", family: "POST", after: ["model_b"], artifacts: ["plot.svg"] },
      { name: "archive", after: ["post_a", "post_b"], artifacts: ["manifest.json"] },
    ],
  },
  {
    name: "ingest/daily",
    cycling: "integer",
    families: [{ name: "FETCH" }],
    tasks: [
      { name: "fetch_eu", family: "FETCH", artifacts: ["raw.csv"] },
      { name: "fetch_us", family: "FETCH", artifacts: ["raw.csv"] },
      { name: "validate", after: ["fetch_eu", "fetch_us"], artifacts: ["report.txt"] },
      { name: "load", after: ["validate"], afterPrevious: true },
    ],
  },
  {
    name: "train",
    cycling: "integer",
    families: [{ name: "TRAIN" }, { name: "SHARDS", parent: "TRAIN" }],
    tasks: [
      { name: "split", artifacts: ["split.json"] },
      { name: "shard_1", family: "SHARDS", after: ["split"] },
      { name: "shard_2", family: "SHARDS", after: ["split"] },
      { name: "shard_3", family: "SHARDS", after: ["split"] },
      { name: "merge", family: "TRAIN", after: ["shard_1", "shard_2", "shard_3"] },
      { name: "evaluate", after: ["merge"], artifacts: ["metrics.json"] },
    ],
  },
];

const SIX_HOURS = 6 * 3600_000;
const DATETIME_START = Date.UTC(2024, 0, 1);

/**
 * The name of the `index`-th cycle point (from 0) of a workflow.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cyclePoint } from "./workflows.ts";
 * assert.equal(cyclePoint("integer", 0), "1");
 * assert.equal(cyclePoint("datetime", 1), "20240101T0600Z");
 * ```
 */
export function cyclePoint(cycling: WorkflowSpec["cycling"], index: number): string {
  if (cycling === "integer") return String(index + 1);
  const iso = new Date(DATETIME_START + index * SIX_HOURS).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${
    iso.slice(14, 16)
  }Z`;
}

/**
 * Checks a spec: unique names, known families and dependencies, parents
 * before children. Throws a `TypeError` saying what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_WORKFLOWS, checkWorkflowSpec } from "./workflows.ts";
 * for (const spec of DEFAULT_WORKFLOWS) checkWorkflowSpec(spec);
 * assert.throws(
 *   () => checkWorkflowSpec({ name: "x", cycling: "integer", families: [], tasks: [{ name: "a", after: ["b"] }] }),
 *   /task "a" depends on "b", which is not an earlier task/,
 * );
 * ```
 */
export function checkWorkflowSpec(spec: WorkflowSpec): void {
  const where = `workflow ${JSON.stringify(spec.name)}`;
  const families = new Set(["root"]);
  for (const family of spec.families) {
    if (families.has(family.name)) {
      throw new TypeError(`${where}: family ${JSON.stringify(family.name)} is defined twice`);
    }
    if (!families.has(family.parent ?? "root")) {
      throw new TypeError(
        `${where}: family ${JSON.stringify(family.name)} has parent ${
          JSON.stringify(family.parent)
        }, which is not an earlier family`,
      );
    }
    families.add(family.name);
  }
  const tasks = new Set<string>();
  for (const task of spec.tasks) {
    if (tasks.has(task.name) || families.has(task.name)) {
      throw new TypeError(`${where}: the name ${JSON.stringify(task.name)} is used twice`);
    }
    if (!families.has(task.family ?? "root")) {
      throw new TypeError(
        `${where}: task ${JSON.stringify(task.name)} is in family ${
          JSON.stringify(task.family)
        }, which is not defined`,
      );
    }
    for (const parent of task.after ?? []) {
      if (!tasks.has(parent)) {
        throw new TypeError(
          `${where}: task ${JSON.stringify(task.name)} depends on ${
            JSON.stringify(parent)
          }, which is not an earlier task`,
        );
      }
    }
    tasks.add(task.name);
  }
  if (tasks.size === 0) throw new TypeError(`${where}: expected at least one task, got none`);
}

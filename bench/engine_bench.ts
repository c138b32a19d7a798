/**
 * The engine benchmark (`deno task bench`, then `report.ts`): on each
 * fixture (the mixed one, ~4 KB delta against 1,000 distinct subscriptions of
 * which 737 overlap it, and the high-overlap one, ~4.4 KB delta against 1,000
 * views that all overlap it; see `setup.ts`), side by side:
 *
 * - (a) the wasm engine's `Sieve.filter` (the baseline of each group);
 * - (b) a well-written pure-TS filter (`ts_filter.ts`): `JSON.parse` once,
 *   then a walk and a `JSON.stringify` per set;
 * - (c) graphql-js `executeSubscriptionEvent` and `JSON.stringify` per
 *   subscriber, which is what GraphQL servers do today.
 *
 * The targets: (a) at least 5× faster than (b) and 50× faster than
 * (c). Deno prints the ratios in each group's summary. Per-set memory is
 * reported by `memory.ts`; `report.ts` prints everything as one table.
 *
 * @module
 */
import { parse, validate } from "graphql";
import { intersectJson, merge, parseSubscription, printSubscription } from "../wasm/mod.ts";
import { WORKFLOW_ID } from "./fixtures.ts";
import { executeForAll, prepareSubscribers } from "./graphql_execute.ts";
import { buildBenchSchema } from "./schema.ts";
import { contenders, setupBench } from "./setup.ts";
import { compileSubscription, filterJson } from "./ts_filter.ts";

const setup = setupBench();
const high = setupBench(undefined, "highOverlap");
const { deltaJson } = setup;

// Results go here so that no contender's work is dead code to the JIT.
const sink: unknown[] = [];

// The fan-out, on each fixture: (a) against (b) and (c).
for (const fixture of [setup, high]) {
  const run = contenders(fixture);
  const group = `${fixture.fixture}: ${fixture.subscriptions.length} subscriptions × ` +
    `${fixture.deltaBytes}-byte delta`;
  Deno.bench({
    name: "(a) wasm Sieve.filter",
    group,
    baseline: true,
    fn() {
      sink[0] = run.sieve();
    },
  });
  Deno.bench({
    name: "(b) TS: JSON.parse once, filter + JSON.stringify per set",
    group,
    fn() {
      sink[1] = run.ts();
    },
  });
  Deno.bench({
    name: "(c) graphql-js executeSubscriptionEvent + JSON.stringify per subscriber",
    group,
    fn() {
      sink[2] = run.graphql();
    },
  });
}

// One subscriber, as a tree view would hold it: the whole workflow's tasks
// with their parents and jobs (most of the delta overlaps).
const TREE_VIEW = `
subscription TreeView($workflowId: ID) {
  workflows(ids: [$workflowId]) {
    id
    status
    stateTotals
    taskProxies {
      id
      name
      cyclePoint
      status
      isHeld
      firstParent { id }
      jobs { id submitNum status platform startedTime }
    }
  }
}`;
const TREE_VARS = { workflowId: WORKFLOW_ID };

// A task panel for two tasks, to merge with the tree view.
const TASK_PANEL = `
subscription TaskDetail($tasks: [ID]) {
  workflows(ids: "${WORKFLOW_ID}") {
    taskProxies(ids: $tasks) { status jobs { status lastHeartbeatTime } }
  }
}`;
const TASK_VARS = { tasks: [`${WORKFLOW_ID}//1/t03`, `${WORKFLOW_ID}//1/t07`] };

const treeSet = parseSubscription(TREE_VIEW, TREE_VARS);
const treeCompiled = compileSubscription(TREE_VIEW, TREE_VARS);
const schema = buildBenchSchema();
const [treeGraphql] = prepareSubscribers(schema, [{ query: TREE_VIEW, variables: TREE_VARS }]);
const ONE = "1 subscription (tree view) × 4 KB delta";

Deno.bench({
  name: "(a) wasm intersectJson",
  group: ONE,
  baseline: true,
  fn() {
    sink[3] = intersectJson(deltaJson, treeSet);
  },
});

Deno.bench({
  name: "(b) TS: JSON.parse, filter, JSON.stringify",
  group: ONE,
  fn() {
    sink[4] = filterJson(deltaJson, treeCompiled);
  },
});

Deno.bench({
  name: "(c) graphql-js: JSON.parse, execute, JSON.stringify",
  group: ONE,
  fn() {
    sink[5] = executeForAll([treeGraphql], deltaJson);
  },
});

const PARSE = "parse one subscription (tree view)";

Deno.bench({
  name: "(a) wasm parseSubscription",
  group: PARSE,
  baseline: true,
  fn() {
    using set = parseSubscription(TREE_VIEW, TREE_VARS);
    sink[6] = set;
  },
});

Deno.bench({
  name: "(b) TS compileSubscription (graphql-js parse + compile)",
  group: PARSE,
  fn() {
    sink[7] = compileSubscription(TREE_VIEW, TREE_VARS);
  },
});

Deno.bench({
  name: "(c) graphql-js parse + validate",
  group: PARSE,
  fn() {
    const document = parse(TREE_VIEW);
    sink[8] = validate(schema, document);
  },
});

Deno.bench({
  name: "wasm parse ×2 + merge + printSubscription (tree view ∪ task panel)",
  group: "merge",
  fn() {
    using a = parseSubscription(TREE_VIEW, TREE_VARS);
    using b = parseSubscription(TASK_PANEL, TASK_VARS);
    using merged = merge(a, b);
    sink[9] = printSubscription(merged);
  },
});

// The bench runner gives no teardown hook; the process exits after the last
// bench, which frees the engine's memory with it. Unload is the closest.
globalThis.addEventListener("unload", () => {
  treeSet.dispose();
  setup.dispose();
  high.dispose();
});

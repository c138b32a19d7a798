import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { assembleEvent, type ChangeRow } from "./event_delta.ts";

const W = "~u/f";
const AT = "2024-01-02 03:04:05.678+00";

function row(
  tbl: string,
  op: "i" | "u" | "d",
  id: string,
  data: Record<string, unknown> | null,
  extra: Partial<ChangeRow> = {},
): ChangeRow {
  return { seq: 9, at: AT, tbl, op, id, workflow_id: W, task_id: null, data, ...extra };
}

Deno.test("assembleEvent: a job alone nests under an id-only task, not in nodes", () => {
  const event = assembleEvent([
    row("jobs", "u", `${W}//1/a/01`, {
      status: "failed",
      finished_time: "2024-01-02T03:04:05+00:00",
    }, {
      task_id: `${W}//1/a`,
    }),
  ]);
  const job = { id: `${W}//1/a/01`, status: "failed", finishedTime: "2024-01-02T03:04:05.000Z" };
  assertEquals(event, {
    seq: 9,
    at: "2024-01-02T03:04:05.678Z",
    delta: { workflows: [{ id: W, taskProxies: [{ id: `${W}//1/a`, jobs: [job] }], jobs: [job] }] },
    pruned: [],
    workflowIds: [W],
  });
});

Deno.test("assembleEvent: a task changed with its job; only new tasks appear in nodes", () => {
  const event = assembleEvent([
    row("jobs", "u", `${W}//1/a/01`, { status: "running" }, { task_id: `${W}//1/a` }),
    row("task_proxies", "u", `${W}//1/a`, { status: "running", first_parent: null }),
  ]);
  const job = { id: `${W}//1/a/01`, status: "running" };
  const task = { id: `${W}//1/a`, status: "running", firstParent: null, jobs: [job] };
  assertEquals(event.delta, {
    workflows: [{ id: W, taskProxies: [task], jobs: [job] }],
  });
  const created = assembleEvent([row("task_proxies", "i", `${W}//1/b`, { name: "b" })]);
  const node = { id: `${W}//1/b`, name: "b" };
  assertEquals(created.delta, {
    workflows: [{ id: W, taskProxies: [node], nodesEdges: { nodes: [node] } }],
  });
});

Deno.test("assembleEvent: edges, families and workflow fields; repeated changes merge", () => {
  const edge = { id: `${W}//$edge|1/a|1/b`, source: `${W}//1/a`, target: `${W}//1/b` };
  const event = assembleEvent([
    row("family_proxies", "u", `${W}//1/F`, { name: "F", first_parent: `${W}//1/root` }),
    row("edges", "u", edge.id, { source: edge.source, target: edge.target }),
    row("workflows", "u", W, { status: "running", state_totals: { running: 1 } }),
    row("workflows", "u", W, { status: "held" }),
  ]);
  assertEquals(event.delta, {
    workflows: [{
      id: W,
      status: "held",
      stateTotals: { running: 1 },
      familyProxies: [{ id: `${W}//1/F`, name: "F", firstParent: { id: `${W}//1/root` } }],
      edges: [edge],
      nodesEdges: { edges: [edge] },
    }],
  });
});

Deno.test("assembleEvent: prunes; a workflow with only prunes is not in the delta", () => {
  const event = assembleEvent([
    row("task_proxies", "d", `${W}//1/a`, null),
    row("workflows", "u", "~u/g", { status: "x" }, { workflow_id: "~u/g" }),
    row("jobs", "d", `${W}//1/a/01`, null, { task_id: `${W}//1/a` }),
  ]);
  assertEquals(event.delta, { workflows: [{ id: "~u/g", status: "x" }] });
  assertEquals(event.pruned, [
    { kind: "taskProxies", id: `${W}//1/a`, workflowId: W },
    { kind: "jobs", id: `${W}//1/a/01`, workflowId: W },
  ]);
  assertEquals(event.workflowIds, [W, "~u/g"]);
});

Deno.test("assembleEvent: deleted then created again is an upsert, not a prune", () => {
  const event = assembleEvent([
    row("task_proxies", "d", `${W}//1/a`, null),
    row("task_proxies", "u", `${W}//1/a`, { name: "a" }),
  ]);
  assertEquals(event.pruned, []);
  assertEquals(event.delta.workflows[0].taskProxies, [{ id: `${W}//1/a`, name: "a" }]);
});

Deno.test("assembleEvent: refuses no rows and unknown tables", () => {
  assertThrows(() => assembleEvent([]), RangeError, "at least one change row");
  assertThrows(() => assembleEvent([row("nope", "u", W, {})]), RangeError, 'unknown table "nope"');
});

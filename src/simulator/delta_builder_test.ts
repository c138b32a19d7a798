import { assertEquals } from "../../tests/assert.ts";
import { DeltaBuilder } from "./delta_builder.ts";

const WF = "~sim/f";

Deno.test("changes merge per element, kinds are listed in a fixed order", () => {
  const delta = new DeltaBuilder();
  delta.element(WF, "edges", `${WF}//$edge|1/a|1/b`, {
    source: `${WF}//1/a`,
    target: `${WF}//1/b`,
  });
  delta.element(WF, "taskProxies", `${WF}//1/a`, { name: "a", status: "waiting" });
  delta.element(WF, "taskProxies", `${WF}//1/a`, { status: "submitted" });
  delta.workflow(WF, { stateTotals: { waiting: 1 } });
  assertEquals(delta.body(), {
    workflows: [{
      id: WF,
      stateTotals: { waiting: 1 },
      taskProxies: [{ id: `${WF}//1/a`, name: "a", status: "submitted" }],
      edges: [{ id: `${WF}//$edge|1/a|1/b`, source: `${WF}//1/a`, target: `${WF}//1/b` }],
    }],
  });
});

Deno.test("pruning drops pending changes of the element and of a pruned workflow", () => {
  const delta = new DeltaBuilder();
  delta.element(WF, "jobs", `${WF}//1/a/01`, { status: "running" });
  delta.element(WF, "jobs", `${WF}//1/b/01`, { status: "running" });
  delta.prune(WF, "jobs", [`${WF}//1/a/01`]);
  delta.workflow("~sim/g", { status: "running" });
  delta.prune("", "workflows", ["~sim/g"]);
  assertEquals(delta.body(), {
    workflows: [{ id: WF, jobs: [{ id: `${WF}//1/b/01`, status: "running" }] }],
    pruned: { jobs: [`${WF}//1/a/01`], workflows: ["~sim/g"] },
  });
  delta.prune(WF, "jobs", []);
  delta.clear();
  assertEquals(delta.body(), undefined);
});

Deno.test("a body that failed to send merges with later changes", () => {
  const delta = new DeltaBuilder();
  delta.element(WF, "jobs", `${WF}//1/a/01`, { status: "submitted", submitNum: 1 });
  const first = delta.body();
  delta.element(WF, "jobs", `${WF}//1/a/01`, { status: "running" });
  assertEquals(first?.workflows[0].jobs, [{
    id: `${WF}//1/a/01`,
    status: "submitted",
    submitNum: 1,
  }]);
  assertEquals(delta.body()?.workflows[0].jobs, [
    { id: `${WF}//1/a/01`, status: "running", submitNum: 1 },
  ]);
});

import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { Store, taskOf, workflowOf } from "./store.ts";

Deno.test("workflowOf and taskOf read Cylc ids", () => {
  assertEquals(workflowOf("~u/a/b//1/foo/01"), "~u/a/b");
  assertEquals(workflowOf("~u/f"), "~u/f");
  assertEquals(taskOf("~u/f//1/foo/01"), "~u/f//1/foo");
});

Deno.test("Store.load then apply keeps fields, links and reverse indexes", () => {
  const store = new Store();
  store.load({
    seq: 7,
    workflows: [{ id: "~u/f", status: "running", name: "f" }],
    taskProxies: [{ id: "~u/f//1/a", workflowId: "~u/f", name: "a", firstParent: "~u/f//1/FAM" }],
    familyProxies: [{ id: "~u/f//1/FAM", workflowId: "~u/f", name: "FAM" }],
    jobs: [{ id: "~u/f//1/a/01", workflowId: "~u/f", taskId: "~u/f//1/a", status: "running" }],
    edges: [],
  });
  assertEquals(store.seq, 7);
  assertEquals([...store.childTasksOf("~u/f//1/FAM")].map((t) => t.id), ["~u/f//1/a"]);
  assertEquals([...store.jobsOf("~u/f//1/a")].map((j) => j.fields.status), ["running"]);
  store.apply({
    seq: 8,
    delta: {
      workflows: [{
        id: "~u/f",
        statusMsg: "ok",
        taskProxies: [
          { id: "~u/f//1/a", firstParent: { id: "~u/f//1/OTHER" } },
          // A bare entry carrying nested jobs is not a change of the task.
          { id: "~u/f//1/ghost", jobs: [{ id: "~u/f//1/ghost/01" }] },
        ],
        jobs: [{ id: "~u/f//1/a/01", status: "succeeded" }, { id: "~u/f//1/ghost/01" }],
      }],
    },
    pruned: [],
  });
  assertEquals(store.workflow("~u/f")?.fields, { status: "running", name: "f", statusMsg: "ok" });
  assertEquals([...store.childTasksOf("~u/f//1/FAM")], []);
  assertEquals([...store.childTasksOf("~u/f//1/OTHER")].map((t) => t.id), ["~u/f//1/a"]);
  assertEquals(store.element("taskProxies", "~u/f//1/ghost"), undefined);
  assertEquals(store.element("jobs", "~u/f//1/a/01")?.fields.status, "succeeded");
  assertEquals(store.counts(), {
    workflows: 1,
    taskProxies: 1,
    familyProxies: 1,
    jobs: 2,
    edges: 0,
  });
});

Deno.test("Store.apply prunes elements and whole workflows with their indexes", () => {
  const store = new Store();
  store.apply({
    seq: 1,
    delta: {
      workflows: [{
        id: "~u/f",
        taskProxies: [{ id: "~u/f//1/a", firstParent: { id: "~u/f//1/F" } }],
        jobs: [{ id: "~u/f//1/a/01" }],
        edges: [{ id: "~u/f//$edge|1/a|1/b", source: "~u/f//1/a", target: "~u/f//1/b" }],
      }],
    },
    pruned: [],
  });
  store.apply({
    seq: 2,
    delta: {},
    pruned: [{ kind: "jobs", id: "~u/f//1/a/01", workflowId: "~u/f" }],
  });
  assertEquals([...store.jobsOf("~u/f//1/a")], []);
  store.apply({
    seq: 3,
    delta: {},
    pruned: [{ kind: "workflows", id: "~u/f", workflowId: "~u/f" }],
  });
  assertEquals(store.size, 0);
  assertEquals([...store.childTasksOf("~u/f//1/F")], []);
});

Deno.test("Store.apply refuses an event that is not after its seq", () => {
  const store = new Store();
  store.apply({ seq: 5, delta: {}, pruned: [] });
  assertThrows(
    () => store.apply({ seq: 5, delta: {}, pruned: [] }),
    RangeError,
    "event seq 5 is not after the store's seq 5",
  );
});

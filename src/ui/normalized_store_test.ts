import { assert, assertEquals } from "../../tests/assert.ts";
import { NormalizedStore } from "./normalized_store.ts";
import { parseSelection } from "./selection_tree.ts";

const W = "~u/f";
const TREE = parseSelection(
  `subscription { workflows(ids: ["${W}"]) { id familyProxies { id name } ` +
    "taskProxies { id status firstParent { id } jobs { id status } } } }",
);
const LIST = parseSelection("subscription { workflows { id status stateTotals } }");
const JOB = parseSelection(
  `subscription { workflows(ids: ["${W}"]) { id jobs(ids: ["${W}//1/a/01"]) { id status } } }`,
);

function snapshot(seq: number, workflows: unknown[], resync = false) {
  return {
    data: { workflows },
    extensions: resync ? { seq, resync: true } : { seq, snapshot: true },
  };
}

Deno.test("store: a snapshot normalizes nested tasks, families and jobs by id", () => {
  const store = new NormalizedStore();
  store.apply(
    TREE,
    snapshot(5, [{
      id: W,
      familyProxies: [{ id: `${W}//1/FAM`, name: "FAM" }],
      taskProxies: [
        {
          id: `${W}//1/a`,
          status: "running",
          firstParent: { id: `${W}//1/FAM` },
          jobs: [{ id: `${W}//1/a/01`, status: "running" }],
        },
        { id: `${W}//1/b`, status: "waiting", firstParent: null, jobs: [] },
      ],
    }]),
  );
  assertEquals(store.tasks.get(`${W}//1/a`), {
    id: `${W}//1/a`,
    status: "running",
    firstParent: `${W}//1/FAM`,
  });
  assertEquals(store.families.get(`${W}//1/FAM`)?.name, "FAM");
  assertEquals(store.jobsOf(`${W}//1/a`).map((j) => j.status), ["running"]);
  assertEquals([...store.index(W).tasks], [`${W}//1/a`, `${W}//1/b`]);
  assertEquals(store.lastSeq, 5);
});

Deno.test("store: deltas merge changed fields; pruned ids remove elements (a task with its jobs)", () => {
  const store = new NormalizedStore();
  store.apply(
    TREE,
    snapshot(1, [{
      id: W,
      taskProxies: [{ id: `${W}//1/a`, status: "waiting", jobs: [] }],
    }]),
  );
  const version = store.version;
  store.apply(TREE, {
    data: {
      workflows: [{
        id: W,
        taskProxies: [{ id: `${W}//1/a`, jobs: [{ id: `${W}//1/a/01`, status: "submitted" }] }],
      }],
    },
    extensions: { seq: 2, pruned: [] },
  });
  assertEquals(store.tasks.get(`${W}//1/a`)?.status, "waiting", "fields not sent are kept");
  assertEquals(store.jobs.get(`${W}//1/a/01`)?.status, "submitted");
  assert(store.version > version);
  store.apply(TREE, { data: null, extensions: { seq: 3, pruned: [`${W}//1/a`] } });
  assertEquals(store.tasks.size, 0);
  assertEquals(store.jobs.size, 0);
  assertEquals(store.index(W).jobs.size, 0);
});

Deno.test("store: a resync snapshot replaces what the selection covers, and nothing else", () => {
  const store = new NormalizedStore();
  store.apply(LIST, snapshot(1, [{ id: W, status: "running" }, { id: "~u/g", status: "held" }]));
  store.apply(
    TREE,
    snapshot(1, [{
      id: W,
      taskProxies: [
        { id: `${W}//1/a`, status: "running", jobs: [{ id: `${W}//1/a/01`, status: "running" }] },
        { id: `${W}//1/b`, status: "waiting", jobs: [] },
      ],
    }]),
  );
  store.apply(JOB, snapshot(1, [{ id: W, jobs: [{ id: `${W}//1/a/01`, status: "running" }] }]));
  // Beyond retention: 1/b was pruned and 1/a's job replaced while away.
  store.apply(
    TREE,
    snapshot(9, [{
      id: W,
      taskProxies: [{ id: `${W}//1/a`, status: "failed", jobs: [{ id: `${W}//1/a/02` }] }],
    }], true),
  );
  assertEquals([...store.index(W).tasks], [`${W}//1/a`]);
  assertEquals(store.jobsOf(`${W}//1/a`).map((j) => j.id), [`${W}//1/a/02`]);
  assertEquals(store.workflows.get("~u/g")?.status, "held", "other scopes are untouched");
  assertEquals(store.workflows.get(W)?.status, "running", "fields the tree does not select stay");
  // The job view's filtered list only judges the ids it asks for.
  store.apply(JOB, snapshot(10, [{ id: W, jobs: [] }], true));
  assertEquals(store.jobs.has(`${W}//1/a/02`), true);
  // The unscoped list's snapshot drops workflows that are gone, with their elements.
  store.apply(LIST, snapshot(11, [{ id: "~u/g", status: "held" }], true));
  assertEquals([...store.workflows.keys()], ["~u/g"]);
  assertEquals(store.tasks.size + store.jobs.size, 0);
});

Deno.test("store: nodesEdges lists count as the workflow's tasks and edges; graph version moves", () => {
  const store = new NormalizedStore();
  const graph = parseSelection(
    `subscription { workflows(ids: ["${W}"]) { id nodesEdges { nodes { id } edges { id source target } } } }`,
  );
  store.apply(graph, snapshot(1, [{ id: W, nodesEdges: { nodes: [], edges: [] } }]));
  const before = store.index(W).graphVersion;
  store.apply(graph, {
    data: {
      workflows: [{
        id: W,
        nodesEdges: {
          nodes: [{ id: `${W}//1/a` }],
          edges: [{ id: `${W}//$edge|1/a|1/b`, source: `${W}//1/a`, target: `${W}//1/b` }],
        },
      }],
    },
    extensions: { seq: 2, pruned: [] },
  });
  assertEquals(store.index(W).tasks.size, 1);
  assertEquals(store.edges.get(`${W}//$edge|1/a|1/b`)?.source, `${W}//1/a`);
  assertEquals(store.index(W).graphVersion, before + 2);
  // stateTotals is a leaf object: copied whole.
  store.apply(LIST, {
    data: { workflows: [{ id: W, stateTotals: { running: 2 } }] },
    extensions: { seq: 3 },
  });
  assertEquals(store.workflows.get(W)?.stateTotals, { running: 2 });
});

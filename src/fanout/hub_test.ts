import { parse } from "graphql";
import { assert, assertEquals } from "../../tests/assert.ts";
import { SEED_DELTA, SEED_EXPECTED, VIEW_1, VIEW_2 } from "../../tests/seed.ts";
import { createAccess, OPEN_PRINCIPAL, type Principal } from "../auth/tokens.ts";
import { asQuery, selectOperation } from "../graphql/documents.ts";
import { createSchema } from "../graphql/schema.ts";
import { silentLogger } from "../log.ts";
import { Store } from "../store/store.ts";
import { type History, Hub, type HubEvent, type Sink, type WorkflowSubscription } from "./hub.ts";

class RecordingSink implements Sink {
  readonly payloads: string[] = [];
  closed = false;
  next(payload: string) {
    this.payloads.push(payload);
  }
  error() {
    this.closed = true;
  }
  complete() {
    this.closed = true;
  }
  get parsed(): Array<{ data: unknown; extensions: Record<string, unknown> }> {
    return this.payloads.map((p) => JSON.parse(p));
  }
}

class MemoryHistory implements History {
  events: HubEvent[] = [];
  deleted = 0;
  reads = 0;
  readAfter(seq: number, limit: number) {
    this.reads++;
    return Promise.resolve(this.events.filter((e) => e.seq > seq).slice(0, limit));
  }
  floor() {
    return Promise.resolve(this.deleted);
  }
}

function request(text: string, extra: Partial<WorkflowSubscription> = {}): WorkflowSubscription {
  const document = parse(text);
  const { operation, deltas } = selectOperation(document, undefined);
  return {
    mode: deltas ? "delta" : "standard",
    engineText: text,
    query: asQuery(document, operation),
    variables: {},
    ...extra,
  };
}

const deltas = (view: string) => view.replace("subscription {", "subscription @deltas {");

function setup() {
  const store = new Store();
  const history = new MemoryHistory();
  const hub = new Hub({ store, schema: createSchema(), history, log: silentLogger });
  const apply = (event: HubEvent) => {
    store.apply(event);
    history.events.push(event);
    hub.publish(event);
  };
  // The workflow and its family exist before the seed delta.
  apply({
    seq: 1,
    delta: {
      workflows: [{
        id: "~user/flow",
        status: "running",
        familyProxies: [{ id: "~user/flow//1/FAM", name: "FAM" }],
        taskProxies: [{ id: "~user/flow//1/foo", name: "foo", status: "waiting" }],
      }],
    },
    pruned: [],
  });
  return { store, history, hub, apply };
}

const seedEvent = (seq: number): HubEvent => ({ seq, delta: JSON.parse(SEED_DELTA), pruned: [] });

Deno.test("hub: delta mode sends a snapshot, then exactly the seed overlap per view", async () => {
  const { hub, apply } = setup();
  const view1 = new RecordingSink();
  const view2 = new RecordingSink();
  await hub.subscribe(OPEN_PRINCIPAL, request(deltas(VIEW_1)), view1);
  await hub.subscribe(OPEN_PRINCIPAL, request(deltas(VIEW_2)), view2);
  assertEquals(view1.parsed[0].extensions, { seq: 1, snapshot: true });
  assertEquals(view1.parsed[0].data, {
    workflows: [{
      taskProxies: [{ name: "foo", status: "waiting", firstParent: null }],
      familyProxies: [{ id: "~user/flow//1/FAM", name: "FAM", firstParent: null }],
    }],
  });
  apply(seedEvent(2));
  const expected = JSON.parse(SEED_EXPECTED);
  // View 1 selects no task id, but ids are always kept for lists (engine rule).
  assertEquals(view1.parsed[1], { data: expected, extensions: { seq: 2, pruned: [] } });
  assertEquals(view2.parsed[1], { data: expected, extensions: { seq: 2, pruned: [] } });
});

Deno.test("hub: a delta for another workflow or for unsubscribed fields sends nothing", async () => {
  const { hub, apply } = setup();
  const sink = new RecordingSink();
  await hub.subscribe(OPEN_PRINCIPAL, request(deltas(VIEW_1)), sink);
  apply({ seq: 2, delta: { workflows: [{ id: "~other/flow", status: "running" }] }, pruned: [] });
  apply({
    seq: 3,
    delta: {
      workflows: [{ id: "~user/flow", jobs: [{ id: "~user/flow//1/foo/01", status: "running" }] }],
    },
    pruned: [],
  });
  assertEquals(sink.payloads.length, 1);
});

Deno.test("hub: identical subscriptions form one cohort and share one payload string", async () => {
  const { hub, apply } = setup();
  const sinks = [new RecordingSink(), new RecordingSink(), new RecordingSink()];
  for (const sink of sinks) await hub.subscribe(OPEN_PRINCIPAL, request(deltas(VIEW_2)), sink);
  // Same set written differently (field order) joins the same cohort.
  const reordered = new RecordingSink();
  await hub.subscribe(
    OPEN_PRINCIPAL,
    request(`subscription @deltas { workflows(ids: ["~user/flow"]) {
      nodesEdges { edges { target source } nodes { id } } taskProxies { status id name } } }`),
    reordered,
  );
  assertEquals(hub.status().cohorts, 1);
  assertEquals(hub.status().members, 4);
  const before = hub.status().payloads;
  apply(seedEvent(2));
  assertEquals(hub.status().payloads - before, 1);
  assert(
    sinks[0].payloads[1] === sinks[1].payloads[1] && sinks[1].payloads[1] === reordered.payloads[1],
  );
});

Deno.test("hub: members joining a cohort at one seq share one snapshot; an event renews it", async () => {
  const { hub, apply } = setup();
  const first = new RecordingSink();
  const second = new RecordingSink();
  await hub.subscribe(OPEN_PRINCIPAL, request(deltas(VIEW_1)), first);
  await hub.subscribe(OPEN_PRINCIPAL, request(deltas(VIEW_1)), second);
  assert(first.payloads[0] === second.payloads[0], "one snapshot text for both");
  assertEquals(first.parsed[0].extensions, { seq: 1, snapshot: true });
  apply(seedEvent(2));
  const late = new RecordingSink();
  await hub.subscribe(OPEN_PRINCIPAL, request(deltas(VIEW_1)), late);
  assertEquals(late.parsed[0].extensions, { seq: 2, snapshot: true });
  assert(late.payloads[0] !== first.payloads[0], "the snapshot after an event is built anew");
  // The seed changed what VIEW_1 selects, so the new snapshot shows it.
  assert(JSON.stringify(late.parsed[0].data) !== JSON.stringify(first.parsed[0].data));
});

Deno.test("hub: the last member leaving frees the cohort and its realm", async () => {
  const { hub } = setup();
  const a = await hub.subscribe(OPEN_PRINCIPAL, request(deltas(VIEW_1)), new RecordingSink());
  const b = await hub.subscribe(OPEN_PRINCIPAL, request(deltas(VIEW_1)), new RecordingSink());
  a.dispose();
  a.dispose();
  assertEquals([hub.status().cohorts, hub.status().members], [1, 1]);
  b.dispose();
  assertEquals([hub.status().realms, hub.status().cohorts, hub.status().members], [0, 0, 0]);
});

Deno.test("hub: a reader scoped to other workflows never receives this one's data", async () => {
  const { hub, apply } = setup();
  const access = await createAccess([
    { name: "bob", token: "bob-token-0123456789", scopes: ["read:~bob/*"] },
  ]);
  const auth = await access.authenticate("bob-token-0123456789");
  assert(auth.ok);
  const bob: Principal = auth.principal;
  const sink = new RecordingSink();
  await hub.subscribe(bob, request("subscription @deltas { workflows { id status } }"), sink);
  assertEquals(sink.parsed[0].data, { workflows: [] });
  apply({
    seq: 2,
    delta: {
      workflows: [{ id: "~user/flow", status: "held" }, { id: "~bob/x", status: "running" }],
    },
    pruned: [{ kind: "workflows", id: "~user/old", workflowId: "~user/old" }],
  });
  assertEquals(sink.parsed.slice(1), [{
    data: { workflows: [{ id: "~bob/x", status: "running" }] },
    extensions: { seq: 2, pruned: [] },
  }]);
});

Deno.test("hub: removals go to the subscriptions that cover them", async () => {
  const { hub, apply } = setup();
  const tasks = new RecordingSink();
  const families = new RecordingSink();
  await hub.subscribe(OPEN_PRINCIPAL, request(deltas(VIEW_2)), tasks);
  await hub.subscribe(
    OPEN_PRINCIPAL,
    request('subscription @deltas { workflows(ids: ["~user/flow"]) { familyProxies { name } } }'),
    families,
  );
  apply({
    seq: 2,
    delta: {},
    pruned: [{ kind: "taskProxies", id: "~user/flow//1/foo", workflowId: "~user/flow" }],
  });
  assertEquals(tasks.parsed[1], {
    data: null,
    extensions: { seq: 2, pruned: ["~user/flow//1/foo"] },
  });
  assertEquals(families.payloads.length, 1);
});

Deno.test("hub: standard mode sends the full current result when a delta overlaps", async () => {
  const { hub, apply } = setup();
  const sink = new RecordingSink();
  await hub.subscribe(
    OPEN_PRINCIPAL,
    request('subscription { workflows(ids: ["~user/flow"]) { taskProxies { id status } } }'),
    sink,
  );
  apply({ seq: 2, delta: { workflows: [{ id: "~user/flow", status: "held" }] }, pruned: [] });
  apply(seedEvent(3));
  assertEquals(sink.parsed, [
    {
      data: { workflows: [{ taskProxies: [{ id: "~user/flow//1/foo", status: "waiting" }] }] },
      extensions: { seq: 1 },
    },
    {
      data: { workflows: [{ taskProxies: [{ id: "~user/flow//1/foo", status: "running" }] }] },
      extensions: { seq: 3 },
    },
  ]);
});

Deno.test("hub: a resuming member gets exactly the missed overlaps, then live ones, in order", async () => {
  const { hub, apply, history } = setup();
  apply(seedEvent(2));
  apply({ seq: 3, delta: { workflows: [{ id: "~user/flow", status: "held" }] }, pruned: [] });
  apply({
    seq: 4,
    delta: {
      workflows: [{
        id: "~user/flow",
        taskProxies: [{ id: "~user/flow//1/foo", status: "succeeded" }],
      }],
    },
    pruned: [],
  });
  const sink = new RecordingSink();
  // A live event published while the log is being read must queue behind the replay.
  const reading = hub.subscribe(OPEN_PRINCIPAL, request(deltas(VIEW_2), { lastSeq: 1 }), sink);
  apply({
    seq: 5,
    delta: {
      workflows: [{
        id: "~user/flow",
        taskProxies: [{ id: "~user/flow//1/foo", status: "failed" }],
      }],
    },
    pruned: [],
  });
  await reading;
  assert(history.reads > 0);
  assertEquals(sink.parsed.map((p) => p.extensions.seq), [2, 4, 5]);
  assertEquals(
    sink.parsed.map((p) =>
      (p.data as { workflows: [{ taskProxies: [{ status: string }] }] }).workflows[0].taskProxies[0]
        .status
    ),
    ["running", "succeeded", "failed"],
  );
});

Deno.test("hub: resuming from beyond retention gets a snapshot marked resync", async () => {
  const { hub, apply, history } = setup();
  apply(seedEvent(2));
  apply({ seq: 3, delta: { workflows: [{ id: "~user/flow", status: "held" }] }, pruned: [] });
  history.deleted = 2;
  history.events = history.events.filter((e) => e.seq > 2);
  const sink = new RecordingSink();
  await hub.subscribe(OPEN_PRINCIPAL, request(deltas(VIEW_2), { lastSeq: 1 }), sink);
  assertEquals(sink.parsed.length, 1);
  assertEquals(sink.parsed[0].extensions, { seq: 3, resync: true });
});

Deno.test("hub: resuming at the current seq sends nothing until the next overlap", async () => {
  const { hub, apply } = setup();
  const sink = new RecordingSink();
  await hub.subscribe(OPEN_PRINCIPAL, request(deltas(VIEW_2), { lastSeq: 1 }), sink);
  assertEquals(sink.payloads.length, 0);
  apply(seedEvent(2));
  assertEquals(sink.parsed.map((p) => p.extensions.seq), [2]);
});

Deno.test("hub: a closed sink is dropped from its cohort on the next send", async () => {
  const { hub, apply } = setup();
  const sink = new RecordingSink();
  await hub.subscribe(OPEN_PRINCIPAL, request(deltas(VIEW_2)), sink);
  sink.closed = true;
  apply(seedEvent(2));
  assertEquals(hub.status().members, 0);
});

Deno.test("hub: a subscription whose first result is over maxResultElements is refused and leaves nothing", async () => {
  const store = new Store();
  const history = new MemoryHistory();
  const hub = new Hub({
    store,
    schema: createSchema(),
    history,
    log: silentLogger,
    maxResultElements: 10,
  });
  const tasks = Array.from({ length: 4 }, (_, i) => ({ id: `~u/f//1/t${i}`, status: "waiting" }));
  store.apply({ seq: 1, delta: { workflows: [{ id: "~u/f", taskProxies: tasks }] }, pruned: [] });
  // 1 workflow + 3 aliases × 4 tasks = 13 list elements.
  const bomb = "subscription { workflows { a: taskProxies { id } b: taskProxies { id } " +
    "c: taskProxies { id } } }";
  for (const text of [bomb, deltas(bomb)]) {
    const sink = new RecordingSink();
    let refused: Error | undefined;
    try {
      await hub.subscribe(OPEN_PRINCIPAL, request(text), sink);
    } catch (error) {
      refused = error as Error;
    }
    assert(refused instanceof RangeError, `not refused: ${text}`);
    assertEquals(
      refused.message,
      "the result would hold more than 10 list elements (OVERLAP_MAX_RESULT_ELEMENTS); " +
        "select fewer list fields or aliases, or filter with ids",
    );
    assertEquals(sink.payloads, []);
    assertEquals(hub.status().cohorts, 0);
  }
  // Two aliases (9 elements) are within the limit.
  const sink = new RecordingSink();
  await hub.subscribe(
    OPEN_PRINCIPAL,
    request("subscription { workflows { a: taskProxies { id } b: taskProxies { id } } }"),
    sink,
  );
  assertEquals(sink.parsed[0].extensions, { seq: 1 });
  assertEquals(hub.status().members, 1);
});

import { assert, assertEquals } from "../../tests/assert.ts";
import * as engine from "../../wasm/mod.ts";
import { silentLogger } from "../log.ts";
import { startServer } from "../server.ts";
import { testConfig, waitFor } from "../../tests/server_fixture.ts";
import { NormalizedStore } from "./normalized_store.ts";
import { SubscriptionService, type SubscriptionTransport } from "./subscription_service.ts";
import { graphQuery, tableQuery, treeQuery, workflowsQuery } from "./view_queries.ts";
import type { FrameSink } from "./ws_client.ts";
import { WsClient } from "./ws_client.ts";

const W = "~u/f";

/** Records what the service puts on the wire; the test plays the server. */
class RecordingTransport implements SubscriptionTransport {
  ready = true;
  frames: string[] = [];
  sinks = new Map<string, FrameSink>();
  subscribe(
    id: string,
    payload: { query: string; extensions?: Record<string, unknown> },
    sink: FrameSink,
  ) {
    this.frames.push(`subscribe ${id} ${JSON.stringify(payload)}`);
    this.sinks.set(id, sink);
  }
  complete(id: string) {
    this.frames.push(`complete ${id}`);
    this.sinks.delete(id);
  }
}

function setup(ready = true) {
  const transport = new RecordingTransport();
  transport.ready = ready;
  const store = new NormalizedStore();
  const service = new SubscriptionService({ transport, store, engine, schedule: () => {} });
  return { transport, store, service };
}

Deno.test("service: views of one workflow opened together put one merged subscribe on the wire; the list stays its own", () => {
  const { transport, service } = setup();
  service.register({ id: "list", label: "Workflows", scope: null, query: workflowsQuery() });
  service.register({ id: "tree", label: "Tree", scope: W, query: treeQuery(W) });
  service.register({ id: "graph", label: "Graph", scope: W, query: graphQuery(W) });
  service.flush();
  assertEquals(transport.frames.length, 2);
  const [list, tree] = transport.frames;
  assert(list.includes("subscription @deltas { workflows { id lastHeartbeatTime name owner"), list);
  assert(tree.includes(`workflows(ids: [\\"${W}\\"])`), tree);
  assert(tree.includes("nodesEdges") && tree.includes("familyProxies"), "both views' fields");
  const groups = service.groups();
  assertEquals(groups.map((g) => [g.scope, g.views]), [[null, ["Workflows"]], [W, [
    "Tree",
    "Graph",
  ]]]);
  assertEquals(service.views().length, 3);
});

Deno.test("service: update and unregister re-subscribe with the new merge; the last view leaving completes", () => {
  const { transport, service } = setup();
  service.register({ id: "graph", label: "Graph", scope: W, query: graphQuery(W) });
  service.register({ id: "table", label: "Table", scope: W, query: tableQuery(W, ["name"]) });
  service.flush();
  assertEquals(transport.frames.length, 1);
  // A column that adds nothing new (the graph selects status): same merge, no frame.
  service.update("table", tableQuery(W, ["name", "status"]));
  service.flush();
  assertEquals(transport.frames.length, 1);
  service.update("table", tableQuery(W, ["name", "cyclePoint", "isHeld"]));
  service.flush();
  assertEquals(transport.frames[1], "complete 1");
  assert(
    transport.frames[2].startsWith("subscribe 2 ") && transport.frames[2].includes("cyclePoint"),
  );
  service.unregister("graph");
  service.flush();
  assertEquals(transport.frames[3], "complete 2");
  assert(!transport.frames[4].includes("nodesEdges"), "the graph's fields are gone");
  service.unregister("table");
  service.flush();
  assertEquals(transport.frames.at(-1), "complete 3");
  assertEquals(service.groups(), []);
});

Deno.test("service: frames go to the store; after a reconnect each scope resumes from its own last seq", () => {
  const { transport, store, service } = setup(false);
  service.register({ id: "tree", label: "Tree", scope: W, query: treeQuery(W) });
  service.flush();
  assertEquals(transport.frames, [], "nothing is sent before the ack");
  transport.ready = true;
  service.connected();
  const sink = transport.sinks.get("1")!;
  sink.next({
    data: { workflows: [{ id: W, taskProxies: [{ id: `${W}//1/a`, status: "waiting" }] }] },
    extensions: { seq: 7, snapshot: true },
  }, 0);
  sink.next({
    data: { workflows: [{ id: W, taskProxies: [{ id: `${W}//1/a`, status: "running" }] }] },
    extensions: { seq: 9, pruned: [] },
  }, 0);
  assertEquals(store.tasks.get(`${W}//1/a`)?.status, "running");
  assertEquals(service.groups()[0].lastSeq, 9);
  // The socket dropped and came back.
  service.connected();
  assert(transport.frames[1].includes('"extensions":{"lastSeq":9}'), transport.frames[1]);
  // A frame of the replaced operation is ignored.
  sink.next({ data: { workflows: [{ id: W, status: "held" }] }, extensions: { seq: 10 } }, 0);
  assertEquals(store.workflows.get(W)?.status, undefined);
  // A changed selection starts from a snapshot, not from the old seq.
  service.update("tree", graphQuery(W));
  service.flush();
  assert(!transport.frames.at(-1)!.includes("lastSeq"));
});

Deno.test("service + ws client against a real server: live deltas, then a restart on the same port resumes without a snapshot", async () => {
  const dir = await Deno.makeTempDir({ prefix: "overlap-ui-service-" });
  const env = { OVERLAP_DATA_DIR: dir, OVERLAP_PORT: "0" };
  let server = await startServer(testConfig(env), { log: silentLogger });
  const port = server.port;
  const store = new NormalizedStore();
  let service: SubscriptionService | undefined = undefined;
  const sent: string[] = [];
  const client = new WsClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    token: () => undefined,
    onAck: () => service!.connected(),
    baseDelayMs: 20,
    maxDelayMs: 200,
    connect: (url, protocol) => {
      const ws = new WebSocket(url, protocol);
      const send = ws.send.bind(ws);
      ws.send = (data) => {
        sent.push(String(data));
        send(data);
      };
      return ws;
    },
  });
  service = new SubscriptionService({ transport: client, store, engine });
  const post = (body: unknown) =>
    fetch(`http://127.0.0.1:${port}/api/deltas`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then((r) => r.json());
  try {
    await post({
      workflows: [{
        id: W,
        status: "running",
        taskProxies: [{ id: `${W}//1/a`, status: "waiting" }],
      }],
    });
    client.start();
    service.register({ id: "tree", label: "Tree", scope: W, query: treeQuery(W) });
    service.register({ id: "graph", label: "Graph", scope: W, query: graphQuery(W) });
    await waitFor("snapshot", () => store.tasks.get(`${W}//1/a`)?.status === "waiting");
    assertEquals(sent.filter((f) => f.includes('"subscribe"')).length, 1, "one merged subscribe");
    await post({ workflows: [{ id: W, taskProxies: [{ id: `${W}//1/a`, status: "running" }] }] });
    await waitFor("live delta", () => store.tasks.get(`${W}//1/a`)?.status === "running");
    await server.close();
    await waitFor("the client notices the close", () => client.state.kind === "waiting");
    server = await startServer(testConfig({ ...env, OVERLAP_PORT: String(port) }), {
      log: silentLogger,
    });
    await post({ workflows: [{ id: W, taskProxies: [{ id: `${W}//1/b`, status: "submitted" }] }] });
    await waitFor("caught up", () => store.tasks.get(`${W}//1/b`)?.status === "submitted");
    const resumed = sent.filter((f) => f.includes('"subscribe"')).at(-1)!;
    assert(resumed.includes('"lastSeq"'), `resumed with lastSeq: ${resumed}`);
    assertEquals(service.groups()[0].resyncs, 0, "within retention: no resync");
  } finally {
    client.stop();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

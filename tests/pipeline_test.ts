/**
 * End to end: a scheduler posts deltas over HTTP; the npm `graphql-ws`
 * client receives them over the WebSocket. Runs on PGlite, and on real
 * PostgreSQL when `TEST_DATABASE_URL` is set.
 */
import { assert, assertEquals } from "./assert.ts";
import { SEED_DELTA, SEED_EXPECTED, VIEW_1, VIEW_2 } from "./seed.ts";
import { serverCases, waitFor } from "./server_fixture.ts";
import { client, subscribe } from "./ws_fixture.ts";

const deltas = (view: string) => view.replace("subscription {", "subscription @deltas {");

const SETUP = {
  workflows: [{
    id: "~user/flow",
    status: "running",
    familyProxies: [{ id: "~user/flow//1/FAM", name: "FAM" }],
    taskProxies: [{ id: "~user/flow//1/foo", status: "waiting", firstParent: "~user/flow//1/FAM" }],
  }],
};

const status = (id: string, value: string) => ({
  workflows: [{ id: "~user/flow", taskProxies: [{ id, status: value }] }],
});

for (const serverCase of serverCases()) {
  Deno.test(`pipeline (${serverCase.name}): the seed scenario over graphql-ws, nothing for other deltas`, async () => {
    const test = await serverCase.start();
    const ws = client(test.wsUrl);
    try {
      const setup = await test.post("/api/deltas", SETUP);
      assertEquals(setup.status, 200);
      await test.server.feed.catchUp();
      const view1 = subscribe(ws, deltas(VIEW_1));
      const view2 = subscribe(ws, deltas(VIEW_2));
      await waitFor("the snapshots", () => view1.items.length === 1 && view2.items.length === 1);
      assertEquals(view1.items[0].extensions, { seq: setup.body.seq as number, snapshot: true });
      assertEquals(view1.items[0].data, {
        workflows: [{
          taskProxies: [{
            name: "foo",
            status: "waiting",
            firstParent: { id: "~user/flow//1/FAM" },
          }],
          familyProxies: [{ id: "~user/flow//1/FAM", name: "FAM", firstParent: null }],
        }],
      });
      // Another workflow, and fields neither view selects: nothing is sent.
      assertEquals(
        (await test.post("/api/deltas", { workflows: [{ id: "~other/flow", status: "running" }] }))
          .status,
        200,
      );
      assertEquals(
        (await test.post("/api/deltas", {
          workflows: [{
            id: "~user/flow",
            host: "hpc1",
            jobs: [{ id: "~user/flow//1/foo/01", platform: "slurm" }],
          }],
        })).status,
        200,
      );
      const seed = await test.post("/api/deltas", JSON.parse(SEED_DELTA));
      assertEquals(seed.status, 200);
      await waitFor("the seed overlap", () => view1.items.length >= 2 && view2.items.length >= 2);
      const expected = {
        data: JSON.parse(SEED_EXPECTED),
        extensions: { seq: seed.body.seq, pruned: [] },
      };
      assertEquals(view1.items[1], expected);
      assertEquals(view2.items[1], expected);
      // A marker proves nothing else was queued behind the seed overlap.
      const marker = await test.post("/api/deltas", status("~user/flow//1/foo", "succeeded"));
      await waitFor("the marker", () => view2.items.length >= 3);
      assertEquals(view1.items.length, 3);
      assertEquals([view2.items[2].extensions?.seq, view2.items.length], [marker.body.seq, 3]);
    } finally {
      await ws.dispose();
      await test.stop();
    }
  });

  Deno.test(`pipeline (${serverCase.name}): queries over HTTP read the store, with validation errors as 400`, async () => {
    const test = await serverCase.start();
    try {
      await test.post("/api/deltas", SETUP);
      await test.server.feed.catchUp();
      const ok = await test.post("/graphql", {
        query:
          "query ($id: ID!) { workflow(id: $id) { status familyProxies { childTasks { id } } } }",
        variables: { id: "~user/flow" },
      });
      assertEquals(ok, {
        status: 200,
        body: {
          data: {
            workflow: {
              status: "running",
              familyProxies: [{ childTasks: [{ id: "~user/flow//1/foo" }] }],
            },
          },
        },
      });
      const get = await fetch(
        `${test.server.url}/graphql?query=${encodeURIComponent("{ workflows { id } }")}`,
      );
      assertEquals(await get.json(), { data: { workflows: [{ id: "~user/flow" }] } });
      const bad = await test.post("/graphql", { query: "{ workflows { nope } }" });
      assertEquals(bad.status, 400);
      const message = (bad.body.errors as Array<{ message: string }>)[0].message;
      assert(message.startsWith('Cannot query field "nope" on type "Workflow".'), message);
      const sub = await test.post("/graphql", { query: "subscription { workflows { id } }" });
      assertEquals(sub.status, 400);
    } finally {
      await test.stop();
    }
  });

  Deno.test(`pipeline (${serverCase.name}): bad ingest bodies are refused whole, with the reason`, async () => {
    const test = await serverCase.start();
    try {
      const bad = await test.post("/api/deltas", {
        workflows: [{
          id: "~user/flow",
          taskProxies: [{ id: "~user/flow//1/a" }, { id: "~user/flow//1/b", isHeld: "yes" }],
        }],
      });
      assertEquals(bad.status, 400);
      assert(
        String(bad.body.error).includes("workflows[0].taskProxies[1].isHeld"),
        String(bad.body.error),
      );
      const raw = await fetch(`${test.server.url}/api/deltas`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{nope",
      });
      assertEquals(raw.status, 400);
      assert(String((await raw.json()).error).startsWith("body is not valid JSON"));
      const text = await fetch(`${test.server.url}/api/deltas`, { method: "POST", body: "{}" });
      assertEquals(text.status, 415);
      await text.body?.cancel();
      const query = await test.post("/graphql", { query: "{ workflows { id } }" });
      assertEquals(query.body, { data: { workflows: [] } });
      const statusRes = await fetch(`${test.server.url}/status`);
      const figures = await statusRes.json();
      assertEquals([figures.seq, figures.store.workflows], [0, 0]);
    } finally {
      await test.stop();
    }
  });

  Deno.test(`pipeline (${serverCase.name}): a client resumes from its last seq and gets exactly what it missed`, async () => {
    const test = await serverCase.start();
    try {
      await test.post("/api/deltas", SETUP);
      await test.server.feed.catchUp();
      const first = client(test.wsUrl);
      const live = subscribe(first, deltas(VIEW_2));
      await waitFor("the snapshot", () => live.items.length === 1);
      const before = await test.post("/api/deltas", status("~user/flow//1/foo", "submitted"));
      await waitFor("a live delta", () => live.items.length === 2);
      await first.dispose();
      const lastSeq = live.items[1].extensions!.seq!;
      assertEquals(lastSeq, before.body.seq);
      const missed: number[] = [];
      for (const value of ["running", "succeeded"]) {
        missed.push(
          (await test.post("/api/deltas", status("~user/flow//1/foo", value))).body.seq as number,
        );
      }
      await test.post("/api/deltas", { workflows: [{ id: "~user/flow", host: "elsewhere" }] });
      await test.server.feed.catchUp();
      const second = client(test.wsUrl, { lastSeq });
      const resumed = subscribe(second, deltas(VIEW_2));
      await waitFor("the missed deltas", () => resumed.items.length === 2);
      assertEquals(resumed.seqs, missed);
      assertEquals(
        resumed.items.map((item) =>
          (item.data as { workflows: [{ taskProxies: [{ status: string }] }] }).workflows[0]
            .taskProxies[0].status
        ),
        ["running", "succeeded"],
      );
      // Resuming from a seq this server never had gives a snapshot marked resync.
      const stale = subscribe(second, deltas(VIEW_2), { lastSeq: 1_000_000 });
      await waitFor("the resync snapshot", () => stale.items.length === 1);
      assertEquals(stale.items[0].extensions?.resync, true);
      await second.dispose();
    } finally {
      await test.stop();
    }
  });

  Deno.test(`pipeline (${serverCase.name}): tokens, scopes and close codes`, async () => {
    const tokens = JSON.stringify([
      { name: "alice-ui", token: "alice-token-0123456789", scopes: ["read:~alice/*"] },
      { name: "scheduler", token: "sched-token-0123456789", scopes: ["write"] },
    ]);
    const test = await serverCase.start({ OVERLAP_TOKENS: tokens });
    try {
      assertEquals((await test.post("/api/deltas", SETUP)).status, 401);
      assertEquals((await test.post("/api/deltas", SETUP, "alice-token-0123456789")).status, 403);
      assertEquals((await test.post("/api/deltas", SETUP, "sched-token-0123456789")).status, 200);
      const alice = await test.post(
        "/api/deltas",
        { workflows: [{ id: "~alice/flow", status: "running" }] },
        "sched-token-0123456789",
      );
      await test.server.feed.catchUp();
      const closes: number[] = [];
      const anonymous = client(test.wsUrl, {}, (code) => closes.push(code));
      const a = subscribe(anonymous, "subscription { workflows { id } }");
      await waitFor("the 4401 close", () => closes.length === 1);
      assertEquals(closes, [4401]);
      assert(a.errors !== undefined);
      const writer = client(
        test.wsUrl,
        { token: "sched-token-0123456789" },
        (code) => closes.push(code),
      );
      subscribe(writer, "subscription { workflows { id } }");
      await waitFor("the 4403 close", () => closes.length === 2);
      assertEquals(closes[1], 4403);
      const reader = client(test.wsUrl, { token: "alice-token-0123456789" });
      const stream = subscribe(reader, "subscription @deltas { workflows { id status } }");
      await waitFor("alice's snapshot", () => stream.items.length === 1);
      assertEquals(stream.items[0].data, { workflows: [{ id: "~alice/flow", status: "running" }] });
      await test.post(
        "/api/deltas",
        { workflows: [{ id: "~user/flow", status: "held" }] },
        "sched-token-0123456789",
      );
      const mine = await test.post(
        "/api/deltas",
        { workflows: [{ id: "~alice/flow", status: "held" }] },
        "sched-token-0123456789",
      );
      await waitFor("alice's delta", () => stream.items.length === 2);
      assertEquals(stream.items[1], {
        data: { workflows: [{ id: "~alice/flow", status: "held" }] },
        extensions: { seq: mine.body.seq as number, pruned: [] },
      });
      assert((mine.body.seq as number) > (alice.body.seq as number));
      await reader.dispose();
      await anonymous.dispose();
      await writer.dispose();
    } finally {
      await test.stop();
    }
  });
}

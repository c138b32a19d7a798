import { assertEquals } from "../tests/assert.ts";
import { testConfig, waitFor } from "../tests/server_fixture.ts";
import { createApp } from "./app.ts";
import { DatabaseAvailability, guardDatabase } from "./db/availability.ts";
import { silentLogger } from "./log.ts";
import { startServer } from "./server.ts";

const TOKENS = JSON.stringify([
  { name: "ui", token: "ui-token-0123456789", scopes: ["read"] },
  { name: "old", token: "old-token-0123456789", scopes: ["read"], expires: "2020-01-01T00:00:00Z" },
  { name: "sched", token: "sched-token-0123456789", scopes: ["write:~mine/*"] },
  { name: "ops", token: "ops-token-0123456789", scopes: ["operator"] },
]);

Deno.test("app: health, 404, origin, auth, scopes, body limit and content type", async () => {
  const server = await startServer(
    testConfig({
      OVERLAP_TOKENS: TOKENS,
      OVERLAP_MAX_BODY_BYTES: "2048",
      OVERLAP_ALLOWED_ORIGINS: "http://ui.example",
    }),
    { log: silentLogger },
  );
  try {
    const app = createApp(server.services);
    const json = async (res: Response) => [res.status, await res.json()];
    assertEquals(await json(await app.request("/healthz")), [200, { status: "ok" }]);
    assertEquals(await json(await app.request("/nope", { method: "POST" })), [404, {
      error: "no route for POST /nope",
    }]);
    assertEquals(
      await json(await app.request("/status", { headers: { origin: "https://evil.example" } })),
      [
        403,
        { error: "origin https://evil.example is not allowed; see OVERLAP_ALLOWED_ORIGINS" },
      ],
    );
    assertEquals((await app.request("/status"))?.status, 401);
    assertEquals(
      await json(
        await app.request("/status", { headers: { authorization: "Bearer old-token-0123456789" } }),
      ),
      [401, { error: "token old expired at 2020-01-01T00:00:00.000Z" }],
    );
    const ui = { authorization: "Bearer ui-token-0123456789", origin: "http://ui.example" };
    const ops = { authorization: "Bearer ops-token-0123456789" };
    // The server's figures need the operator scope; a read token is not enough.
    for (const path of ["/status", "/metrics"]) {
      assertEquals(await json(await app.request(path, { headers: ui })), [403, {
        error: "token ui has no operator scope",
      }]);
      assertEquals((await app.request(path))?.status, 401);
      const res = await app.request(path, { headers: ops });
      assertEquals(res.status, 200);
      await res.body?.cancel();
    }
    const post = (body: string, headers: Record<string, string>) =>
      app.request("/api/deltas", {
        method: "POST",
        body,
        headers: { "content-type": "application/json", ...headers },
      });
    assertEquals(await json(await post("{}", ui)), [403, { error: "token ui has no write scope" }]);
    const sched = { authorization: "Bearer sched-token-0123456789" };
    assertEquals(await json(await post('{"workflows":[{"id":"~other/f"}]}', sched)), [403, {
      error: "token sched may not write workflow ~other/f",
    }]);
    assertEquals((await post('{"workflows":[{"id":"~mine/f"}]}', sched)).status, 200);
    assertEquals(await json(await post(JSON.stringify({ x: "y".repeat(4096) }), sched)), [413, {
      error: "request body is over the limit of 2048 bytes",
    }]);
    const text = await app.request("/api/deltas", { method: "POST", body: "{}", headers: sched });
    assertEquals(text.status, 415);
    await text.body?.cancel();
    // No heartbeat handler wired: the route does not exist.
    assertEquals(
      (await app.request("/api/heartbeats", { method: "POST", headers: sched })).status,
      404,
    );
  } finally {
    await server.close();
  }
});

Deno.test("app: a server on a non-loopback address without tokens refuses to start", async () => {
  let message = "";
  try {
    await startServer(testConfig({ OVERLAP_HOST: "0.0.0.0" }), { log: silentLogger });
  } catch (error) {
    message = (error as Error).message;
  }
  assertEquals(
    message,
    "OVERLAP_HOST=0.0.0.0 is not a loopback address and no tokens are configured; " +
      "set OVERLAP_TOKENS or OVERLAP_TOKENS_FILE, or bind to 127.0.0.1",
  );
});

Deno.test("app: while the database is down, ingest answers 503 with Retry-After and queries still answer", async () => {
  const server = await startServer(testConfig(), { log: silentLogger });
  // A second availability whose probe never runs, so the outage lasts as long as the test needs.
  const availability = new DatabaseAvailability({
    probe: () => Promise.resolve(),
    timers: { setTimeout: () => 0, clearTimeout: () => {} },
  });
  const db = guardDatabase(server.services.db, availability);
  try {
    const app = createApp({ ...server.services, db, availability });
    const post = () =>
      app.request("/api/deltas", {
        method: "POST",
        body: '{"workflows":[{"id":"~u/f","statusMsg":"x"}]}',
        headers: { "content-type": "application/json" },
      });
    const accepted = await post();
    assertEquals(accepted.status, 200);
    const { seq } = await accepted.json();
    // The event reaches the store through the feed, after the answer.
    await waitFor("the delta in the store", () => server.services.store.seq >= seq);
    availability.reportFailure(
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }),
    );
    const refused = await post();
    assertEquals(refused.status, 503);
    assertEquals(refused.headers.get("retry-after"), "2");
    assertEquals(await refused.json(), {
      error: "database unavailable: connect ECONNREFUSED 127.0.0.1:5432; retry later",
    });
    // A bad body is still a 400: validation comes before the database.
    const bad = await app.request("/api/deltas", {
      method: "POST",
      body: '{"workflows":[{"id":"~u/f","statusMsg":3}]}',
      headers: { "content-type": "application/json" },
    });
    assertEquals(bad.status, 400);
    await bad.body?.cancel();
    const query = await app.request("/graphql?query=%7Bworkflows%7Bid%7D%7D");
    assertEquals(await query.json(), { data: { workflows: [{ id: "~u/f" }] } });
  } finally {
    availability.close();
    await server.close();
  }
});

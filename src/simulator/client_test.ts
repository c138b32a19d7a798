import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { IngestClient, IngestHttpError } from "./client.ts";

async function withServer(
  handler: (request: Request) => Response | Promise<Response>,
  fn: (baseUrl: string) => Promise<void>,
) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

Deno.test("posts JSON with the bearer token to the two ingest paths", async () => {
  const seen: { path: string; auth: string | null; type: string | null; body: unknown }[] = [];
  await withServer(async (request) => {
    seen.push({
      path: new URL(request.url).pathname,
      auth: request.headers.get("authorization"),
      type: request.headers.get("content-type"),
      body: await request.json(),
    });
    return Response.json({ seq: 7 });
  }, async (baseUrl) => {
    const client = new IngestClient({ baseUrl: `${baseUrl}/`, token: "tok" });
    assertEquals(await client.postDeltas({ workflows: [] }), { seq: 7 });
    await client.postHeartbeats([{ id: "~u/f" }]);
  });
  assertEquals(seen, [
    {
      path: "/api/deltas",
      auth: "Bearer tok",
      type: "application/json",
      body: { workflows: [] },
    },
    {
      path: "/api/heartbeats",
      auth: "Bearer tok",
      type: "application/json",
      body: { heartbeats: [{ id: "~u/f" }] },
    },
  ]);
});

Deno.test("a non-2xx answer rejects with the status and the body", async () => {
  await withServer(() => Response.json({ error: "nope" }, { status: 401 }), async (baseUrl) => {
    const client = new IngestClient({ baseUrl });
    const error = await assertRejects(() => client.postDeltas({}), IngestHttpError, "answered 401");
    assertEquals(error.status, 401);
    assertEquals(error.body, '{"error":"nope"}');
  });
});

Deno.test("no token, no authorization header; a non-JSON answer is a SyntaxError", async () => {
  let auth: string | null = "unset";
  await withServer((request) => {
    auth = request.headers.get("authorization");
    return new Response("<html>", { status: 200 });
  }, async (baseUrl) => {
    await assertRejects(
      () => new IngestClient({ baseUrl }).postHeartbeats([]),
      SyntaxError,
      'with a body that is not JSON: "<html>"',
    );
  });
  assertEquals(auth, null);
});

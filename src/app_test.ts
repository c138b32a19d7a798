import { assertEquals } from "../tests/assert.ts";
import { createApp } from "./app.ts";

Deno.test("GET /healthz answers ok", async () => {
  const res = await createApp().request("/healthz");
  assertEquals(res.status, 200);
  assertEquals(await res.json(), { status: "ok" });
});

Deno.test("an unknown route is a JSON 404 that names the route", async () => {
  const res = await createApp().request("/nope", { method: "POST" });
  assertEquals(res.status, 404);
  assertEquals(await res.json(), { error: "no route for POST /nope" });
});

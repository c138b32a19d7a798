import { Hono } from "hono";
import { assert, assertEquals } from "../../tests/assert.ts";
import { mountWebApps } from "../web/routes.ts";
import { fixedBundle, readyState, TEST_BUILD_ID } from "../web/testing.ts";
import { graphiqlApp } from "./web_app.ts";

function app(tokens = false): Hono {
  const hono = new Hono();
  mountWebApps(hono, [graphiqlApp(fixedBundle(readyState("graphiql"), "graphiql"))], { tokens });
  return hono;
}

const HOST = { host: "127.0.0.1:8183" };

Deno.test("GET /graphiql: the page, with its CSP; the nonce is fresh and matches the meta tag", async () => {
  const hono = app();
  const res = await hono.request("/graphiql", { headers: HOST });
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("content-type"), "text/html; charset=utf-8");
  assertEquals(res.headers.get("cache-control"), "no-cache");
  const html = await res.text();
  const nonce = /<meta name="overlap-style-nonce" content="([^"]+)">/.exec(html)?.[1];
  assert(nonce !== undefined, html);
  assertEquals(
    res.headers.get("content-security-policy"),
    "default-src 'none'; script-src 'self'; " +
      `style-src 'self' 'nonce-${nonce}'; img-src 'self' data:; font-src 'self' data:; ` +
      "connect-src 'self' ws://127.0.0.1:8183 wss://127.0.0.1:8183; base-uri 'none'; " +
      "form-action 'none'; frame-ancestors 'none'",
  );
  assert(html.includes(`src="/graphiql/assets/${TEST_BUILD_ID}/main.js"`), html);
  assert(html.includes(`href="/graphiql/assets/${TEST_BUILD_ID}/main.css"`), html);
  assert(html.includes('<meta name="overlap-auth" content="open">'));
  const second = await (await hono.request("/graphiql", { headers: HOST })).text();
  assert(!second.includes(nonce), "every response has its own nonce");
});

Deno.test("the page tells the bundle when the server has tokens", async () => {
  const html = await (await app(true).request("/graphiql")).text();
  assert(html.includes('<meta name="overlap-auth" content="tokens">'));
});

Deno.test("a malformed Host header leaves only 'self' in connect-src", async () => {
  const res = await app().request("/graphiql", { headers: { host: "evil; script-src *" } });
  assertEquals(res.status, 200);
  const csp = res.headers.get("content-security-policy")!;
  assert(csp.includes("connect-src 'self'; "), csp);
  assert(!csp.includes("evil"), csp);
});

Deno.test("GET /graphiql/ redirects to /graphiql; assets live under /graphiql/assets/<build>/", async () => {
  const hono = app();
  const res = await hono.request("/graphiql/");
  assertEquals(res.status, 308);
  assertEquals(res.headers.get("location"), "/graphiql");
  const js = await hono.request(`/graphiql/assets/${TEST_BUILD_ID}/main.js`);
  assertEquals(js.status, 200);
  assertEquals(await js.text(), "console.log(1);");
  assertEquals((await hono.request(`/assets/${TEST_BUILD_ID}/main.js`)).status, 404);
});

import { Hono } from "hono";
import { assert, assertEquals } from "../../tests/assert.ts";
import { mountGraphiql } from "./routes.ts";
import { fixedBundle, readyState } from "./test_bundle.ts";

function app(state = readyState(), tokens = false, now = () => 0): Hono {
  const hono = new Hono();
  mountGraphiql(hono, fixedBundle(state), { tokens, now });
  hono.notFound((c) => c.json({ error: "no route" }, 404));
  return hono;
}

const HOST = { host: "127.0.0.1:8183" };

Deno.test("GET /graphiql: the page, with its CSP, nosniff and no-cache; the nonce is fresh and matches", async () => {
  const hono = app();
  const res = await hono.request("/graphiql", { headers: HOST });
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("content-type"), "text/html; charset=utf-8");
  assertEquals(res.headers.get("x-content-type-options"), "nosniff");
  assertEquals(res.headers.get("cache-control"), "no-cache");
  assertEquals(res.headers.get("x-frame-options"), "DENY");
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
  assert(html.includes('src="/graphiql/assets/main.0123456789abcdef.js"'), html);
  assert(html.includes('href="/graphiql/assets/main.fedcba9876543210.css"'), html);
  assert(html.includes('<meta name="overlap-auth" content="open">'));
  assert(!/<script>|<style|\son\w+=/.test(html), "no inline script, style or handler");
  const second = await (await hono.request("/graphiql", { headers: HOST })).text();
  assert(!second.includes(nonce), "every response has its own nonce");
});

Deno.test("the page tells the bundle when the server has tokens", async () => {
  const html = await (await app(readyState(), true).request("/graphiql")).text();
  assert(html.includes('<meta name="overlap-auth" content="tokens">'));
});

Deno.test("a malformed Host header leaves only 'self' in connect-src", async () => {
  const res = await app().request("/graphiql", { headers: { host: "evil; script-src *" } });
  assertEquals(res.status, 200);
  const csp = res.headers.get("content-security-policy")!;
  assert(csp.includes("connect-src 'self'; "), csp);
  assert(!csp.includes("evil"), csp);
});

Deno.test("GET /graphiql/ redirects to /graphiql", async () => {
  const res = await app().request("/graphiql/");
  assertEquals(res.status, 308);
  assertEquals(res.headers.get("location"), "/graphiql");
});

Deno.test("assets are served by exact hashed name with their content type and long caching", async () => {
  const hono = app();
  const js = await hono.request("/graphiql/assets/main.0123456789abcdef.js");
  assertEquals(js.status, 200);
  assertEquals(js.headers.get("content-type"), "text/javascript; charset=utf-8");
  assertEquals(js.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assertEquals(js.headers.get("x-content-type-options"), "nosniff");
  assertEquals(await js.text(), "console.log(1);");
  const css = await hono.request("/graphiql/assets/main.fedcba9876543210.css");
  assertEquals(css.headers.get("content-type"), "text/css; charset=utf-8");
  assertEquals(await css.text(), "a{}");
  const head = await hono.request("/graphiql/assets/main.0123456789abcdef.js", { method: "HEAD" });
  assertEquals(head.status, 200);
  assertEquals(await head.text(), "");
});

Deno.test("anything else under /graphiql/assets is 404, traversal included", async () => {
  const hono = app();
  for (
    const path of [
      "/graphiql/assets/main.js", // the bundler's name, not the served one
      "/graphiql/assets/manifest.json",
      "/graphiql/assets/..%2f..%2fdeno.json",
      "/graphiql/assets/%2e%2e%2f%2e%2e%2fdeno.json",
      "/graphiql/assets/..%5c..%5cdeno.json",
      "/graphiql/assets/main.0123456789abcdef.js%00.css",
      "/graphiql/assets/sub/main.0123456789abcdef.js",
      "/graphiql/assets/",
      "/graphiql/assets/../../deno.json",
    ]
  ) {
    const res = await hono.request(path);
    assertEquals(res.status, 404, path);
    const body = await res.text();
    assert(!body.includes('"imports"'), `${path} must not leak a file: ${body}`);
  }
  const res = await hono.request("/graphiql/assets/..%2f..%2fdeno.json");
  assertEquals(res.headers.get("x-content-type-options"), "nosniff");
  assertEquals(await res.json(), {
    error: 'no GraphiQL asset "../../deno.json"; the page names the current ones',
  });
});

Deno.test("while building: 503 with Retry-After and how long it has been building", async () => {
  const hono = app({ kind: "building", since: new Date(10_000) }, false, () => 17_000);
  const res = await hono.request("/graphiql");
  assertEquals(res.status, 503);
  assertEquals(res.headers.get("retry-after"), "5");
  assertEquals(res.headers.get("x-content-type-options"), "nosniff");
  const body = await res.json();
  assert(body.error.startsWith("GraphiQL is being built (for 7 s)"), body.error);
  assertEquals((await hono.request("/graphiql/assets/main.0123456789abcdef.js")).status, 404);
});

Deno.test("after a failed build: 503 with the reason and what to run", async () => {
  const res = await app({ kind: "failed", reason: "bundle graphiql: exited with code 1: boom" })
    .request("/graphiql");
  assertEquals(res.status, 503);
  assertEquals(res.headers.get("retry-after"), null);
  const body = await res.json();
  assert(body.error.includes("bundle graphiql: exited with code 1: boom"), body.error);
  assert(body.error.includes("deno task build:graphiql"), body.error);
});

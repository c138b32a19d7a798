import { Hono } from "hono";
import { assert, assertEquals } from "../../tests/assert.ts";
import type { BuiltAssetsState } from "./built_assets.ts";
import { mountWebApps, type WebApp } from "./routes.ts";
import { fixedBundle, readyState, TEST_BUILD_ID } from "./testing.ts";

const ID = TEST_BUILD_ID;

/** An app at `path` whose page lists the context it was given. */
function webApp(path: string, state: BuiltAssetsState, name = "t"): WebApp {
  const assetsPath = path === "/" ? "/assets" : `${path}/assets`;
  return {
    name,
    title: `App ${name}`,
    path,
    assetsPath,
    bundle: fixedBundle(state, name),
    page(assets, context) {
      if (!assets.files.has("main.js")) throw new TypeError("the build has no main.js");
      return {
        html: `<!doctype html>${context.assetsUrl}|${context.host}|${context.tokens}`,
        csp: "default-src 'none'",
      };
    },
  };
}

function server(apps: WebApp[], now = () => 0): Hono {
  const hono = new Hono();
  mountWebApps(hono, apps, { tokens: true, now });
  hono.notFound((c) => c.json({ error: "no route" }, 404));
  return hono;
}

Deno.test("the page: rendered over the current build, with the app's CSP, nosniff and no-cache", async () => {
  const hono = server([webApp("/", readyState()), webApp("/other", readyState(), "o")]);
  for (const [path, assetsUrl] of [["/", `/assets/${ID}/`], ["/other", `/other/assets/${ID}/`]]) {
    const res = await hono.request(path, { headers: { host: "127.0.0.1:8188" } });
    assertEquals(res.status, 200, path);
    assertEquals(await res.text(), `<!doctype html>${assetsUrl}|127.0.0.1:8188|true`);
    assertEquals(res.headers.get("content-type"), "text/html; charset=utf-8");
    assertEquals(res.headers.get("content-security-policy"), "default-src 'none'");
    assertEquals(res.headers.get("x-content-type-options"), "nosniff");
    assertEquals(res.headers.get("cache-control"), "no-cache");
    assertEquals(res.headers.get("x-frame-options"), "DENY");
  }
  const redirect = await hono.request("/other/");
  assertEquals(redirect.status, 308);
  assertEquals(redirect.headers.get("location"), "/other");
});

Deno.test("assets: by exact build id and name, with their type and long caching", async () => {
  const hono = server([webApp("/", readyState())]);
  for (
    const [name, type, body] of [
      ["main.js", "text/javascript; charset=utf-8", "console.log(1);"],
      ["main.css", "text/css; charset=utf-8", "a{}"],
      ["overlap.wasm", "application/wasm", "\0asm"],
    ]
  ) {
    const res = await hono.request(`/assets/${ID}/${name}`);
    assertEquals(res.status, 200, name);
    assertEquals(res.headers.get("content-type"), type);
    assertEquals(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assertEquals(res.headers.get("x-content-type-options"), "nosniff");
    assertEquals(await res.text(), body);
  }
  const head = await hono.request(`/assets/${ID}/main.js`, { method: "HEAD" });
  assertEquals([head.status, await head.text()], [200, ""]);
});

Deno.test("anything else under the assets path is 404, traversal included", async () => {
  const hono = server([webApp("/", readyState()), webApp("/graphiql", readyState(), "g")]);
  for (
    const path of [
      `/assets/${ID}/../manifest.json`,
      `/assets/${ID}/%2e%2e%2fmanifest.json`,
      `/assets/${ID}/..%2f..%2fdeno.json`,
      `/assets/${ID}/..%5c..%5cdeno.json`,
      `/assets/ffffffffffffffff/main.js`,
      `/assets/${ID}/index.html`,
      `/assets/${ID}/main.js%00.css`,
      `/assets/${ID}/sub/main.js`,
      `/assets/${ID}`,
      `/assets/${ID}/`,
      "/assets/main.js",
      "/assets/../../etc/passwd",
      `/graphiql/assets/${ID}/../../deno.json`,
      `/graphiql/assets/${ID}/manifest.json`,
    ]
  ) {
    const res = await hono.request(path);
    assertEquals(res.status, 404, path);
    const body = await res.text();
    assert(!body.includes('"imports"'), `${path} must not leak a file: ${body}`);
  }
  const res = await hono.request(`/assets/${ID}/..%2f..%2fdeno.json`);
  assertEquals(res.headers.get("x-content-type-options"), "nosniff");
  assertEquals(await res.json(), {
    error: `no t asset "${ID}/../../deno.json"; the page names the current ones (reload it)`,
  });
});

Deno.test("while building: 503 with Retry-After and how long it has been building", async () => {
  const state = { kind: "building", since: new Date(10_000) } as const;
  const hono = server([webApp("/", state)], () => 17_000);
  const res = await hono.request("/");
  assertEquals(res.status, 503);
  assertEquals(res.headers.get("retry-after"), "5");
  assertEquals(res.headers.get("x-content-type-options"), "nosniff");
  assertEquals(res.headers.get("cache-control"), "no-store");
  const body = await res.json();
  assert(body.error.startsWith("App t is being built (for 7 s); reload in a few seconds."), body);
  assert(body.error.includes("deno task build"), body.error);
  assertEquals((await hono.request(`/assets/${ID}/main.js`)).status, 404);
});

Deno.test("after a failed build: 503 with the reason and what to run; HTML for a browser", async () => {
  const reason = "bundle t: deno bundle exited with code 1: <script>boom</script>";
  const hono = server([webApp("/", { kind: "failed", reason })]);
  const res = await hono.request("/");
  assertEquals(res.status, 503);
  assertEquals(res.headers.get("retry-after"), null);
  const { error } = await res.json();
  assertEquals(
    error,
    `App t is not available: its bundle could not be built: ${reason}. ` +
      "Run deno task build to see the build, then restart the server.",
  );
  const page = await hono.request("/", { headers: { accept: "text/html,*/*;q=0.8" } });
  assertEquals(page.status, 503);
  assertEquals(page.headers.get("content-type"), "text/html; charset=UTF-8");
  assertEquals(page.headers.get("content-security-policy")?.startsWith("default-src 'none'"), true);
  const html = await page.text();
  assert(html.includes("<h1>App t is not available</h1>"), html);
  assert(html.includes("&lt;script&gt;boom&lt;/script&gt;"), "the reason is escaped");
  assert(!html.includes("<script>"), html);
  assert(html.includes("deno task build"), html);
});

Deno.test("a build without what the page needs: 503 naming it", async () => {
  const ready = readyState();
  assert(ready.kind === "ready");
  const files = new Map(ready.assets.files);
  files.delete("main.js");
  const hono = server([webApp("/", { ...ready, assets: { id: ID, files } })]);
  const res = await hono.request("/");
  assertEquals(res.status, 503);
  assertEquals((await res.json()).error, "App t is not available: the build has no main.js");
});

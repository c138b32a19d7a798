import { assert, assertEquals } from "../../tests/assert.ts";
import { assetRoutes, CONTENT_SECURITY_POLICY } from "./asset_routes.ts";

const encoder = new TextEncoder();
const DIR = "0123456789abcdef";
const app = assetRoutes({
  ok: true,
  index: encoder.encode("<!doctype html><title>t</title>"),
  dir: DIR,
  files: new Map([
    ["app.js", encoder.encode("export {}")],
    ["overlap.wasm", new Uint8Array([0, 97, 115, 109])],
    ["style.css", encoder.encode("body{}")],
  ]),
}, "/assets");

Deno.test("asset routes: the page and assets with their types, CSP, nosniff and caching", async () => {
  const page = await app.request("/");
  assertEquals(page.status, 200);
  assertEquals(page.headers.get("content-type"), "text/html; charset=utf-8");
  assertEquals(page.headers.get("cache-control"), "no-cache");
  assertEquals(page.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
  assertEquals(page.headers.get("x-content-type-options"), "nosniff");
  assert(!CONTENT_SECURITY_POLICY.includes("unsafe-inline"), "no inline script or style");
  assert(CONTENT_SECURITY_POLICY.includes("connect-src 'self'"));
  for (
    const [name, type] of [
      ["app.js", "text/javascript; charset=utf-8"],
      ["overlap.wasm", "application/wasm"],
      ["style.css", "text/css; charset=utf-8"],
    ]
  ) {
    const res = await app.request(`/assets/${DIR}/${name}`);
    assertEquals([res.status, res.headers.get("content-type")], [200, type]);
    assertEquals(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assertEquals(res.headers.get("x-content-type-options"), "nosniff");
    await res.body?.cancel();
  }
});

Deno.test("asset routes: nothing outside the build is reachable (traversal, other dirs, unknown names)", async () => {
  for (
    const path of [
      `/assets/${DIR}/../stamp.json`,
      `/assets/${DIR}/%2e%2e%2fstamp.json`,
      `/assets/${DIR}/..%2f..%2fdeno.json`,
      `/assets/ffffffffffffffff/app.js`,
      `/assets/${DIR}/index.html`,
      `/assets/${DIR}/app.js%00.png`,
      `/assets/${DIR}`,
      "/assets/../../etc/passwd",
    ]
  ) {
    const res = await app.request(path);
    assertEquals(res.status, 404, path);
    await res.body?.cancel();
  }
});

Deno.test("asset routes: a failed build answers 503 with the reason, escaped", async () => {
  const failed = assetRoutes({ ok: false, reason: "deno bundle failed: <script>x</script>" }, "/a");
  const res = await failed.request("/");
  assertEquals(res.status, 503);
  const text = await res.text();
  assert(text.includes("deno bundle failed: &#60;script&#62;x&#60;/script&#62;"), text);
  assert(text.includes("deno task build:ui"));
  assertEquals(res.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
});

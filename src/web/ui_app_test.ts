import { Hono } from "hono";
import { assert, assertEquals } from "../../tests/assert.ts";
import { inputFiles } from "./bundle.ts";
import { mountWebApps } from "./routes.ts";
import { entryGraph, fixedBundle, readyState, TEST_BUILD_ID } from "./testing.ts";
import { uiApp, uiSpec } from "./ui_app.ts";

Deno.test("GET /: the UI page over the current build, its CSP and headers", async () => {
  const hono = new Hono();
  mountWebApps(hono, [uiApp(fixedBundle(readyState("ui"), "ui"))], { tokens: false });
  const res = await hono.request("/", { headers: { host: "127.0.0.1:8188" } });
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("content-type"), "text/html; charset=utf-8");
  assertEquals(res.headers.get("cache-control"), "no-cache");
  assertEquals(res.headers.get("x-content-type-options"), "nosniff");
  assertEquals(
    res.headers.get("content-security-policy"),
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
      "img-src 'self' data:; connect-src 'self' ws://127.0.0.1:8188 wss://127.0.0.1:8188; " +
      "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  );
  const html = await res.text();
  assert(html.includes(`<script type="module" src="/assets/${TEST_BUILD_ID}/main.js"`), html);
  assert(html.includes(`href="/assets/${TEST_BUILD_ID}/main.css"`), html);
  assert(html.includes('<div id="app"><p class="boot">Loading Overlap…</p></div>'), html);
  assert(!/<script>|<style|\son\w+=/.test(html), "no inline script, style or handler");
  // The engine is fetched by the bundle from beside it.
  const wasm = await hono.request(`/assets/${TEST_BUILD_ID}/overlap.wasm`);
  assertEquals(wasm.headers.get("content-type"), "application/wasm");
  await wasm.body?.cancel();
});

/**
 * The stamp hashes only the listed inputs, so every local module the entry
 * imports must be among them (else a change to it would not rebuild).
 */
Deno.test("the UI spec's inputs cover every local module the entry imports, and the engine", async () => {
  const spec = uiSpec();
  const { local, npm } = await entryGraph(spec);
  assert(local.includes("src/ui/main.tsx") && local.includes("wasm/mod.ts"), local.join(", "));
  const inputs = new Set(await inputFiles(spec));
  assertEquals(local.filter((file) => !inputs.has(file)), [], "local modules missing from inputs");
  assert(inputs.has("wasm/overlap.wasm"), "the copied engine is in the stamp");
  assert(inputs.has("deno.lock") && inputs.has("deno.json"), "package versions are in the stamp");
  assert(npm.some((s) => s.startsWith("npm:/preact@10.")), npm.join(", "));
});

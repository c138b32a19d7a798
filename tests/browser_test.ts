/**
 * The engine runs in a browser: `wasm/mod.ts` is bundled for the browser
 * with `deno bundle`, served with `overlap.wasm` beside it from loopback, and
 * the seed example is run in headless Chromium.
 *
 * Needs Debian's Chromium (`apt-get install chromium`; `.ci/run` installs
 * it). Without it the test is reported as ignored, not passed.
 */
import { assertEquals } from "./assert.ts";
import { hasChromium, launchChromium } from "./chromium.ts";
import { SEED_DELTA, SEED_EXPECTED, VIEW_1, VIEW_2 } from "./seed.ts";

const ROOT = new URL("../", import.meta.url);

async function bundle(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--platform", "browser", "--config", "deno.json", "wasm/mod.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno bundle failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

Deno.test({
  name: "the engine bundled for the browser runs the seed example in Chromium",
  ignore: !hasChromium,
  async fn() {
    const script = await bundle();
    const wasm = await Deno.readFile(new URL("wasm/overlap.wasm", ROOT));
    const page = `<!doctype html><script type="module">
      import { intersectJson, merge, parseSubscription } from "./overlap.js";
      const a = parseSubscription(${JSON.stringify(VIEW_1)});
      const b = parseSubscription(${JSON.stringify(VIEW_2)});
      window.result = intersectJson(${JSON.stringify(SEED_DELTA)}, merge(a, b));
    </script>`;
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/") return new Response(page, { headers: { "content-type": "text/html" } });
      if (path === "/overlap.js") {
        return new Response(script, { headers: { "content-type": "text/javascript" } });
      }
      if (path === "/overlap.wasm") {
        return new Response(wasm, { headers: { "content-type": "application/wasm" } });
      }
      return new Response("not found", { status: 404 });
    });
    const browser = await launchChromium();
    try {
      const tab = await browser.newPage();
      const errors: string[] = [];
      tab.on("pageerror", (e) => errors.push(String(e)));
      await tab.goto(`http://127.0.0.1:${server.addr.port}/`);
      await tab.waitForFunction(() => "result" in window, undefined, { timeout: 20_000 });
      assertEquals(errors, []);
      assertEquals(
        await tab.evaluate(() => (window as unknown as { result: string }).result),
        SEED_EXPECTED,
      );
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});

/**
 * The pages wired into a whole server the way `deno task start` wires them:
 * real builds of the real UI and GraphiQL bundles (into temporary
 * directories), and a broken build that leaves the server running with
 * that page answering 503.
 */
import { assert, assertEquals } from "../../tests/assert.ts";
import { serverCases } from "../../tests/server_fixture.ts";
import { graphiqlSpec } from "../graphiql/bundle_spec.ts";
import { createLogger } from "../log.ts";
import { webExtension, type WebExtensionOptions } from "./extension.ts";
import { uiSpec } from "./ui_app.ts";

const pglite = serverCases().find((c) => c.name === "pglite")!;

/** A server with both pages built into a temporary directory (`options` may break one). */
async function start(options: (out: URL) => WebExtensionOptions = () => ({})) {
  const out = new URL(`file://${await Deno.makeTempDir({ prefix: "overlap-web-" })}/`);
  const lines: string[] = [];
  const log = createLogger("overlap", "info", (line) => lines.push(line));
  const web = webExtension(log.child("web"), {
    ui: uiSpec(new URL("ui/", out)),
    graphiql: graphiqlSpec(new URL("graphiql/", out)),
    ...options(out),
  });
  // As src/extensions.ts does: the server listens once the bundles settled.
  const test = await pglite.start({}, {
    log,
    extend: async () => {
      await web.ready;
      return [web];
    },
    services: () => ({ web: web.apps }),
  });
  return {
    test,
    lines,
    async stop() {
      await test.stop();
      await Deno.remove(out, { recursive: true });
    },
  };
}

async function asset(base: string, html: string, pattern: RegExp) {
  const path = pattern.exec(html)?.[1];
  assert(path, `${pattern} in ${html}`);
  const res = await fetch(base + path, { headers: { "accept-encoding": "gzip" } });
  assertEquals(res.status, 200, path);
  return { path, res, text: await res.text() }; // fetch undoes the gzip
}

Deno.test("both real bundles are built before the server listens, served, and reported on /status", async () => {
  const { test, lines, stop } = await start();
  try {
    const base = test.server.url;
    // The UI: its page, bundle, stylesheet and the engine beside the bundle.
    const page = await fetch(`${base}/`);
    assertEquals(page.status, 200, "no 503 on the first request");
    const html = await page.text();
    const js = await asset(base, html, /src="(\/assets\/[0-9a-f]{16}\/main\.js)"/);
    assertEquals(js.res.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert(js.text.includes("overlap.wasm"), "the engine is loaded beside the bundle");
    const css = await asset(base, html, /href="(\/assets\/[0-9a-f]{16}\/main\.css)"/);
    assert(css.text.includes(".tree-row"), "the UI's stylesheet");
    const wasm = await fetch(base + js.path.replace("main.js", "overlap.wasm"));
    assertEquals(wasm.headers.get("content-type"), "application/wasm");
    assertEquals(
      new Uint8Array(await wasm.arrayBuffer()).slice(0, 4),
      new Uint8Array([0, 0x61, 0x73, 0x6d]),
    );

    // GraphiQL.
    const gq = await (await fetch(`${base}/graphiql`)).text();
    const script = await asset(base, gq, /src="(\/graphiql\/assets\/[0-9a-f]{16}\/main\.js)"/);
    assert(script.text.includes("graphql-transport-ws"), "graphql-ws is in the bundle");
    assert(script.text.length > 500_000, `GraphiQL, React, CodeMirror (${script.text.length} B)`);
    const sheet = await asset(base, gq, /href="(\/graphiql\/assets\/[0-9a-f]{16}\/main\.css)"/);
    assert(sheet.text.includes(".graphiql-container"), "GraphiQL's stylesheet");
    assert(sheet.text.includes(".overlap-token"), "the page's own stylesheet");
    for (const text of [css.text, sheet.text]) {
      assert(!/url\((["']?)(https?:)?\/\//.test(text), "no remote fonts or images");
    }

    // Another site's page cannot pull the bundle through a visitor's browser.
    const foreign = await fetch(base + script.path, {
      headers: { origin: "https://evil.example" },
    });
    assertEquals(foreign.status, 403);
    await foreign.body?.cancel();

    const status = await (await fetch(`${base}/status`)).json();
    assertEquals([status.web.ui.state, status.web.ui.built], ["ready", true]);
    assertEquals([status.web.graphiql.state, status.web.graphiql.built], ["ready", true]);
    for (const name of ["ui", "graphiql"]) {
      assert(
        lines.some((l) => l.includes(`INFO [overlap/web] ${name} bundle built`)),
        lines.join("\n"),
      );
    }
    assertEquals(lines.filter((l) => l.includes(" ERROR ")), []);

    // The pages and their assets are counted under bounded labels.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (
      const [route, code, count] of [
        ["/", 200, 1],
        ["/assets/*", 200, 3],
        ["/graphiql", 200, 1],
        ["/graphiql/assets/*", 200, 2],
        ["/graphiql/assets/*", 403, 1],
      ] as const
    ) {
      const line = `overlap_http_requests_total{route="${route}",code="${code}"} ${count}`;
      assert(metrics.split("\n").includes(line), `${line} in\n${metrics}`);
    }
    assert(!metrics.includes("main.js"), "no raw asset path is a label");
  } finally {
    await stop();
  }
});

Deno.test("a failed build: the server runs, that page answers 503 with the reason, one error line", async () => {
  const { test, lines, stop } = await start((out) => ({
    ui: { ...uiSpec(new URL("ui/", out)), entry: "src/ui/no_such_entry.tsx" },
  }));
  try {
    const res = await fetch(`${test.server.url}/`);
    assertEquals(res.status, 503);
    const { error } = await res.json();
    assert(error.startsWith("The Overlap UI is not available: its bundle could not be built: "));
    assert(error.includes("no_such_entry.tsx"), error);
    const page = await fetch(`${test.server.url}/`, { headers: { accept: "text/html" } });
    assertEquals(page.status, 503);
    assert((await page.text()).includes("<h1>The Overlap UI is not available</h1>"));
    assertEquals((await fetch(`${test.server.url}/healthz`)).status, 200);
    const graphiql = await fetch(`${test.server.url}/graphiql`);
    assertEquals(graphiql.status, 200, "the other page is served");
    await graphiql.body?.cancel();
    const status = await (await fetch(`${test.server.url}/status`)).json();
    assertEquals(status.web.ui.state, "failed");
    const errors = lines.filter((l) => l.includes(" ERROR "));
    assertEquals(errors.length, 1, errors.join("\n"));
    assert(errors[0].includes("[overlap/web] ui is unavailable: bundle ui:"), errors[0]);
    assert(!errors[0].includes("\n"));
  } finally {
    await stop();
  }
});

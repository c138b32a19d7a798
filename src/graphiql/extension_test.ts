/**
 * GraphiQL wired into a whole server the way `deno task start` wires it: a
 * real build of the real bundle (into a temporary directory), and a broken
 * build that leaves the server running with `/graphiql` answering 503.
 */
import { assert, assertEquals } from "../../tests/assert.ts";
import { serverCases } from "../../tests/server_fixture.ts";
import { createLogger } from "../log.ts";
import { graphiqlSpec } from "./bundle_spec.ts";
import { graphiqlExtension } from "./extension.ts";

const pglite = serverCases().find((c) => c.name === "pglite")!;

/** A server with GraphiQL (the real entry, or `entry`) built into a temporary directory. */
async function start(entry?: string) {
  const outDir = new URL(`file://${await Deno.makeTempDir({ prefix: "overlap-graphiql-" })}/`);
  const lines: string[] = [];
  const log = createLogger("overlap", "info", (line) => lines.push(line));
  const spec = { ...graphiqlSpec(outDir), ...(entry ? { entry } : {}) };
  const graphiql = graphiqlExtension(log.child("graphiql"), spec);
  const test = await pglite.start({}, {
    log,
    extend: () => [graphiql],
    services: () => ({ graphiql: graphiql.bundle }),
  });
  return {
    test,
    lines,
    graphiql,
    async stop() {
      await test.stop();
      await Deno.remove(outDir, { recursive: true });
    },
  };
}

Deno.test("the real GraphiQL bundle is built, served and reported on /status", async () => {
  const { test, lines, graphiql, stop } = await start();
  try {
    const state = await graphiql.bundle.settled;
    assert(state.kind === "ready", JSON.stringify(state));
    const page = await fetch(`${test.server.url}/graphiql`);
    assertEquals(page.status, 200);
    const html = await page.text();
    const script = /src="(\/graphiql\/assets\/main\.[0-9a-f]{16}\.js)"/.exec(html)?.[1];
    const style = /href="(\/graphiql\/assets\/main\.[0-9a-f]{16}\.css)"/.exec(html)?.[1];
    assert(script && style, html);
    const js = await fetch(test.server.url + script, { headers: { "accept-encoding": "gzip" } });
    assertEquals(js.status, 200);
    assertEquals(js.headers.get("content-type"), "text/javascript; charset=utf-8");
    const code = await js.text(); // fetch undoes the gzip
    assert(code.includes("graphql-transport-ws"), "graphql-ws is in the bundle");
    assert(code.length > 500_000, `GraphiQL, React and CodeMirror are bundled (${code.length} B)`);
    const css = await fetch(test.server.url + style);
    assertEquals(css.headers.get("content-type"), "text/css; charset=utf-8");
    const sheet = await css.text();
    assert(sheet.includes(".graphiql-container"), "GraphiQL's stylesheet");
    assert(sheet.includes(".overlap-token"), "the page's own stylesheet");
    assert(!/url\((["']?)(https?:)?\/\//.test(sheet), "no remote fonts or images");

    // Another site's page cannot pull the bundle through a visitor's browser.
    const foreign = await fetch(test.server.url + script, {
      headers: { origin: "https://evil.example" },
    });
    assertEquals(foreign.status, 403);
    await foreign.body?.cancel();

    const status = await (await fetch(`${test.server.url}/status`)).json();
    assertEquals(status.graphiql.state, "ready");
    assertEquals(status.graphiql.built, true);
    assert(lines.some((l) => l.includes("INFO [overlap/graphiql] graphiql bundle built")));
  } finally {
    await stop();
  }
});

Deno.test("a failed build: the server runs, /graphiql answers 503 with the reason, one error line", async () => {
  const { test, lines, graphiql, stop } = await start("src/graphiql/client/no_such_entry.tsx");
  try {
    const state = await graphiql.bundle.settled;
    assertEquals(state.kind, "failed");
    const res = await fetch(`${test.server.url}/graphiql`);
    assertEquals(res.status, 503);
    const { error } = await res.json();
    assert(error.startsWith("GraphiQL is not available: its bundle could not be built: "), error);
    assert(error.includes("no_such_entry.tsx"), error);
    assertEquals((await fetch(`${test.server.url}/healthz`)).status, 200);
    const status = await (await fetch(`${test.server.url}/status`)).json();
    assertEquals(status.graphiql.state, "failed");
    const errors = lines.filter((l) => l.includes(" ERROR "));
    assertEquals(errors.length, 1, errors.join("\n"));
    assert(errors[0].includes("[overlap/graphiql] graphiql is unavailable: bundle graphiql:"));
    assert(!errors[0].includes("\n"));
  } finally {
    await stop();
  }
});

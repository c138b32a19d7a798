/// <reference lib="dom" />
/**
 * GraphiQL end to end in Debian's Chromium (driven by playwright-core): the
 * real bundle served by a real server at /graphiql, a query over HTTP, a
 * standard and a delta-mode subscription over graphql-transport-ws seeing a
 * delta the test posts, and the same with a token on a server with tokens.
 * Every page is checked for console errors, page errors, and requests to
 * anything but the server. Screenshots go to test_artifacts/graphiql/
 * (gitignored).
 *
 * Needs /usr/bin/chromium (`apt-get install chromium`; `.ci/run` installs
 * it). Without it the test is reported as ignored, except under CI=true,
 * where it fails.
 */
import type { Browser, Page } from "playwright-core";
import { graphiqlSpec } from "../src/graphiql/bundle_spec.ts";
import { graphiqlApp } from "../src/graphiql/web_app.ts";
import { TOKEN_KEY } from "../src/graphiql/client/token_store.ts";
import { silentLogger } from "../src/log.ts";
import { prepareAssets } from "../src/web/built_assets.ts";
import { assert, assertEquals } from "./assert.ts";
import { CHROMIUM, hasChromium, launchChromium } from "./chromium.ts";
import { serverCases, type TestServer } from "./server_fixture.ts";

const inCi = Deno.env.get("CI") === "true";
const ARTIFACTS = new URL("../test_artifacts/graphiql/", import.meta.url);
const TIMEOUT = 20_000;

const pglite = serverCases().find((c) => c.name === "pglite")!;
const READER = "graphiql-reader-0123456789";
const WRITER = "graphiql-writer-0123456789";
const TOKENS = JSON.stringify([
  { name: "reader", token: READER, scopes: ["read"] },
  { name: "writer", token: WRITER, scopes: ["write"] },
]);
const FLOW = "~e2e/flow";
const TASK = `${FLOW}//1/foo`;

function delta(status: string) {
  return { workflows: [{ id: FLOW, status: "running", taskProxies: [{ id: TASK, status }] }] };
}

/** Everything a page did that the test checks afterwards. */
class Watch {
  readonly errors: string[] = [];
  readonly requests: { url: string; method: string; authorization?: string }[] = [];
  readonly sockets: string[] = [];
  readonly sent: string[] = [];
  readonly received: string[] = [];
  /** Console errors expected in this phase (a refused token's 401), by pattern. */
  expected: RegExp | undefined = undefined;

  constructor(page: Page) {
    page.on("console", (message) => {
      if (message.type() !== "error" && message.type() !== "warning") return;
      const text = `console.${message.type()}: ${message.text()}`;
      if (!(this.expected?.test(text))) this.errors.push(text);
    });
    page.on("pageerror", (error) => this.errors.push(`page error: ${error}`));
    page.on("request", (request) => {
      this.requests.push({
        url: request.url(),
        method: request.method(),
        authorization: request.headers()["authorization"],
      });
    });
    page.on("websocket", (socket) => {
      this.sockets.push(socket.url());
      socket.on("framesent", (frame) => this.sent.push(String(frame.payload)));
      socket.on("framereceived", (frame) => this.received.push(String(frame.payload)));
    });
  }

  /** Asserts no errors and no request or socket to anything but `server`. */
  check(server: TestServer): void {
    assertEquals(this.errors, []);
    const host = new URL(server.server.url).host;
    for (const url of [...this.requests.map((r) => r.url), ...this.sockets]) {
      if (url.startsWith("data:")) continue;
      assertEquals(new URL(url).host, host, `request to ${url}`);
    }
  }

  messages(type: string): Record<string, unknown>[] {
    return [...this.sent, ...this.received].map((text) => JSON.parse(text)).filter((m) =>
      m.type === type
    );
  }
}

async function response(page: Page): Promise<string> {
  return await page.evaluate(() => {
    const element = document.querySelector(".result-window .CodeMirror") as
      | (Element & { CodeMirror: { getValue(): string } })
      | null;
    return element?.CodeMirror.getValue() ?? "";
  });
}

async function waitForResponse(page: Page, ...needles: string[]): Promise<string> {
  try {
    await page.waitForFunction(
      (all: string[]) => {
        const element = document.querySelector(".result-window .CodeMirror") as
          | (Element & { CodeMirror: { getValue(): string } })
          | null;
        const text = element?.CodeMirror.getValue() ?? "";
        return all.every((needle) => text.includes(needle));
      },
      needles,
      { timeout: TIMEOUT },
    );
  } catch (error) {
    throw new Error(
      `the response pane never held ${JSON.stringify(needles)}; it holds:\n${await response(page)}`,
      { cause: error },
    );
  }
  return await response(page);
}

/** Opens GraphiQL's tab `name` and waits until its editor has parsed the operation. */
async function openTab(page: Page, name: string): Promise<void> {
  await page.locator(".graphiql-tab-button", { hasText: new RegExp(`^${name}$`) }).click();
  await page.waitForFunction(
    (operation: string) => {
      const element = document.querySelector(".graphiql-query-editor .CodeMirror") as
        | (Element & { CodeMirror: { operationName?: string } })
        | null;
      return element?.CodeMirror.operationName === operation;
    },
    name,
    { timeout: TIMEOUT },
  );
}

async function run(page: Page): Promise<void> {
  await page.locator(".graphiql-execute-button").click();
}

async function screenshot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL(name, ARTIFACTS).pathname });
}

async function openGraphiql(browser: Browser, test: TestServer) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const watch = new Watch(page);
  const res = await page.goto(`${test.server.url}/graphiql`);
  assertEquals(res?.status(), 200);
  await page.waitForSelector(".graphiql-container", { timeout: TIMEOUT });
  return { context, page, watch };
}

Deno.test({
  name: "GraphiQL in Chromium: queries, standard and @deltas subscriptions, tokens",
  ignore: !hasChromium && !inCi,
  async fn(t) {
    if (!hasChromium) {
      throw new Error(`${CHROMIUM} is missing; CI=true needs it (apt-get install chromium)`);
    }
    const bundle = prepareAssets(graphiqlSpec(), { log: silentLogger });
    const state = await bundle.settled;
    assert(state.kind === "ready", `the GraphiQL bundle: ${JSON.stringify(state)}`);
    const services = () => ({ web: [graphiqlApp(bundle)] });
    const browser = await launchChromium();
    try {
      await t.step(
        "open server: a query, a standard subscription, a delta-mode subscription",
        async () => {
          const test = await pglite.start({}, { services });
          try {
            assertEquals((await test.post("/api/deltas", delta("waiting"))).status, 200);
            const { context, page, watch } = await openGraphiql(browser, test);
            assertEquals(await page.locator("#overlap-token-input").count(), 0, "no token panel");

            // The first tab: the Workflows query, over HTTP.
            await run(page);
            const data = await waitForResponse(page, `"id": "${TASK}"`);
            assert(data.includes(`"status": "waiting"`), data);
            assert(
              watch.requests.some((r) => r.method === "POST" && r.url.endsWith("/graphql")),
              "queries are POSTed to /graphql",
            );
            await screenshot(page, "open-query.png");
            // The way back to the UI, where GraphiQL puts its logo.
            const home = page.getByRole("link", { name: "← Overlap UI" });
            assertEquals(await home.getAttribute("href"), "/");

            // The second tab: a standard subscription. The current result first…
            await openTab(page, "WatchTasks");
            await run(page);
            await waitForResponse(page, `"seq": `, `"status": "waiting"`);
            // …then, after a delta, the full result again.
            assertEquals((await test.post("/api/deltas", delta("succeeded"))).status, 200);
            const next = await waitForResponse(page, `"status": "succeeded"`);
            assert(next.includes(`"id": "${FLOW}"`) && next.includes(`"status": "running"`), next);
            assertEquals(watch.sockets, [test.wsUrl]);
            const [init] = watch.messages("connection_init");
            assertEquals(init.payload, {});
            const subscribe = watch.messages("subscribe");
            assertEquals(subscribe.length, 1);
            assert(
              String((subscribe[0].payload as { query: string }).query).includes(
                "subscription WatchTasks",
              ),
            );
            assert(watch.messages("next").length >= 2, "the current result and the change");
            await screenshot(page, "open-subscription.png");
            await run(page); // the button now stops the subscription

            // The third tab: delta mode. A snapshot, then only what changed.
            await openTab(page, "WatchTaskDeltas");
            await run(page);
            await waitForResponse(page, `"snapshot": true`, `"status": "succeeded"`);
            assertEquals((await test.post("/api/deltas", delta("failed"))).status, 200);
            const change = await waitForResponse(page, `"status": "failed"`, `"pruned": []`);
            assert(
              !change.includes(`"status": "running"`),
              `only the changed field travels:\n${change}`,
            );
            assert(watch.messages("complete").length >= 1, "the standard subscription was stopped");
            await screenshot(page, "open-deltas.png");

            // The settings dialog inserts a <style> (allowed by the page's nonce).
            await page.locator('[aria-label="Open settings dialog"]').click();
            await page.locator(".graphiql-dialog").waitFor({ timeout: TIMEOUT });
            await page.keyboard.press("Escape");
            watch.check(test);
            await context.close();
          } finally {
            await test.stop();
          }
        },
      );

      await t.step(
        "server with tokens: the token panel, a refused token, then queries and subscriptions with the token",
        async () => {
          const test = await pglite.start({ OVERLAP_TOKENS: TOKENS }, { services });
          try {
            assertEquals((await test.post("/api/deltas", delta("waiting"), WRITER)).status, 200);
            const { context, page, watch } = await openGraphiql(browser, test);
            const input = page.locator("#overlap-token-input");
            await input.waitFor({ timeout: TIMEOUT });
            const status = page.locator(".overlap-token-status");
            assert((await status.textContent())?.includes("This server needs a token"));
            assertEquals(
              watch.requests.filter((r) => r.url.endsWith("/graphql")),
              [],
              "nothing is sent without a token",
            );
            await screenshot(page, "tokens-panel.png");

            // A wrong token: the server's 401 is shown in words (and logged by the browser).
            watch.expected = /status of 401/;
            await input.fill("not-a-valid-token-0000");
            await page.getByRole("button", { name: "Use token" }).click();
            await page.locator(".overlap-token-error", { hasText: "the server answered 401" })
              .waitFor({ timeout: TIMEOUT });
            await screenshot(page, "tokens-refused.png");

            // The reader's token: the schema loads, queries and subscriptions run.
            await input.fill(READER);
            await page.getByRole("button", { name: "Use token" }).click();
            await page.locator(".overlap-token-status[data-state=set]").waitFor({
              timeout: TIMEOUT,
            });
            assertEquals(await page.locator(".overlap-token-error").count(), 0, "problem cleared");
            const introspected = () =>
              watch.requests.some((r) =>
                r.url.endsWith("/graphql") && r.authorization === `Bearer ${READER}`
              );
            const deadline = Date.now() + TIMEOUT;
            while (!introspected() && Date.now() < deadline) await page.waitForTimeout(50);
            assert(introspected(), "the schema is fetched again with the token");
            watch.expected = undefined;

            await run(page);
            await waitForResponse(page, `"id": "${TASK}"`);
            await openTab(page, "WatchTasks");
            await run(page);
            await waitForResponse(page, `"seq": `, `"status": "waiting"`);
            assertEquals((await test.post("/api/deltas", delta("succeeded"), WRITER)).status, 200);
            await waitForResponse(page, `"status": "succeeded"`);
            await screenshot(page, "tokens-subscription.png");

            // Where the token went, and where it did not.
            const inits = watch.messages("connection_init");
            assertEquals(inits.map((m) => m.payload), [{ token: READER }]);
            for (const request of watch.requests) {
              assert(!request.url.includes(READER), `token in a URL: ${request.url}`);
              if (request.url.endsWith("/graphql") && request.method === "POST") {
                assert(
                  request.authorization === `Bearer ${READER}` ||
                    request.authorization === "Bearer not-a-valid-token-0000",
                  `POST /graphql without the token: ${JSON.stringify(request)}`,
                );
              }
            }
            for (const socket of watch.sockets) assert(!socket.includes(READER), socket);
            assertEquals(
              await page.evaluate((key: string) => sessionStorage.getItem(key), TOKEN_KEY),
              READER,
            );
            const persisted = await page.evaluate(() => JSON.stringify({ ...localStorage }));
            assert(!persisted.includes(READER), "the token is not in localStorage");
            watch.check(test);
            await context.close();
          } finally {
            await test.stop();
          }
        },
      );
    } finally {
      await browser.close();
    }
  },
});

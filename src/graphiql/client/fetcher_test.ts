/**
 * GraphiQL's fetcher against a real Overlap server (embedded PGlite), in
 * Deno: queries over HTTP, standard subscriptions over graphql-ws, tokens
 * sent the documented ways, and refusals reported in words.
 */
import type { Observable } from "@graphiql/toolkit";
import { parse } from "graphql";
import { assert, assertEquals } from "../../../tests/assert.ts";
import { serverCases, type TestServer, waitFor } from "../../../tests/server_fixture.ts";
import { STANDARD_SUBSCRIPTION } from "./default_query.ts";
import {
  createOverlapFetcher,
  isSubscription,
  type OverlapFetcherOptions,
  TOKEN_NEEDED_MESSAGE,
  webSocketUrl,
} from "./fetcher.ts";

const pglite = serverCases().find((c) => c.name === "pglite")!;
const READER = "reader-token-0123456789";
const WRITER = "writer-token-0123456789";
const TOKENS = JSON.stringify([
  { name: "reader", token: READER, scopes: ["read"] },
  { name: "writer", token: WRITER, scopes: ["write"] },
]);
const FLOW = "~graphiql/flow";
const TASK = `${FLOW}//1/foo`;
const QUERY = "query Tasks { workflows { id taskProxies { id status } } }";

function delta(status: string) {
  return { workflows: [{ id: FLOW, status: "running", taskProxies: [{ id: TASK, status }] }] };
}

function tasks(status: string, seq: number) {
  return {
    data: {
      workflows: [{ id: FLOW, status: "running", taskProxies: [{ id: TASK, status }] }],
    },
    extensions: { seq },
  };
}

function options(test: TestServer, extra: Partial<OverlapFetcherOptions> = {}) {
  return { httpUrl: `${test.server.url}/graphql`, wsUrl: test.wsUrl, ...extra };
}

type Run = ReturnType<typeof createOverlapFetcher>["fetcher"];

/** Runs a document through the fetcher the way GraphiQL does (with its AST). */
async function run(fetcher: Run, query: string, operationName?: string): Promise<unknown> {
  return await fetcher({ query, operationName }, { documentAST: parse(query) });
}

/** What a subscription delivered, as GraphiQL would see it. */
class Received {
  readonly values: unknown[] = [];
  error: unknown = undefined;
  completed = false;
  unsubscribe: () => void = () => {};
  constructor(observable: unknown) {
    const subscription = (observable as Observable<unknown>).subscribe({
      next: (value) => this.values.push(value),
      error: (error) => this.error = error,
      complete: () => this.completed = true,
    });
    this.unsubscribe = () => subscription.unsubscribe();
  }
}

async function subscriptions(test: TestServer): Promise<number> {
  const res = await fetch(`${test.server.url}/status`, {
    headers: { authorization: `Bearer ${READER}` },
  });
  return (await res.json()).subscriptions;
}

Deno.test("webSocketUrl follows the page's scheme and host", () => {
  assertEquals(webSocketUrl({ protocol: "http:", host: "[::1]:8183" }), "ws://[::1]:8183/graphql");
});

Deno.test("isSubscription picks the named operation, or the only one", () => {
  const both = "query A { workflows { id } } subscription B @deltas { workflows { id } }";
  assert(isSubscription({ query: both, operationName: "B" }));
  assert(!isSubscription({ query: both, operationName: "A" }));
  assert(!isSubscription({ query: both }), "two operations and no name: not decidable here");
  assert(isSubscription({ query: "ignored" }, parse("subscription { workflows { id } }")));
});

Deno.test("open server: a query over HTTP, a standard subscription over graphql-ws", async () => {
  const test = await pglite.start();
  const connection = createOverlapFetcher(options(test));
  try {
    assertEquals((await test.post("/api/deltas", delta("waiting"))).status, 200);
    await waitFor("the store to hold the task", () => test.server.services.store.seq > 0);
    assertEquals(await run(connection.fetcher, QUERY, "Tasks"), {
      data: { workflows: [{ id: FLOW, taskProxies: [{ id: TASK, status: "waiting" }] }] },
    });

    const received = new Received(
      await run(connection.fetcher, STANDARD_SUBSCRIPTION, "WatchTasks"),
    );
    // Standard mode: the current result at once, then the full result after each change.
    await waitFor("the current result", () => received.values.length === 1);
    assertEquals(received.values, [tasks("waiting", 1)]);
    assertEquals(await subscriptions(test), 1);
    assertEquals((await test.post("/api/deltas", delta("running"))).status, 200);
    await waitFor("the next result", () => received.values.length === 2);
    assertEquals(received.values[1], tasks("running", 2));
    received.unsubscribe();
    await waitFor("the subscription to end", async () => await subscriptions(test) === 0);
    assertEquals(received.error, undefined);
  } finally {
    await connection.dispose();
    await test.stop();
  }
});

Deno.test("a document the server refuses ends the subscription with its GraphQL errors", async () => {
  const test = await pglite.start();
  const connection = createOverlapFetcher(options(test));
  try {
    const received = new Received(
      await run(connection.fetcher, "subscription { workflows { nope } }"),
    );
    await waitFor("the refusal", () => received.error !== undefined);
    const errors = received.error as { message: string }[];
    assert(Array.isArray(errors), String(received.error));
    assert(errors[0].message.includes('Cannot query field "nope"'), errors[0].message);
    assertEquals(received.values, []);
  } finally {
    await connection.dispose();
    await test.stop();
  }
});

Deno.test("server with tokens: no token sends nothing, a wrong one is reported, the right one works on HTTP and WebSocket", async () => {
  const test = await pglite.start({ OVERLAP_TOKENS: TOKENS });
  const problems: string[] = [];
  const requests: Request[] = [];
  const spyFetch: typeof fetch = (input, init) => {
    requests.push(new Request(input, init));
    return fetch(input, init);
  };
  const common = {
    fetch: spyFetch,
    tokenNeeded: true,
    onAuthProblem: (message: string) => problems.push(message),
  };
  const none = createOverlapFetcher(options(test, common));
  const wrong = createOverlapFetcher(options(test, { ...common, token: "wrong-token-0123456789" }));
  const right = createOverlapFetcher(options(test, { ...common, token: READER }));
  try {
    assertEquals((await test.post("/api/deltas", delta("waiting"), WRITER)).status, 200);

    const refused = await run(none.fetcher, QUERY, "Tasks") as { errors: { message: string }[] };
    assertEquals(refused.errors.map((e) => e.message), [TOKEN_NEEDED_MESSAGE]);
    assertEquals(requests.length, 0, "without a token nothing is sent");

    assertEquals(await run(wrong.fetcher, QUERY, "Tasks"), {
      error: "unauthorized (unknown token): send Authorization: Bearer <token>",
    });
    assertEquals(problems, [
      "the server answered 401: unauthorized (unknown token): send Authorization: Bearer <token>",
    ]);

    await waitFor("the store to hold the task", () => test.server.services.store.seq > 0);
    assertEquals(await run(right.fetcher, QUERY, "Tasks"), {
      data: { workflows: [{ id: FLOW, taskProxies: [{ id: TASK, status: "waiting" }] }] },
    });
    const sent = requests.at(-1)!;
    assertEquals(sent.headers.get("authorization"), `Bearer ${READER}`);
    assert(!sent.url.includes(READER), "the token is never in the URL");

    const received = new Received(await run(right.fetcher, STANDARD_SUBSCRIPTION, "WatchTasks"));
    await waitFor("the current result", () => received.values.length === 1);
    assertEquals((await test.post("/api/deltas", delta("running"), WRITER)).status, 200);
    await waitFor("the next result", () => received.values.length === 2);
    assertEquals(received.values, [tasks("waiting", 1), tasks("running", 2)]);
    received.unsubscribe();

    problems.length = 0;
    const denied = new Received(await run(wrong.fetcher, STANDARD_SUBSCRIPTION, "WatchTasks"));
    await waitFor("the refusal", () => denied.error !== undefined);
    assertEquals(
      (denied.error as Error).message,
      "the WebSocket was closed with 4401: Unauthorized: unknown token",
    );
    assertEquals(problems, [
      "the WebSocket was closed with 4401 (Unauthorized: unknown token): this token is not accepted for reading",
    ]);
  } finally {
    await Promise.all([none.dispose(), wrong.dispose(), right.dispose()]);
    await test.stop();
  }
});

/**
 * Fuzz cases for GraphQL documents (used by `fuzz_test.ts` against a
 * running server), over HTTP and over the WebSocket: deep, wide, aliased
 * bombs over a workflow of 2,000 tasks, fragment bombs, huge variables, many
 * operations, garbage and random documents over the engine's vocabulary.
 *
 * For each generated shape the expected answer is computed here from the
 * documented limits (depth 32, 10,000 tokens, `OVERLAP_MAX_FIELDS`,
 * `OVERLAP_MAX_RESULT_ELEMENTS`): a result, or a 400 (an `error` frame over
 * the socket) with the message naming the limit.
 *
 * @module
 */
import fc from "fast-check";
import { documentArb, fieldSetArb } from "./arbitraries.ts";
import { assert, assertEquals } from "./assert.ts";
import type { FuzzContext } from "./fuzz_context.ts";
import { Socket } from "./fuzz_ws.ts";

/** The workflow the shapes select: {@linkcode BIG_TASKS} tasks. */
const BIG = "~fz/big";
const BIG_TASKS = 2000;
const MAX_DEPTH = 32;
const MAX_TOKENS = 10_000;
/** The server's `OVERLAP_MAX_FIELDS` and `OVERLAP_MAX_RESULT_ELEMENTS` (the defaults). */
const MAX_FIELDS = 1000;
const MAX_ELEMENTS = 500_000;

/** A document and what it must get: a result, or errors whose first message starts so. */
interface Shape {
  readonly label: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly operationName?: string;
  /** `undefined`: a result (200); otherwise the start of the first error message (400). */
  readonly error: string | undefined;
  /** Whether it may be sent as a subscription too (one operation, selects `workflows`). */
  readonly subscribable: boolean;
}

const fieldsError = `the operation selects more than ${MAX_FIELDS} fields`;
const budgetError = `the result would hold more than ${MAX_ELEMENTS} list elements`;
const inBig = `workflows(ids: ["${BIG}"])`;

const deepArb = fc.integer({ min: 0, max: 60 }).map((n): Shape => {
  const depth = n + 3; // workflows, taskProxies, n × firstParent, id
  return {
    label: `deep ${depth}`,
    query: `{ ${inBig} { taskProxies(ids: ["${BIG}//1/t0"]) { ${"firstParent { ".repeat(n)}id${
      " }".repeat(n)
    } } } }`,
    error: depth > MAX_DEPTH
      ? `selection is nested ${depth} levels deep; the limit is ${MAX_DEPTH}`
      : undefined,
    subscribable: true,
  };
});

const wideArb = fc.integer({ min: 1, max: 3000 }).map((k): Shape => ({
  label: `wide ${k}`,
  query: `{ ${inBig} { ${Array.from({ length: k }, (_, i) => `a${i}: id`).join(" ")} } }`,
  error: 1 + k > MAX_FIELDS ? fieldsError : undefined,
  subscribable: true,
}));

// Few aliases (a small result) or many (over a limit): never a 20 MB answer.
const aliasArb = fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 251, max: 700 })).map(
  (k): Shape => {
    const fields = 1 + 2 * k;
    const elements = 1 + k * BIG_TASKS;
    const query = `{ ${inBig} { ${
      Array.from({ length: k }, (_, i) => `a${i}: taskProxies { id }`).join(" ")
    } } }`;
    return {
      label: `aliases ${k}`,
      query,
      error: fields > MAX_FIELDS ? fieldsError : elements > MAX_ELEMENTS ? budgetError : undefined,
      subscribable: true,
    };
  },
);

const fragmentArb = fc.integer({ min: 1, max: 45 }).map((levels): Shape => {
  let fragments = "fragment F0 on Workflow { id }\n";
  for (let i = 1; i <= levels; i++) {
    fragments += `fragment F${i} on Workflow { ...F${i - 1} ...F${i - 1} }\n`;
  }
  return {
    label: `fragment bomb ${levels}`,
    query: `{ ${inBig} { ...F${levels} } }\n${fragments}`,
    error: 1 + 2 ** levels > MAX_FIELDS ? fieldsError : undefined,
    subscribable: true,
  };
});

const variablesArb = fc.oneof(
  fc.array(fc.string({ maxLength: 20 }), { maxLength: 20_000 }).map((ids): Shape => ({
    label: `variables ${ids.length} ids`,
    query: "query($ids: [ID]) { workflows(ids: $ids) { id } }",
    variables: { ids },
    error: undefined,
    subscribable: false,
  })),
  fc.constantFrom<unknown>({ a: 1 }, [[1]], true).map((value): Shape => ({
    label: "variables of the wrong type",
    query: "query($ids: [ID]) { workflows(ids: $ids) { id } }",
    variables: { ids: value },
    error: 'Variable "$ids"',
    subscribable: false,
  })),
  fc.constant<Shape>({
    label: "a variable that is required and missing",
    query: "query($id: ID!) { workflow(id: $id) { id } }",
    variables: {},
    error: 'Variable "$id"',
    subscribable: false,
  }),
);

// `query qI { workflows { id } }` is 8 tokens: under the token limit or clearly over it.
const operationCount = fc.oneof(
  fc.integer({ min: 2, max: 1200 }),
  fc.integer({ min: 1300, max: 1400 }),
);
const operationsArb = fc.tuple(operationCount, fc.nat(2), fc.nat(2000)).map(
  ([n, mode, pick]): Shape => {
    const query = Array.from({ length: n }, (_, i) => `query q${i} { workflows { id } }`).join(
      "\n",
    );
    const tokens = 8 * n;
    if (tokens > MAX_TOKENS) {
      return {
        label: `${n} operations`,
        query,
        error: `Syntax Error: Document contains more than ${MAX_TOKENS} tokens`,
        subscribable: false,
      };
    }
    if (mode === 0) {
      return {
        label: `${n} operations, no name`,
        query,
        error: "the document has several operations; send operationName to pick one",
        subscribable: false,
      };
    }
    const name = mode === 1 ? `q${pick % n}` : "nope";
    return {
      label: `${n} operations, ${name}`,
      query,
      operationName: name,
      error: mode === 1 ? undefined : 'the document has no operation named "nope"',
      subscribable: false,
    };
  },
);

const garbageArb = fc.string({ unit: "binary", maxLength: 60 }).map((text): Shape => ({
  label: "garbage",
  query: `}${text}`,
  error: "Syntax Error",
  subscribable: false,
}));

const shapeArb: fc.Arbitrary<Shape> = fc.oneof(
  deepArb,
  wideArb,
  aliasArb,
  fragmentArb,
  variablesArb,
  operationsArb,
  garbageArb,
);

async function postGraphql(
  url: string,
  shape: Pick<Shape, "query" | "variables" | "operationName">,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      query: shape.query,
      variables: shape.variables,
      operationName: shape.operationName,
    }),
  });
  return { status: res.status, body: await res.json() };
}

function firstMessage(body: Record<string, unknown>): string {
  const errors = body.errors as Array<{ message?: unknown }> | undefined;
  assert(
    Array.isArray(errors) && errors.length > 0 &&
      errors.every((e) => typeof e.message === "string" && e.message.length > 0),
    `expected errors with messages, got ${JSON.stringify(body).slice(0, 300)}`,
  );
  return errors![0].message as string;
}

/**
 * Runs the document cases against `ctx.server`, over HTTP and the socket.
 *
 * @example
 * ```ts ignore
 * await fuzzGraphql(ctx);
 * ```
 */
export async function fuzzGraphql(ctx: FuzzContext): Promise<void> {
  const url = ctx.server.url;
  const tasks = Array.from({ length: BIG_TASKS }, (_, i) => ({ id: `${BIG}//1/t${i}` }));
  const setup = await fetch(`${url}/api/deltas`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ workflows: [{ id: BIG, taskProxies: tasks }] }),
  });
  assertEquals(setup.status, 200, await setup.text());

  await ctx.property(
    "graphql over HTTP: shapes with known answers",
    12_031,
    300,
    shapeArb,
    async (shape) => {
      const answer = await postGraphql(url, shape);
      if (shape.error === undefined) {
        assertEquals(
          answer.status,
          200,
          `${shape.label}: ${JSON.stringify(answer.body).slice(0, 300)}`,
        );
        assert(answer.body.data !== undefined && answer.body.errors === undefined, shape.label);
      } else {
        assertEquals(
          answer.status,
          400,
          `${shape.label}: ${JSON.stringify(answer.body).slice(0, 300)}`,
        );
        const message = firstMessage(answer.body);
        assert(message.startsWith(shape.error), `${shape.label}: ${message}`);
      }
    },
  );

  // Documents over the engine's vocabulary (fields the schema mostly lacks):
  // a result or a 400, never anything else.
  const randomDocuments = fieldSetArb.chain(documentArb);
  await ctx.property(
    "graphql over HTTP: random documents",
    12_032,
    150,
    randomDocuments,
    async (document) => {
      const query = document.query.replace(/^\s*subscription\b/, "query");
      const answer = await postGraphql(url, { query, variables: document.variables });
      assert(answer.status === 200 || answer.status === 400, `${answer.status} for ${query}`);
      if (answer.status === 400) firstMessage(answer.body);
      else assert(answer.body.data !== undefined, query);
    },
  );

  await ctx.property(
    "graphql over HTTP: subscriptions are refused",
    12_033,
    5,
    fc.constantFrom(
      "subscription { workflows { id } }",
      "subscription @deltas { workflows { id } }",
    ),
    async (query) => {
      const answer = await postGraphql(url, { query });
      assertEquals(answer.status, 400);
      assert(
        firstMessage(answer.body).startsWith("subscription operations are not served over HTTP"),
      );
    },
  );

  // The same shapes as subscriptions on one socket: a first `next`, or an `error` for that id.
  const socket = new Socket(ctx.server.wsUrl);
  await socket.opened;
  socket.ws.send('{"type":"connection_init"}');
  await socket.until("ack", () => socket.take((f) => f.type === "connection_ack"));
  let id = 0;
  const subscribable = shapeArb.filter((shape) => shape.subscribable);
  try {
    await ctx.property(
      "graphql over the socket: shapes as subscriptions",
      12_034,
      200,
      fc.tuple(subscribable, fc.boolean()),
      async ([shape, deltas]) => {
        const key = `g${++id}`;
        const query = shape.query.replace(
          /^\{/,
          deltas ? "subscription @deltas {" : "subscription {",
        );
        socket.ws.send(JSON.stringify({ id: key, type: "subscribe", payload: { query } }));
        const frame = await socket.until(
          shape.label,
          () => socket.take((f) => f.id === key && (f.type === "next" || f.type === "error")),
        );
        assert(
          !("closed" in frame),
          `${shape.label}: the socket closed with ${(frame as { closed: number }).closed}`,
        );
        if (shape.error === undefined) {
          assertEquals(
            frame.type,
            "next",
            `${shape.label}: ${JSON.stringify(frame).slice(0, 300)}`,
          );
          socket.ws.send(JSON.stringify({ id: key, type: "complete" }));
        } else {
          assertEquals(
            frame.type,
            "error",
            `${shape.label}: ${JSON.stringify(frame).slice(0, 300)}`,
          );
          const message = (frame.payload as Array<{ message: string }>)[0].message;
          assert(message.startsWith(shape.error), `${shape.label}: ${message}`);
        }
        // Drop what else arrived for it (later `next`s of a live subscription).
        while (socket.take((f) => f.id === key)) { /* discard */ }
      },
    );
  } finally {
    socket.ws.close(1000);
  }
}

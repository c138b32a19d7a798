/**
 * Fuzz cases for the `graphql-transport-ws` protocol (used by
 * `fuzz_test.ts` against a running server): random sequences of messages
 * on one socket, well-formed and not, in any order, as text or binary
 * frames, with huge ids and messages over the size limit.
 *
 * A model written here from the protocol (graphql-ws's PROTOCOL.md and the
 * README's close codes) says what each message must bring: an ack, a pong,
 * a `next`/`error`/`complete` for an id, nothing, or the close of the socket
 * with one exact code. The case sends one message at a time and waits for
 * exactly that, so the answer is checked message by message.
 *
 * @module
 */
import fc from "fast-check";
import { assert, assertEquals } from "./assert.ts";
import type { FuzzContext } from "./fuzz_context.ts";

/** The server's limit on incoming messages (the default). */
const MAX_MESSAGE_BYTES = 65536;
const MAX_SUBSCRIPTIONS = 100;

/** Documents of known outcome, by what the server must answer to them. */
const DOCUMENTS = {
  /** A subscription: a snapshot `next`, then it stays active. */
  live: 'subscription @deltas { workflows(ids: ["~fz/none"]) { id } }',
  /** A query over the socket: one `next`, then `complete`. */
  query: '{ workflows(ids: ["~fz/none"]) { id } }',
  /** Does not validate: an `error`. */
  invalid: "{ workflows { nope } }",
  /** Too deep: an `error`. */
  deep: `{ workflows { taskProxies { ${"firstParent { ".repeat(40)}id${" }".repeat(40)} } } }`,
} as const;

type Outcome =
  | { readonly close: number }
  | { readonly frame: "connection_ack" | "pong" }
  | { readonly id: string; readonly frame: "next" | "error" | "complete" }
  | { readonly nothing: true };

/** One message of a case: what is sent (text or bytes). */
interface Message {
  readonly label: string;
  readonly data: string | Uint8Array;
}

interface State {
  initReceived: boolean;
  acked: boolean;
  /** A valid `lastSeq` of `connection_init`: subscriptions without their own resume from it. */
  initLastSeq: number | undefined;
  readonly active: Set<string>;
}

type J = null | boolean | number | string | J[] | { [key: string]: J };

const kindOf = (value: unknown) =>
  value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
const isObject = (value: unknown): value is Record<string, unknown> => kindOf(value) === "object";

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** What the server must do with `message` in `state` (and the state after it). */
function expect(message: Message, state: State): Outcome {
  const text = typeof message.data === "string"
    ? message.data
    : new TextDecoder().decode(message.data);
  if (utf8Length(text) > MAX_MESSAGE_BYTES) return { close: 1009 };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { close: 4400 };
  }
  if (!isObject(value) || typeof value.type !== "string") return { close: 4400 };
  const payloadOk = value.payload == null || isObject(value.payload);
  switch (value.type) {
    case "connection_init": {
      if (!payloadOk) return { close: 4400 };
      if (state.initReceived) return { close: 4429 };
      state.initReceived = true;
      const lastSeq = (value.payload as Record<string, unknown> | null)?.lastSeq;
      if (lastSeq != null && !(Number.isSafeInteger(lastSeq) && (lastSeq as number) >= 0)) {
        return { close: 4403 };
      }
      state.acked = true;
      state.initLastSeq = lastSeq == null ? undefined : lastSeq as number;
      return { frame: "connection_ack" };
    }
    case "ping":
      return payloadOk ? { frame: "pong" } : { close: 4400 };
    case "pong":
      return payloadOk ? { nothing: true } : { close: 4400 };
    case "complete":
      if (typeof value.id !== "string" || value.id === "") return { close: 4400 };
      state.active.delete(value.id);
      return { nothing: true };
    case "subscribe": {
      const { id, payload } = value;
      if (typeof id !== "string" || id === "" || !isObject(payload)) return { close: 4400 };
      if (typeof payload.query !== "string") return { close: 4400 };
      if (payload.variables != null && !isObject(payload.variables)) return { close: 4400 };
      if (payload.operationName != null && typeof payload.operationName !== "string") {
        return { close: 4400 };
      }
      if (payload.extensions != null && !isObject(payload.extensions)) return { close: 4400 };
      if (!state.acked) return { close: 4401 };
      if (state.active.has(id)) return { close: 4409 };
      if (state.active.size >= MAX_SUBSCRIPTIONS) return { id, frame: "error" };
      const lastSeq = (payload.extensions as Record<string, unknown> | null | undefined)?.lastSeq;
      if (lastSeq != null && !(Number.isSafeInteger(lastSeq) && (lastSeq as number) >= 0)) {
        return { id, frame: "error" };
      }
      if (payload.query === DOCUMENTS.live) {
        state.active.add(id);
        // A resume sends only the missed overlaps (none for this workflow),
        // or a resync snapshot when the seq is beyond the log: maybe nothing.
        const resumes = lastSeq != null || state.initLastSeq !== undefined;
        return resumes ? { nothing: true } : { id, frame: "next" };
      }
      if (payload.query === DOCUMENTS.query) return { id, frame: "complete" };
      return { id, frame: "error" };
    }
    default:
      // Server-only types (next, error, connection_ack) and unknown ones.
      return { close: 4400 };
  }
}

const ids = fc.constantFrom("1", "2", "a", "x".repeat(30_000));
const payloadArb: fc.Arbitrary<J | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.constant(null) },
  {
    weight: 2,
    arbitrary: fc.dictionary(
      fc.string({ maxLength: 4 }),
      fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<J>,
      { maxKeys: 2 },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(fc.integer(), fc.string(), fc.constant([1])) as fc.Arbitrary<J>,
  },
);
const lastSeqArb = fc.oneof(
  fc.constant(undefined),
  fc.nat(1000),
  fc.constantFrom(-1, 1.5, "7", 2 ** 60, null, {}),
) as fc.Arbitrary<J | undefined>;
const json = (value: Record<string, J | undefined>) => JSON.stringify(value);

const subscribePayload = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      query: fc.constantFrom<string>(...Object.values(DOCUMENTS)),
      extensions: fc.option(fc.record({ lastSeq: lastSeqArb }), { nil: undefined }),
    }, { requiredKeys: ["query"] }) as fc.Arbitrary<J>,
  },
  {
    weight: 1,
    arbitrary: fc.record({
      query: fc.string({ maxLength: 20 }).map((s) => `}${s}`),
    }) as fc.Arbitrary<J>,
  },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.constant({ query: 7 }),
      fc.constant({ query: DOCUMENTS.live, variables: [1] }),
      fc.constant({ query: DOCUMENTS.live, operationName: 3 }),
      fc.constant({ query: DOCUMENTS.live, extensions: "x" }),
      fc.constant("not an object"),
      fc.constant(null),
    ) as fc.Arbitrary<J>,
  },
);

/** One message, from every kind the protocol has and some it has not. */
const messageArb: fc.Arbitrary<Message> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(payloadArb, lastSeqArb).map(([payload, lastSeq]) => {
      // A resume position goes into an object payload; a payload that is not one stays as it is.
      const withSeq = lastSeq !== undefined && (payload == null || isObject(payload))
        ? { ...(payload ?? {}), lastSeq }
        : payload;
      return { label: "init", data: json({ type: "connection_init", payload: withSeq }) };
    }),
  },
  {
    weight: 2,
    arbitrary: payloadArb.map((payload) => ({
      label: "ping",
      data: json({ type: "ping", payload }),
    })),
  },
  {
    weight: 1,
    arbitrary: payloadArb.map((payload) => ({
      label: "pong",
      data: json({ type: "pong", payload }),
    })),
  },
  {
    weight: 6,
    arbitrary: fc.tuple(ids, subscribePayload).map(([id, payload]) => ({
      label: "subscribe",
      data: json({ id, type: "subscribe", payload }),
    })),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constant({ id: 7, type: "subscribe", payload: { query: DOCUMENTS.live } }),
      fc.constant({ id: "", type: "subscribe", payload: { query: DOCUMENTS.live } }),
    ).map((m) => ({ label: "subscribe (bad id)", data: JSON.stringify(m) })),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(ids, fc.constant(""), fc.constant(5) as fc.Arbitrary<unknown>).map((
      id,
    ) => ({
      label: "complete",
      data: JSON.stringify({ id, type: "complete" }),
    })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom("next", "error", "connection_ack", "subscription", "", "PING").map((
      type,
    ) => ({
      label: `type ${type}`,
      data: json({ id: "1", type, payload: {} }),
    })),
  },
  {
    weight: 2,
    arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value) => ({
      label: "json",
      data: JSON.stringify(value),
    })),
  },
  {
    weight: 2,
    arbitrary: fc.string({ unit: "binary", maxLength: 40 }).map((text) => ({
      label: "text",
      data: text,
    })),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.constantFrom('{"type":"ping"}', '{"type":"connection_init"}').map((t) =>
        new TextEncoder().encode(t)
      ),
    ).map((bytes) => ({ label: "binary", data: bytes })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(MAX_MESSAGE_BYTES + 1, 200_000).map((n) => ({
      label: `huge (${n} bytes)`,
      data: json({ type: "ping", payload: { pad: "x".repeat(n) } }),
    })),
  },
);

/** A raw `graphql-transport-ws` socket that queues what it receives, so a case can wait for one thing at a time. */
export class Socket {
  readonly ws: WebSocket;
  readonly frames: Array<Record<string, unknown>> = [];
  closeCode: number | undefined;
  #wake: (() => void) | undefined;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(url, "graphql-transport-ws");
    this.opened = new Promise((resolve, reject) => {
      this.ws.onopen = () => resolve();
      this.ws.onerror = () => reject(new Error("the socket failed to open"));
    });
    this.ws.onmessage = (event) => {
      this.frames.push(JSON.parse(event.data as string));
      this.#wake?.();
    };
    this.ws.onclose = (event) => {
      this.closeCode = event.code;
      this.#wake?.();
    };
  }

  /** Waits until `found` returns something or the socket closed; fails after 10 s. */
  async until<T>(what: string, found: () => T | undefined): Promise<T | { closed: number }> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const value = found();
      if (value !== undefined) return value;
      if (this.closeCode !== undefined) return { closed: this.closeCode };
      if (Date.now() > deadline) {
        throw new Error(`no answer (${what}) within 10 s: the server hung`);
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  /** Takes the first frame matching `match`. */
  take(match: (frame: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
    const index = this.frames.findIndex(match);
    return index === -1 ? undefined : this.frames.splice(index, 1)[0];
  }
}

let probes = 0;

/** Sends a ping and waits for its pong: everything sent before it has been handled. */
async function barrier(socket: Socket): Promise<void> {
  const probe = `probe ${++probes}`;
  socket.ws.send(JSON.stringify({ type: "ping", payload: { probe } }));
  const got = await socket.until(
    "pong",
    () =>
      socket.take((f) => f.type === "pong" && (f.payload as { probe?: string })?.probe === probe),
  );
  assert(!("closed" in got), `closed with ${(got as { closed: number }).closed} instead of a pong`);
}

/** Runs one sequence: each message and its expected answer, in turn. */
async function runCase(url: string, messages: readonly Message[]): Promise<void> {
  const socket = new Socket(url);
  await socket.opened;
  const state: State = {
    initReceived: false,
    acked: false,
    initLastSeq: undefined,
    active: new Set(),
  };
  const log: string[] = [];
  try {
    for (const message of messages) {
      const outcome = expect(message, state);
      log.push(`${message.label} → ${JSON.stringify(outcome).slice(0, 80)}`);
      socket.ws.send(message.data);
      const where = () => `after ${log.join("; ")}`;
      if ("close" in outcome) {
        const got = await socket.until("close", () => undefined);
        assertEquals((got as { closed: number }).closed, outcome.close, where());
        return;
      }
      if ("nothing" in outcome) {
        await barrier(socket);
        continue;
      }
      const wanted = "id" in outcome
        ? (f: Record<string, unknown>) => f.id === outcome.id && f.type === outcome.frame
        : (f: Record<string, unknown>) => f.type === outcome.frame;
      const got = await socket.until(outcome.frame, () => socket.take(wanted));
      assert(!("closed" in got), `closed with ${(got as { closed: number }).closed} ${where()}`);
      if ("id" in outcome && outcome.frame === "error") {
        const errors = (got as { payload: Array<{ message: string }> }).payload;
        assert(
          errors.length > 0 && errors.every((e) => typeof e.message === "string" && e.message),
          `an error frame without messages ${where()}`,
        );
      }
    }
    // Still open: it must still answer.
    await barrier(socket);
    assertEquals(socket.closeCode, undefined);
  } finally {
    if (socket.closeCode === undefined) {
      socket.ws.close(1000);
      await socket.until("our close", () => undefined).catch(() => {});
    }
  }
}

/**
 * Runs the protocol cases against `ctx.server`.
 *
 * @example
 * ```ts ignore
 * await fuzzWebSocket(ctx);
 * ```
 */
export async function fuzzWebSocket(ctx: FuzzContext): Promise<void> {
  const url = ctx.server.wsUrl;
  await ctx.property(
    "websocket: random message sequences",
    12_021,
    250,
    fc.array(messageArb, { minLength: 1, maxLength: 6 }),
    (messages) => runCase(url, messages),
  );
  // The usual start, then anything: most sequences get past the handshake.
  const init: Message = { label: "init", data: '{"type":"connection_init"}' };
  await ctx.property(
    "websocket: sequences after a valid handshake",
    12_022,
    250,
    fc.array(messageArb, { minLength: 1, maxLength: 8 }),
    (messages) => runCase(url, [init, ...messages]),
  );
  // Over the subscription limit: an error for that id, the connection stays.
  await ctx.property(
    "websocket: more subscriptions than allowed",
    12_023,
    2,
    fc.constant(0),
    () =>
      runCase(url, [
        init,
        ...Array.from({ length: MAX_SUBSCRIPTIONS + 2 }, (_, i): Message => ({
          label: `subscribe ${i}`,
          data: json({ id: `s${i}`, type: "subscribe", payload: { query: DOCUMENTS.live } }),
        })),
      ]),
  );
}

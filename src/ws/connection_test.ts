import type { GraphQLFormattedError } from "graphql";
import { assert, assertEquals } from "../../tests/assert.ts";
import { createLogger } from "../log.ts";
import {
  type ConnectionLimits,
  type ConnectResult,
  GraphqlWsConnection,
  type SessionHooks,
  type SubscribeResult,
  type SubscriptionSink,
  type Transport,
} from "./connection.ts";
import { limitCloseReason } from "./protocol.ts";

/** Records what the connection sends and how it closes. */
class FakeTransport implements Transport {
  sent: string[] = [];
  closes: [number, string][] = [];
  buffered = 0;
  failSend = false;
  send(text: string): void {
    if (this.failSend) throw new Error("socket exploded");
    this.sent.push(text);
  }
  close(code: number, reason: string): void {
    this.closes.push([code, reason]);
  }
  bufferedAmount(): number {
    return this.buffered;
  }
}

/** A timer the test fires by hand. */
class FakeTimer {
  #next = 1;
  pending = new Map<number, { callback: () => void; ms: number }>();
  set = (callback: () => void, ms: number): number => {
    const id = this.#next++;
    this.pending.set(id, { callback, ms });
    return id;
  };
  clear = (handle: unknown): void => {
    this.pending.delete(handle as number);
  };
  fireAll(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const { callback } of due) callback();
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const LIMITS: ConnectionLimits = {
  maxSubscriptions: 3,
  maxMessageBytes: 256,
  sendBufferBytes: 1024,
  initTimeoutMs: 3000,
};

/** Hooks that accept everything and record what happens to each subscription. */
function recordingHooks(events: string[], sinks: Map<string, SubscriptionSink>): SessionHooks {
  return {
    onConnect(payload) {
      events.push(`connect ${JSON.stringify(payload)}`);
      return { ok: true };
    },
    onSubscribe(id, payload, sink) {
      events.push(`subscribe ${id} ${payload.query}`);
      sinks.set(id, sink);
      return { dispose: () => events.push(`dispose ${id}`) };
    },
    onClose(code, reason) {
      events.push(`close ${code} ${reason}`);
    },
  };
}

function setup(hooks: Partial<SessionHooks> = {}, limits: Partial<ConnectionLimits> = {}) {
  const transport = new FakeTransport();
  const timer = new FakeTimer();
  const events: string[] = [];
  const sinks = new Map<string, SubscriptionSink>();
  const logLines: string[] = [];
  const connection = new GraphqlWsConnection({
    transport,
    hooks: { ...recordingHooks(events, sinks), ...hooks },
    limits: { ...LIMITS, ...limits },
    log: createLogger("ws", "debug", (line) => logLines.push(line)),
    setTimer: timer.set,
    clearTimer: timer.clear,
  });
  connection.opened();
  return { connection, transport, timer, events, sinks, logLines };
}

const INIT = '{"type":"connection_init"}';
const ACK = '{"type":"connection_ack"}';
const sub = (id: string, query = "subscription { a }") =>
  JSON.stringify({ id, type: "subscribe", payload: { query } });
const complete = (id: string) => JSON.stringify({ id, type: "complete" });

async function acknowledged(hooks: Partial<SessionHooks> = {}, limits = {}) {
  const t = setup(hooks, limits);
  await t.connection.receive(INIT);
  assertEquals(t.transport.sent, [ACK]);
  t.transport.sent = [];
  return t;
}

Deno.test("init: onConnect gets the payload (null when absent) and the ack carries ackPayload", async () => {
  const a = setup();
  await a.connection.receive(INIT);
  assertEquals(a.events, ["connect null"]);
  assertEquals(a.transport.sent, [ACK]);

  const b = setup({ onConnect: () => ({ ok: true, ackPayload: { user: "ann" } }) });
  await b.connection.receive('{"type":"connection_init","payload":{"token":"t"}}');
  assertEquals(b.transport.sent, ['{"type":"connection_ack","payload":{"user":"ann"}}']);
  assertEquals(b.transport.closes, []);

  const c = setup();
  await c.connection.receive('{"type":"connection_init","payload":{"token":"t"}}');
  assertEquals(c.events, ['connect {"token":"t"}']);
});

Deno.test("4400: text that is not JSON", async () => {
  const { connection, transport, events } = setup();
  await connection.receive("{nope");
  let detail = "";
  try {
    JSON.parse("{nope");
  } catch (error) {
    detail = (error as Error).message;
  }
  assertEquals(transport.closes, [[
    4400,
    limitCloseReason(`Invalid message received: message is not valid JSON (${detail})`),
  ]]);
  // The socket then reports its close: onClose runs once with that code.
  connection.closed(4400, "x");
  assertEquals(events, ["close 4400 x"]);
});

Deno.test("4400: JSON of the wrong shape, with the exact reason", async () => {
  const cases: [string, string][] = [
    ["[1]", "Invalid message received: message must be a JSON object, got array"],
    [
      '{"type":"next","id":"1","payload":{}}',
      'Invalid message received: "next" is sent by servers only, not by clients',
    ],
    [
      '{"id":"1","type":"subscribe","payload":{}}',
      `Invalid message received: "subscribe" payload 'query' must be a string, got undefined`,
    ],
    [
      '{"id":"","type":"complete"}',
      `Invalid message received: "complete" 'id' must be a non-empty string, got ""`,
    ],
  ];
  for (const [text, reason] of cases) {
    const { connection, transport } = setup();
    await connection.receive(text);
    assertEquals(transport.closes, [[4400, reason]], text);
  }
});

Deno.test("1009: a message over maxMessageBytes, counted in UTF-8 bytes", async () => {
  // 256 bytes exactly is allowed.
  const ping = (pad: string) => `{"type":"ping","payload":{"p":"${pad}"}}`;
  const fits = ping("x".repeat(256 - ping("").length));
  assertEquals(new TextEncoder().encode(fits).length, 256);
  const ok = setup();
  await ok.connection.receive(fits);
  assertEquals(ok.transport.closes, []);
  assertEquals(ok.transport.sent.length, 1);

  const over = setup();
  await over.connection.receive(fits + " ");
  assertEquals(over.transport.closes, [[1009, "Message too big: over 256 bytes"]]);

  // 100 UTF-16 units but 300 bytes: the byte count decides.
  const wide = setup();
  await wide.connection.receive(ping("€".repeat(100)));
  assertEquals(wide.transport.closes, [[1009, "Message too big: over 256 bytes"]]);
  assertEquals(wide.transport.sent, []);
});

Deno.test("4401: subscribe before connection_init, and while onConnect is pending", async () => {
  const a = setup();
  await a.connection.receive(sub("1"));
  assertEquals(a.transport.closes, [[4401, "Unauthorized"]]);
  assertEquals(a.events, []);

  const gate = deferred<ConnectResult>();
  const b = setup({ onConnect: () => gate.promise });
  const init = b.connection.receive(INIT);
  await b.connection.receive(sub("1"));
  assertEquals(b.transport.closes, [[4401, "Unauthorized"]]);
  gate.resolve({ ok: true });
  await init;
  assertEquals(b.transport.sent, [], "no ack after the close");
});

Deno.test("4403 and 4401 from onConnect close with the hook's code and reason", async () => {
  const forbidden = setup({
    onConnect: () => ({ ok: false, code: 4403, reason: "Forbidden" }),
  });
  await forbidden.connection.receive(INIT);
  assertEquals(forbidden.transport.closes, [[4403, "Forbidden"]]);
  assertEquals(forbidden.transport.sent, []);

  const unauthorized = setup({
    onConnect: () => Promise.resolve({ ok: false, code: 4401, reason: "Unauthorized: bad token" }),
  });
  await unauthorized.connection.receive(INIT);
  assertEquals(unauthorized.transport.closes, [[4401, "Unauthorized: bad token"]]);
  assertEquals(unauthorized.transport.sent, []);
});

Deno.test("4408: no connection_init before the timer fires", () => {
  const { timer, transport } = setup();
  assertEquals([...timer.pending.values()].map((t) => t.ms), [3000]);
  timer.fireAll();
  assertEquals(transport.closes, [[4408, "Connection initialisation timeout"]]);
});

Deno.test("4408 does not fire once connection_init arrived, even if onConnect is slow", async () => {
  const gate = deferred<ConnectResult>();
  const { connection, timer, transport } = setup({ onConnect: () => gate.promise });
  const init = connection.receive(INIT);
  assertEquals(timer.pending.size, 0, "the timer was cleared");
  gate.resolve({ ok: true });
  await init;
  assertEquals(transport.closes, []);
  assertEquals(transport.sent, [ACK]);
});

Deno.test("4409: a second subscribe with an active id; the id is free again after complete", async () => {
  const a = await acknowledged();
  await a.connection.receive(sub("1"));
  await a.connection.receive(complete("1"));
  await a.connection.receive(sub("1")); // reuse after complete is fine
  assertEquals(a.transport.closes, []);
  await a.connection.receive(sub("1"));
  assertEquals(a.transport.closes, [[4409, "Subscriber for 1 already exists"]]);
  assertEquals(a.events, [
    "connect null",
    "subscribe 1 subscription { a }",
    "dispose 1",
    "subscribe 1 subscription { a }",
    "dispose 1", // the close ended the second one
  ]);

  // A long id is shortened so the reason fits a close frame.
  const long = "i".repeat(100);
  const b = await acknowledged({}, { maxMessageBytes: 1024 });
  await b.connection.receive(sub(long));
  await b.connection.receive(sub(long));
  assertEquals(b.transport.closes, [[4409, `Subscriber for ${"i".repeat(64)}… already exists`]]);
});

Deno.test("4429: a second connection_init", async () => {
  const { connection, transport, events } = setup();
  await connection.receive(INIT);
  await connection.receive(INIT);
  assertEquals(transport.closes, [[4429, "Too many initialisation requests"]]);
  assertEquals(events, ["connect null"]);
});

Deno.test("4500: hooks that throw or reject are logged, the reason leaks nothing", async () => {
  const a = setup({
    onConnect: () => {
      throw new Error("db password wrong");
    },
  });
  await a.connection.receive(INIT);
  assertEquals(a.transport.closes, [[4500, "Internal server error"]]);
  assert(a.logLines.some((l) => l.includes("onConnect hook failed") && l.includes("db password")));

  const b = await acknowledged({ onSubscribe: () => Promise.reject(new TypeError("bug")) });
  await b.connection.receive(sub("1"));
  assertEquals(b.transport.closes, [[4500, "Internal server error"]]);
  assertEquals(b.connection.stats.subscriptions, 0);
  assert(b.logLines.some((l) => l.includes("onSubscribe hook failed") && l.includes("bug")));

  // An empty errors list would be a bad response to graphql-ws clients.
  const c = await acknowledged({ onSubscribe: () => ({ errors: [] }) });
  await c.connection.receive(sub("1"));
  assertEquals(c.transport.closes, [[4500, "Internal server error"]]);
  assertEquals(c.transport.sent, []);

  // A transport whose send throws is treated the same way.
  const d = setup();
  d.transport.failSend = true;
  await d.connection.receive(INIT);
  assertEquals(d.transport.closes, [[4500, "Internal server error"]]);
});

Deno.test("4503: a send while the buffer is over sendBufferBytes closes; later sends are dropped", async () => {
  const { connection, transport, sinks, events } = await acknowledged();
  await connection.receive(sub("1"));
  await connection.receive(sub("2"));
  const sink = sinks.get("1")!;
  transport.buffered = 1024; // at the limit is still fine
  sink.next('{"data":1}');
  assertEquals(transport.sent, ['{"id":"1","type":"next","payload":{"data":1}}']);
  transport.buffered = 1025;
  sink.next('{"data":2}');
  assertEquals(transport.closes, [[4503, "Slow consumer: send buffer over 1024 bytes"]]);
  assert(connection.isClosed);
  // Every subscription was ended at once, and nothing more goes out or throws.
  assertEquals(events.slice(-2), ["dispose 1", "dispose 2"]);
  assert(sink.closed && sinks.get("2")!.closed);
  sink.next('{"data":3}');
  sinks.get("2")!.complete();
  sinks.get("2")!.error([{ message: "x" }]);
  await connection.receive('{"type":"ping"}');
  assertEquals(transport.sent.length, 1);
  assertEquals(transport.closes.length, 1);
  connection.closed(4503, "Slow consumer: send buffer over 1024 bytes");
  assertEquals(events.slice(-1), ["close 4503 Slow consumer: send buffer over 1024 bytes"]);
});

Deno.test("ping is answered with pong (also before init); pong is ignored", async () => {
  const { connection, transport } = setup();
  await connection.receive('{"type":"ping"}');
  await connection.receive('{"type":"ping","payload":{"t":7}}');
  await connection.receive('{"type":"pong","payload":{"t":7}}');
  await connection.receive('{"type":"pong"}');
  assertEquals(transport.sent, ['{"type":"pong"}', '{"type":"pong","payload":{"t":7}}']);
  assertEquals(transport.closes, []);
});

Deno.test("complete from the client disposes the subscription without a reply", async () => {
  const { connection, transport, sinks, events } = await acknowledged();
  await connection.receive(sub("1"));
  assertEquals(connection.stats.subscriptions, 1);
  await connection.receive(complete("1"));
  assertEquals(events.slice(-1), ["dispose 1"]);
  assertEquals(connection.stats.subscriptions, 0);
  assert(sinks.get("1")!.closed);
  sinks.get("1")!.next("{}"); // a fan-out racing the complete: ignored
  await connection.receive(complete("1")); // unknown ids are ignored
  await connection.receive(complete("never"));
  assertEquals(transport.sent, []);
  assertEquals(transport.closes, []);
  assertEquals(events.filter((e) => e === "dispose 1").length, 1);
});

Deno.test("the sink: next, error and complete frames; dispose runs exactly once", async () => {
  const { connection, transport, sinks, events } = await acknowledged();
  await connection.receive(sub("a"));
  await connection.receive(sub("b"));
  const a = sinks.get("a")!;
  const b = sinks.get("b")!;
  const payload = '{"data":{"x":1}}';
  a.next(payload);
  b.next(payload);
  a.complete();
  a.complete();
  b.error([{ message: "gone" }]);
  b.error([{ message: "again" }]);
  assertEquals(transport.sent, [
    '{"id":"a","type":"next","payload":{"data":{"x":1}}}',
    '{"id":"b","type":"next","payload":{"data":{"x":1}}}',
    '{"id":"a","type":"complete"}',
    '{"id":"b","type":"error","payload":[{"message":"gone"}]}',
  ]);
  assertEquals(events.slice(-2), ["dispose a", "dispose b"]);
  assertEquals(connection.stats.subscriptions, 0);
  connection.closed(1000, "");
  assertEquals(events.slice(-2), ["dispose b", "close 1000 "], "no second dispose on close");
});

Deno.test("onSubscribe may use the sink before it returns", async () => {
  const events: string[] = [];
  const { connection, transport } = await acknowledged({
    onSubscribe(id, _payload, sink) {
      sink.next('{"data":{"snapshot":true}}');
      sink.complete();
      events.push(`closed=${sink.closed}`);
      return { dispose: () => events.push(`dispose ${id}`) };
    },
  });
  await connection.receive(sub("1"));
  assertEquals(transport.sent, [
    '{"id":"1","type":"next","payload":{"data":{"snapshot":true}}}',
    '{"id":"1","type":"complete"}',
  ]);
  assertEquals(events, ["closed=true", "dispose 1"]);
  assertEquals(connection.stats.subscriptions, 0);
});

Deno.test("onSubscribe errors are sent as one error message and free the id", async () => {
  const errors: GraphQLFormattedError[] = [{ message: "no such workflow", path: ["workflows"] }];
  const { connection, transport } = await acknowledged({ onSubscribe: () => ({ errors }) });
  await connection.receive(sub("1"));
  assertEquals(transport.sent, [
    '{"id":"1","type":"error","payload":[{"message":"no such workflow","path":["workflows"]}]}',
  ]);
  assertEquals(connection.stats.subscriptions, 0);
  await connection.receive(sub("1"));
  assertEquals(transport.closes, []);
});

Deno.test("subscription limit: an error for the extra one, the connection stays", async () => {
  const { connection, transport, events } = await acknowledged({}, { maxSubscriptions: 2 });
  await connection.receive(sub("1"));
  await connection.receive(sub("2"));
  await connection.receive(sub("3"));
  assertEquals(transport.sent, [
    '{"id":"3","type":"error","payload":[{"message":"too many subscriptions on this connection (limit 2)"}]}',
  ]);
  assertEquals(transport.closes, []);
  assert(!events.includes("subscribe 3 subscription { a }"));
  await connection.receive(complete("1"));
  await connection.receive(sub("3"));
  assertEquals(connection.stats.subscriptions, 2);
  assertEquals(transport.closes, []);
});

Deno.test("pending subscriptions count toward the limit", async () => {
  const gate = deferred<SubscribeResult>();
  const { connection, transport } = await acknowledged(
    { onSubscribe: () => gate.promise },
    { maxSubscriptions: 1 },
  );
  const pending = connection.receive(sub("1"));
  await connection.receive(sub("2"));
  assertEquals(transport.sent, [
    '{"id":"2","type":"error","payload":[{"message":"too many subscriptions on this connection (limit 1)"}]}',
  ]);
  gate.resolve({ dispose() {} });
  await pending;
});

Deno.test("socket close disposes every subscription once and calls onClose once", async () => {
  const { connection, events, sinks } = await acknowledged();
  await connection.receive(sub("1"));
  await connection.receive(sub("2"));
  connection.closed(1001, "Going away");
  connection.closed(1001, "Going away");
  assertEquals(events.slice(1), [
    "subscribe 1 subscription { a }",
    "subscribe 2 subscription { a }",
    "dispose 1",
    "dispose 2",
    "close 1001 Going away",
  ]);
  assert(sinks.get("1")!.closed && sinks.get("2")!.closed);
  assertEquals(connection.stats.subscriptions, 0);
  await connection.receive(sub("3")); // after close: ignored
  assertEquals(events.length, 6);
});

Deno.test("a subscribe that resolves after the socket closed is disposed at once", async () => {
  const gate = deferred<SubscribeResult>();
  const events: string[] = [];
  const { connection, transport } = await acknowledged({
    onSubscribe: (_id, _payload, sink) => {
      events.push("subscribe");
      return gate.promise.then((result) => {
        sink.next("{}"); // too late: ignored
        return result;
      });
    },
  });
  const pending = connection.receive(sub("1"));
  connection.closed(1006, "");
  gate.resolve({ dispose: () => events.push("dispose") });
  await pending;
  assertEquals(events, ["subscribe", "dispose"]);
  assertEquals(transport.sent, []);

  // Errors resolved after the close are not sent either.
  const late = deferred<SubscribeResult>();
  const b = await acknowledged({ onSubscribe: () => late.promise });
  const p = b.connection.receive(sub("1"));
  b.connection.closed(1006, "");
  late.resolve({ errors: [{ message: "x" }] });
  await p;
  assertEquals(b.transport.sent, []);
});

Deno.test("onConnect resolving after the socket closed sends no ack", async () => {
  const gate = deferred<ConnectResult>();
  const { connection, transport } = setup({ onConnect: () => gate.promise });
  const init = connection.receive(INIT);
  connection.closed(1006, "");
  gate.resolve({ ok: true });
  await init;
  assertEquals(transport.sent, []);
  assertEquals(transport.closes, []);
});

Deno.test("complete while subscribe is pending cancels it when it resolves", async () => {
  const gate = deferred<SubscribeResult>();
  const events: string[] = [];
  const { connection, transport } = await acknowledged({
    onSubscribe: (id) => {
      events.push(`subscribe ${id}`);
      return gate.promise;
    },
  });
  const pending = connection.receive(sub("1"));
  await connection.receive(complete("1"));
  assertEquals(connection.stats.subscriptions, 0);
  gate.resolve({ dispose: () => events.push("dispose") });
  await pending;
  assertEquals(events, ["subscribe 1", "dispose"]);
  assertEquals(transport.sent, []);
  assertEquals(transport.closes, []);

  // The same with errors: nothing is sent for an id the client completed.
  const late = deferred<SubscribeResult>();
  const b = await acknowledged({ onSubscribe: () => late.promise });
  const p = b.connection.receive(sub("1"));
  await b.connection.receive(complete("1"));
  late.resolve({ errors: [{ message: "x" }] });
  await p;
  assertEquals(b.transport.sent, []);
});

Deno.test("a reused id does not get the completed subscription's late result", async () => {
  const gates = [deferred<SubscribeResult>(), deferred<SubscribeResult>()];
  const events: string[] = [];
  let call = 0;
  const { connection } = await acknowledged({ onSubscribe: () => gates[call++].promise });
  const first = connection.receive(sub("1"));
  await connection.receive(complete("1"));
  const second = connection.receive(sub("1"));
  gates[0].resolve({ dispose: () => events.push("dispose first") });
  await first;
  assertEquals(events, ["dispose first"]);
  assertEquals(connection.stats.subscriptions, 1, "the second one is still active");
  gates[1].resolve({ dispose: () => events.push("dispose second") });
  await second;
  await connection.receive(complete("1"));
  assertEquals(events, ["dispose first", "dispose second"]);
});

Deno.test("a failing dispose or onClose is logged and does not throw", async () => {
  const { connection, logLines } = await acknowledged({
    onSubscribe: () => ({
      dispose() {
        throw new Error("dispose bug");
      },
    }),
    onClose: () => Promise.reject(new Error("close bug")),
  });
  await connection.receive(sub("1"));
  connection.closed(1000, "");
  await Promise.resolve();
  assert(
    logLines.some((l) => l.includes("subscription dispose failed") && l.includes("dispose bug")),
  );
  assert(logLines.some((l) => l.includes("onClose hook failed") && l.includes("close bug")));
});

Deno.test("stats count frames and UTF-8 bytes sent", async () => {
  const { connection, sinks } = setup();
  await connection.receive(INIT); // ack: 25 bytes
  await connection.receive(sub("1"));
  sinks.get("1")!.next('{"data":"é"}');
  const next = '{"id":"1","type":"next","payload":{"data":"é"}}';
  assertEquals(connection.stats, {
    framesSent: 2,
    bytesSent: ACK.length + new TextEncoder().encode(next).length,
    subscriptions: 1,
  });
});

Deno.test("closeAfter: the connection closes with the given code when the timer fires; long waits are chained", async () => {
  const reason = "token expired at 2026-01-01T00:00:00.000Z";
  const { connection, transport, timer, events } = setup({
    onConnect: () => ({ ok: true, closeAfter: { ms: 2 ** 31 + 5, code: 4401, reason } }),
  });
  await connection.receive(INIT);
  await connection.receive(sub("1"));
  assertEquals(transport.sent, [ACK]);
  // The init timer was stopped; the expiry timer waits the longest a timer may.
  assertEquals([...timer.pending.values()].map((t) => t.ms), [2 ** 31 - 1]);
  timer.fireAll();
  assertEquals(transport.closes, []);
  assertEquals([...timer.pending.values()].map((t) => t.ms), [6]);
  timer.fireAll();
  assertEquals(transport.closes, [[4401, reason]]);
  assert(events.includes("dispose 1"), "the subscription is disposed at expiry");
});

Deno.test("closeAfter: already due closes at once; a close before expiry clears the timer", async () => {
  const due = setup({
    onConnect: () => ({ ok: true, closeAfter: { ms: 0, code: 4401, reason: "r" } }),
  });
  await due.connection.receive(INIT);
  assertEquals(due.transport.closes, [[4401, "r"]]);
  const early = setup({
    onConnect: () => ({ ok: true, closeAfter: { ms: 1000, code: 4401, reason: "r" } }),
  });
  await early.connection.receive(INIT);
  assertEquals(early.timer.pending.size, 1);
  early.connection.closed(1000, "bye");
  assertEquals(early.timer.pending.size, 0);
  assertEquals(early.transport.closes, []);
});

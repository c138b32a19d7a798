import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { oneShotRead, progressEvent, type ReadEvent, whenReady } from "./one_shot_read.ts";
import { ScriptedSocket } from "./scripted_socket.ts";
import { WsClient } from "./ws_client.ts";

function setup() {
  const sockets: ScriptedSocket[] = [];
  const timers: (() => void)[] = [];
  const client = new WsClient({
    url: "ws://x/graphql",
    token: () => undefined,
    onAck: () => {},
    connect: () => {
      const socket = new ScriptedSocket();
      sockets.push(socket);
      return socket;
    },
    setTimeout: (callback) => timers.push(callback),
    clearTimeout: () => {},
    random: () => 0.5,
    now: () => 0,
  });
  client.start();
  const connect = () => {
    const socket = sockets.at(-1)!;
    socket.open();
    socket.receive({ type: "connection_ack" });
    return socket;
  };
  return { client, sockets, timers, connect };
}

const QUERY =
  "subscription ($id: ID!) { readJobLog(jobId: $id) { fraction detail done log { lines } } }";

function read(payload: unknown): ReadEvent<string[] | null> | undefined {
  const event = progressEvent<{ lines: string[] } | null>(payload, "readJobLog", "log");
  return event?.done ? { done: true, value: event.value?.lines ?? null } : event;
}

const next = (id: string, event: Record<string, unknown>) => ({
  id,
  type: "next",
  payload: { data: { readJobLog: event } },
});

Deno.test("a read waits for the connection, reports progress, then resolves with its result", async () => {
  const { client, connect } = setup();
  const progress: [number, string | undefined][] = [];
  const result = oneShotRead({
    client,
    name: "log",
    query: QUERY,
    variables: { id: "~u/f//1/a/01" },
    read,
    onProgress: (f, d) => progress.push([f, d]),
  });
  const socket = connect(); // sent only once acknowledged
  const [subscribe] = socket.frames("subscribe");
  assertEquals(subscribe.payload, { query: QUERY, variables: { id: "~u/f//1/a/01" } });
  const id = subscribe.id!;
  socket.receive(next(id, { fraction: 0.5, detail: "read 1 of 2 bytes", done: false, log: null }));
  socket.receive(next(id, { fraction: 1, detail: null, done: true, log: { lines: ["a", "b"] } }));
  assertEquals(await result, ["a", "b"]);
  assertEquals(progress, [[0.5, "read 1 of 2 bytes"]]);
});

Deno.test("a read cut by a lost socket is sent again after the reconnect, and completes", async () => {
  const { client, timers, connect } = setup();
  const progress: number[] = [];
  const result = oneShotRead({
    client,
    name: "log",
    query: QUERY,
    variables: { id: "~u/f//1/a/01" },
    read,
    onProgress: (f) => progress.push(f),
  });
  const first = connect();
  const firstId = first.frames("subscribe")[0].id!;
  first.receive(next(firstId, { fraction: 0.3, detail: null, done: false, log: null }));
  first.drop(1012, "Service Restart");
  assertEquals(progress, [0.3, 0], "the bar starts over");
  timers.shift()!(); // the backoff's timer: reconnect
  const second = connect();
  const again = second.frames("subscribe");
  assertEquals(again.length, 1, "re-sent once, on the new socket");
  assert(again[0].id !== firstId, "under a new id");
  assertEquals(again[0].payload, first.frames("subscribe")[0].payload);
  // A frame for the old id on the new socket reaches nothing.
  second.receive(next(firstId, { fraction: 1, detail: null, done: true, log: { lines: ["old"] } }));
  second.receive(next(again[0].id!, { fraction: 1, detail: null, done: true, log: null }));
  assertEquals(await result, null);
});

Deno.test("abort completes the subscription; an error or an early complete rejects with why", async () => {
  const { client, connect } = setup();
  const socket = connect();
  const abort = new AbortController();
  const stopped = oneShotRead({
    client,
    name: "a",
    query: QUERY,
    variables: {},
    read,
    signal: abort.signal,
  });
  const id = socket.frames("subscribe")[0].id!;
  abort.abort();
  await assertRejects(() => stopped, DOMException, "the read was stopped");
  assertEquals(socket.frames("complete"), [{ id, type: "complete" }]);

  const refused = oneShotRead({ client, name: "b", query: QUERY, variables: {}, read });
  const refusedId = socket.frames("subscribe").at(-1)!.id!;
  socket.receive({
    id: refusedId,
    type: "error",
    payload: [{ message: "tail must be from 1 to 10000, got 0" }],
  });
  await assertRejects(() => refused, Error, "tail must be from 1 to 10000, got 0");

  const cut = oneShotRead({ client, name: "c", query: QUERY, variables: {}, read });
  socket.receive({ id: socket.frames("subscribe").at(-1)!.id!, type: "complete" });
  await assertRejects(() => cut, Error, "the read ended before its result");

  // Aborted before it started: nothing is sent.
  const before = socket.frames("subscribe").length;
  const already = AbortSignal.abort();
  await assertRejects(
    () => oneShotRead({ client, name: "d", query: QUERY, variables: {}, read, signal: already }),
    DOMException,
  );
  assertEquals(socket.frames("subscribe").length, before);
});

Deno.test("a stopped client (a new token) loses the read; it is sent again once acknowledged", async () => {
  const { client, connect } = setup();
  const first = connect();
  const result = oneShotRead({ client, name: "log", query: QUERY, variables: {}, read });
  assertEquals(first.frames("subscribe").length, 1);
  client.stop();
  client.start();
  const second = connect();
  const [resent] = second.frames("subscribe");
  second.receive(
    next(resent.id!, { fraction: 1, detail: null, done: true, log: { lines: ["x"] } }),
  );
  assertEquals(await result, ["x"]);
});

Deno.test("whenReady: at once when acknowledged, else at the next ack, or aborted", async () => {
  const { client, connect } = setup();
  let done = false;
  const waiting = whenReady(client).then(() => done = true);
  await Promise.resolve();
  assertEquals(done, false);
  connect();
  await waiting;
  assertEquals(done, true);
  await whenReady(client); // acknowledged: at once
  client.stop();
  await assertRejects(() => whenReady(client, AbortSignal.abort()), DOMException);
});

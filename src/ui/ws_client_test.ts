import { assert, assertEquals } from "../../tests/assert.ts";
import { ScriptedSocket } from "./scripted_socket.ts";
import { type ConnectionState, WsClient } from "./ws_client.ts";

function setup(token?: string) {
  const sockets: ScriptedSocket[] = [];
  const timers: { callback: () => void; ms: number }[] = [];
  const states: ConnectionState[] = [];
  let acks = 0;
  const client = new WsClient({
    url: "ws://x/graphql",
    token: () => token,
    onAck: () => acks++,
    onState: (state) => states.push(state),
    connect: () => {
      const socket = new ScriptedSocket();
      sockets.push(socket);
      return socket;
    },
    setTimeout: (callback, ms) => timers.push({ callback, ms }),
    clearTimeout: () => {},
    random: () => 0.5,
    now: () => 10_000,
  });
  client.start();
  return { client, sockets, timers, states, acks: () => acks };
}

Deno.test("ws client: init carries the token; ack opens; frames reach the subscription's sink", () => {
  const { client, sockets, acks } = setup("secret-token-0123456789");
  sockets[0].open();
  assertEquals(sockets[0].sent, [
    '{"type":"connection_init","payload":{"token":"secret-token-0123456789"}}',
  ]);
  sockets[0].receive({
    type: "connection_ack",
    payload: { seq: 3, expires: "2030-01-01T00:00:00.000Z" },
  });
  assertEquals(acks(), 1);
  assertEquals(client.state, { kind: "open", expires: "2030-01-01T00:00:00.000Z" });
  const got: unknown[] = [];
  client.subscribe("1", { query: "subscription @deltas { workflows { id } }" }, {
    next: (p) => got.push(p),
    error: () => {},
    complete: () => {},
  });
  sockets[0].receive({ id: "1", type: "next", payload: { data: null, extensions: { seq: 4 } } });
  sockets[0].receive({ type: "ping" });
  assertEquals(got, [{ data: null, extensions: { seq: 4 } }]);
  assertEquals(sockets[0].sent.slice(1), [
    '{"id":"1","type":"subscribe","payload":{"query":"subscription @deltas { workflows { id } }"}}',
    '{"type":"pong"}',
  ]);
  assertEquals(client.stats().messages, 3);
  client.complete("1");
  assertEquals(sockets[0].sent.at(-1), '{"id":"1","type":"complete"}');
});

Deno.test("ws client: 1012, 1006 and 4503 reconnect with growing, capped, jittered backoff", () => {
  const { sockets, timers, states, acks } = setup();
  const delays: number[] = [];
  for (const code of [1012, 1006, 4503, 1006, 1006, 1006, 1006, 1006]) {
    sockets.at(-1)!.drop(code);
    const last = states.at(-1)!;
    assert(last.kind === "waiting" && last.code === code);
    delays.push(timers.at(-1)!.ms);
    timers.at(-1)!.callback();
  }
  // random() = 0.5: half of 500·2^(n-1), capped at 15 s.
  assertEquals(delays, [250, 500, 1000, 2000, 4000, 7500, 7500, 7500]);
  assertEquals(sockets.length, 9);
  // An ack resets the backoff.
  sockets.at(-1)!.open();
  sockets.at(-1)!.receive({ type: "connection_ack" });
  assertEquals(acks(), 1);
  sockets.at(-1)!.drop(1012, "Service Restart");
  assertEquals(timers.at(-1)!.ms, 250);
});

Deno.test("ws client: fatal closes stop retrying and say what to do", () => {
  const cases: [number, string, string | undefined, string, string][] = [
    [4401, "Unauthorized: no token", undefined, "signin", "needs a token"],
    [4401, "Unauthorized: unknown token", "t", "signin", "did not accept this token"],
    [4401, "token expired at 2026-01-01T00:00:00.000Z", "t", "expired", "expired at 2026-01-01"],
    [4403, "Forbidden: token has no read scope", "t", "error", "no read scope"],
    [4400, "Invalid message received", undefined, "error", "not retried"],
    [4409, "Subscriber for 1 already exists", undefined, "error", "not retried"],
    [4429, "Too many initialisation requests", undefined, "error", "not retried"],
    [4406, "Subprotocol not acceptable", undefined, "error", "not retried"],
    [1009, "Message too big", undefined, "error", "not retried"],
  ];
  for (const [code, reason, token, why, text] of cases) {
    const { sockets, timers, states } = setup(token);
    sockets[0].drop(code, reason);
    const state = states.at(-1)!;
    assert(state.kind === "fatal" && state.why === why, `${code}: ${JSON.stringify(state)}`);
    assert(state.message.includes(text), `${code}: ${state.message}`);
    assertEquals(timers.length, 0, `${code} must not retry`);
  }
});

import { parseMessage } from "graphql-ws";
import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import {
  ackFrame,
  CloseCode,
  completeFrame,
  errorFrame,
  GRAPHQL_TRANSPORT_WS_PROTOCOL,
  limitCloseReason,
  MAX_CLOSE_REASON_BYTES,
  MessageType,
  nextFrame,
  parseClientMessage,
  pongFrame,
  utf8Length,
} from "./protocol.ts";

Deno.test("protocol: names and close codes match graphql-ws", () => {
  assertEquals(GRAPHQL_TRANSPORT_WS_PROTOCOL, "graphql-transport-ws");
  assertEquals(Object.values(MessageType), [
    "connection_init",
    "connection_ack",
    "ping",
    "pong",
    "subscribe",
    "next",
    "error",
    "complete",
  ]);
  assertEquals({ ...CloseCode }, {
    InternalServerError: 4500,
    InternalClientError: 4005,
    BadRequest: 4400,
    BadResponse: 4004,
    Unauthorized: 4401,
    Forbidden: 4403,
    SubprotocolNotAcceptable: 4406,
    ConnectionInitialisationTimeout: 4408,
    ConnectionAcknowledgementTimeout: 4504,
    SubscriberAlreadyExists: 4409,
    TooManyInitialisationRequests: 4429,
    MessageTooBig: 1009,
    SlowConsumer: 4503,
    TooManyConnections: 1013,
    ServiceRestart: 1012,
  });
});

Deno.test("parseClientMessage: valid messages of every client type", () => {
  const valid: [string, unknown][] = [
    ['{"type":"connection_init"}', { type: "connection_init" }],
    ['{"type":"connection_init","payload":null}', { type: "connection_init", payload: null }],
    ['{"type":"connection_init","payload":{"token":"t"}}', {
      type: "connection_init",
      payload: { token: "t" },
    }],
    ['{"type":"ping"}', { type: "ping" }],
    ['{"type":"ping","payload":{"t":1}}', { type: "ping", payload: { t: 1 } }],
    ['{"type":"pong","payload":null}', { type: "pong", payload: null }],
    ['{"type":"pong","payload":{}}', { type: "pong", payload: {} }],
    ['{"id":"1","type":"subscribe","payload":{"query":"{ a }"}}', {
      id: "1",
      type: "subscribe",
      payload: { query: "{ a }" },
    }],
    [
      '{"id":"x","type":"subscribe","payload":{"query":"q","variables":{"v":1},' +
      '"operationName":"Op","extensions":{"seq":5}}}',
      {
        id: "x",
        type: "subscribe",
        payload: { query: "q", variables: { v: 1 }, operationName: "Op", extensions: { seq: 5 } },
      },
    ],
    [
      '{"id":"x","type":"subscribe","payload":{"query":"","variables":null,' +
      '"operationName":null,"extensions":null}}',
      {
        id: "x",
        type: "subscribe",
        payload: { query: "", variables: null, operationName: null, extensions: null },
      },
    ],
    ['{"id":"1","type":"complete"}', { id: "1", type: "complete" }],
    // Extra properties are allowed, as graphql-ws allows them.
    ['{"id":"1","type":"complete","extra":true}', { id: "1", type: "complete", extra: true }],
  ];
  for (const [text, expected] of valid) assertEquals(parseClientMessage(text), expected, text);
});

Deno.test("parseClientMessage: invalid messages say what was wrong", () => {
  const invalid: [string, ErrorConstructor, string][] = [
    ["{", SyntaxError, "message is not valid JSON ("],
    ["", SyntaxError, "message is not valid JSON ("],
    ["[]", TypeError, "message must be a JSON object, got array"],
    ["null", TypeError, "message must be a JSON object, got null"],
    ['"ping"', TypeError, "message must be a JSON object, got string"],
    ["{}", TypeError, "message 'type' must be a string, got undefined"],
    ['{"type":1}', TypeError, "message 'type' must be a string, got number"],
    [
      '{"type":"nope"}',
      TypeError,
      'unknown message type "nope"; expected connection_init, ping, pong, subscribe or complete',
    ],
    [
      `{"type":"${"t".repeat(40)}"}`,
      TypeError,
      `unknown message type "${"t".repeat(24)}…"`,
    ],
    ['{"type":"connection_ack"}', TypeError, '"connection_ack" is sent by servers only'],
    ['{"id":"1","type":"next","payload":{}}', TypeError, '"next" is sent by servers only'],
    ['{"id":"1","type":"error","payload":[]}', TypeError, '"error" is sent by servers only'],
    [
      '{"type":"connection_init","payload":"x"}',
      TypeError,
      `"connection_init" 'payload' must be an object, null or absent, got string`,
    ],
    [
      '{"type":"ping","payload":[]}',
      TypeError,
      `"ping" 'payload' must be an object, null or absent, got array`,
    ],
    [
      '{"type":"pong","payload":1}',
      TypeError,
      `"pong" 'payload' must be an object, null or absent, got number`,
    ],
    [
      '{"type":"subscribe","payload":{"query":"q"}}',
      TypeError,
      `"subscribe" 'id' must be a non-empty string, got undefined`,
    ],
    [
      '{"id":1,"type":"subscribe","payload":{"query":"q"}}',
      TypeError,
      `"subscribe" 'id' must be a non-empty string, got number`,
    ],
    [
      '{"id":"","type":"subscribe","payload":{"query":"q"}}',
      TypeError,
      `"subscribe" 'id' must be a non-empty string, got ""`,
    ],
    [
      '{"id":"1","type":"subscribe"}',
      TypeError,
      `"subscribe" 'payload' must be an object, got undefined`,
    ],
    [
      '{"id":"1","type":"subscribe","payload":[]}',
      TypeError,
      `"subscribe" 'payload' must be an object, got array`,
    ],
    [
      '{"id":"1","type":"subscribe","payload":{}}',
      TypeError,
      `"subscribe" payload 'query' must be a string, got undefined`,
    ],
    [
      '{"id":"1","type":"subscribe","payload":{"query":null}}',
      TypeError,
      `"subscribe" payload 'query' must be a string, got null`,
    ],
    [
      '{"id":"1","type":"subscribe","payload":{"query":"q","variables":[]}}',
      TypeError,
      `"subscribe" payload 'variables' must be an object or null, got array`,
    ],
    [
      '{"id":"1","type":"subscribe","payload":{"query":"q","operationName":1}}',
      TypeError,
      `"subscribe" payload 'operationName' must be a string or null, got number`,
    ],
    [
      '{"id":"1","type":"subscribe","payload":{"query":"q","extensions":"e"}}',
      TypeError,
      `"subscribe" payload 'extensions' must be an object or null, got string`,
    ],
    ['{"type":"complete"}', TypeError, `"complete" 'id' must be a non-empty string, got undefined`],
    [
      '{"id":"","type":"complete"}',
      TypeError,
      `"complete" 'id' must be a non-empty string, got ""`,
    ],
  ];
  for (const [text, ErrorClass, message] of invalid) {
    assertThrows(() => parseClientMessage(text), ErrorClass, message);
  }
});

Deno.test("frames: exact text, and what graphql-ws would parse", () => {
  assertEquals(
    nextFrame("1", '{"data":{"a":1}}'),
    '{"id":"1","type":"next","payload":{"data":{"a":1}}}',
  );
  // Ids are JSON-escaped, payloads joined verbatim.
  assertEquals(nextFrame('a"b', "{}"), '{"id":"a\\"b","type":"next","payload":{}}');
  assertEquals(JSON.parse(nextFrame('a"b', "{}")), { id: 'a"b', type: "next", payload: {} });
  assertEquals(
    errorFrame("1", [{ message: "m", path: ["a"] }]),
    '{"id":"1","type":"error","payload":[{"message":"m","path":["a"]}]}',
  );
  assertThrows(() => errorFrame("1", []), RangeError, "needs at least one GraphQL error");
  assertEquals(completeFrame("z"), '{"id":"z","type":"complete"}');
  assertEquals(ackFrame(), '{"type":"connection_ack"}');
  assertEquals(ackFrame(null), '{"type":"connection_ack"}');
  assertEquals(ackFrame({ a: 1 }), '{"type":"connection_ack","payload":{"a":1}}');
  assertEquals(pongFrame(), '{"type":"pong"}');
  assertEquals(pongFrame({ t: "x" }), '{"type":"pong","payload":{"t":"x"}}');
  // graphql-ws's own validator (what its client runs) accepts every frame.
  for (
    const frame of [
      nextFrame("1", '{"data":{"a":1}}'),
      errorFrame("1", [{ message: "m" }]),
      completeFrame("1"),
      ackFrame(),
      ackFrame({ a: 1 }),
      pongFrame(),
      pongFrame({ t: 1 }),
    ]
  ) parseMessage(frame);
});

Deno.test("utf8Length agrees with TextEncoder, lone surrogates included", () => {
  const encoder = new TextEncoder();
  for (
    const text of [
      "",
      "abc",
      "é",
      "€",
      "😀",
      "a😀b",
      "\ud800",
      "\udc00x",
      "x\ud800",
      "\ud800\ud800",
    ]
  ) {
    assertEquals(utf8Length(text), encoder.encode(text).length, JSON.stringify(text));
  }
});

Deno.test("limitCloseReason keeps short reasons and cuts long ones on a character boundary", () => {
  assertEquals(limitCloseReason("Unauthorized"), "Unauthorized");
  const exact = "x".repeat(MAX_CLOSE_REASON_BYTES);
  assertEquals(limitCloseReason(exact), exact);
  const cut = limitCloseReason("€".repeat(100));
  assert(cut.endsWith("…"));
  assert(utf8Length(cut) <= MAX_CLOSE_REASON_BYTES);
  assertEquals(cut, "€".repeat(40) + "…");
});

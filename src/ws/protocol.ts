/**
 * The vocabulary of the `graphql-transport-ws` protocol (graphql-ws's
 * PROTOCOL.md): message types, close codes, client message validation and
 * the frames the server sends. Everything that knows the wire format lives
 * here, so the connection state machine and the socket adapter never build
 * or pick apart JSON themselves.
 *
 * @module
 */
import type { GraphQLFormattedError } from "graphql";

/** The WebSocket subprotocol this server speaks. */
export const GRAPHQL_TRANSPORT_WS_PROTOCOL = "graphql-transport-ws";

/**
 * Message types of `graphql-transport-ws`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MessageType } from "./protocol.ts";
 * assert.equal(MessageType.ConnectionInit, "connection_init");
 * ```
 */
export const MessageType = Object.freeze(
  {
    ConnectionInit: "connection_init",
    ConnectionAck: "connection_ack",
    Ping: "ping",
    Pong: "pong",
    Subscribe: "subscribe",
    Next: "next",
    Error: "error",
    Complete: "complete",
  } as const,
);

/** One of the {@linkcode MessageType} values. */
export type MessageType = typeof MessageType[keyof typeof MessageType];

/**
 * WebSocket close codes. The 4xxx codes up to `TooManyInitialisationRequests`
 * are graphql-ws's own (same numbers, so its clients react as designed);
 * the last four are Overlap's.
 *
 * How graphql-ws clients treat them: 4500, 4005, 4400, 4004, 4401, 4406,
 * 4409, 4429 and 1009 are fatal (no retry); 4403, 4408, 4503, 1012 and 1013
 * are retried.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CloseCode } from "./protocol.ts";
 * assert.equal(CloseCode.SubscriberAlreadyExists, 4409);
 * assert.equal(CloseCode.SlowConsumer, 4503);
 * ```
 */
export const CloseCode = Object.freeze(
  {
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
    /** Standard WebSocket "Message Too Big": an incoming message over `maxMessageBytes`. */
    MessageTooBig: 1009,
    /**
     * "Send buffer exceeded": the client reads slower than we send. graphql-ws
     * clients retry on it and then resume from their last seq.
     */
    SlowConsumer: 4503,
    /** Standard WebSocket "Try Again Later": the server is at `maxConnections`. */
    TooManyConnections: 1013,
    /**
     * Standard WebSocket "Service Restart": the server drains (SIGTERM). Every
     * event committed before the close was sent first; clients reconnect
     * (here after the restart, or to another instance) and resume by seq.
     */
    ServiceRestart: 1012,
  } as const,
);

/** One of the {@linkcode CloseCode} values. */
export type CloseCode = typeof CloseCode[keyof typeof CloseCode];

/** An object payload as the protocol allows it on init, ack, ping and pong. */
export type PayloadObject = Record<string, unknown>;

/** What a `subscribe` message asks for. */
export interface SubscribePayload {
  /** The GraphQL document text. */
  readonly query: string;
  /** Which operation of the document to run; `null` or absent for the only one. */
  readonly operationName?: string | null;
  /** Values of the operation's variables. */
  readonly variables?: PayloadObject | null;
  /** Protocol extensions; Overlap reads its resume position (`seq`) from here. */
  readonly extensions?: PayloadObject | null;
}

/** `connection_init`: the client asks to start; the payload carries credentials. */
export interface ConnectionInitMessage {
  readonly type: "connection_init";
  readonly payload?: PayloadObject | null;
}

/** `ping`: the server answers with a `pong` carrying the same payload. */
export interface PingMessage {
  readonly type: "ping";
  readonly payload?: PayloadObject | null;
}

/** `pong`: an answer to our ping or an unsolicited heartbeat; ignored. */
export interface PongMessage {
  readonly type: "pong";
  readonly payload?: PayloadObject | null;
}

/** `subscribe`: start operation `id`. */
export interface SubscribeMessage {
  readonly id: string;
  readonly type: "subscribe";
  readonly payload: SubscribePayload;
}

/** `complete` from the client: stop operation `id`. */
export interface CompleteMessage {
  readonly id: string;
  readonly type: "complete";
}

/** Any message a client may send. */
export type ClientMessage =
  | ConnectionInitMessage
  | PingMessage
  | PongMessage
  | SubscribeMessage
  | CompleteMessage;

/** JSON's view of a value's type, with `null` and `array` told apart from objects. */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function isObject(value: unknown): value is PayloadObject {
  return kindOf(value) === "object";
}

/** Quotes a client-chosen string, shortened so error messages stay close-reason sized. */
function quote(text: string): string {
  return JSON.stringify(text.length > 24 ? `${text.slice(0, 24)}…` : text);
}

/**
 * Parses one text frame from a client and checks it has the shape
 * graphql-ws's `validateMessage` requires of that message type. Extra
 * properties are allowed, as in graphql-ws.
 *
 * Types only a server sends (`connection_ack`, `next`, `error`) are refused:
 * a client sending them is broken, and saying so beats ignoring it.
 *
 * @throws {SyntaxError} when `text` is not JSON.
 * @throws {TypeError} when the JSON is not a client message; the message says
 * which property was wrong and what was expected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseClientMessage } from "./protocol.ts";
 * const message = parseClientMessage('{"id":"1","type":"subscribe","payload":{"query":"{ a }"}}');
 * assert.equal(message.type, "subscribe");
 * assert.throws(() => parseClientMessage('{"type":"subscribe","payload":{}}'), TypeError);
 * ```
 */
export function parseClientMessage(text: string): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`message is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) {
    throw new TypeError(`message must be a JSON object, got ${kindOf(value)}`);
  }
  const type = value.type;
  if (typeof type !== "string") {
    throw new TypeError(`message 'type' must be a string, got ${kindOf(type)}`);
  }
  switch (type) {
    case MessageType.ConnectionInit:
    case MessageType.Ping:
    case MessageType.Pong:
      if (value.payload != null && !isObject(value.payload)) {
        throw new TypeError(
          `"${type}" 'payload' must be an object, null or absent, got ${kindOf(value.payload)}`,
        );
      }
      return value as unknown as ClientMessage;
    case MessageType.Subscribe: {
      checkId(type, value.id);
      const payload = value.payload;
      if (!isObject(payload)) {
        throw new TypeError(`"subscribe" 'payload' must be an object, got ${kindOf(payload)}`);
      }
      if (typeof payload.query !== "string") {
        throw new TypeError(
          `"subscribe" payload 'query' must be a string, got ${kindOf(payload.query)}`,
        );
      }
      if (payload.variables != null && !isObject(payload.variables)) {
        throw new TypeError(
          `"subscribe" payload 'variables' must be an object or null, got ${
            kindOf(payload.variables)
          }`,
        );
      }
      if (payload.operationName != null && typeof payload.operationName !== "string") {
        throw new TypeError(
          `"subscribe" payload 'operationName' must be a string or null, got ${
            kindOf(payload.operationName)
          }`,
        );
      }
      if (payload.extensions != null && !isObject(payload.extensions)) {
        throw new TypeError(
          `"subscribe" payload 'extensions' must be an object or null, got ${
            kindOf(payload.extensions)
          }`,
        );
      }
      return value as unknown as SubscribeMessage;
    }
    case MessageType.Complete:
      checkId(type, value.id);
      return value as unknown as CompleteMessage;
    case MessageType.ConnectionAck:
    case MessageType.Next:
    case MessageType.Error:
      throw new TypeError(`"${type}" is sent by servers only, not by clients`);
    default:
      throw new TypeError(
        `unknown message type ${
          quote(type)
        }; expected connection_init, ping, pong, subscribe or complete`,
      );
  }
}

function checkId(type: string, id: unknown): void {
  if (typeof id !== "string") {
    throw new TypeError(`"${type}" 'id' must be a non-empty string, got ${kindOf(id)}`);
  }
  if (id === "") {
    throw new TypeError(`"${type}" 'id' must be a non-empty string, got ""`);
  }
}

/**
 * Builds a `next` frame around an already serialized payload. The JSON is
 * joined as text, not re-serialized, so the fan-out can serialize a result
 * once and hand the same string to every subscriber it goes to.
 *
 * `payloadJson` must be a JSON object (an `ExecutionResult`); it is not
 * checked here, that would cost a parse per subscriber.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextFrame } from "./protocol.ts";
 * assert.equal(nextFrame("1", '{"data":{"a":1}}'), '{"id":"1","type":"next","payload":{"data":{"a":1}}}');
 * ```
 */
export function nextFrame(id: string, payloadJson: string): string {
  return '{"id":' + JSON.stringify(id) + ',"type":"next","payload":' + payloadJson + "}";
}

/**
 * Builds an `error` frame: operation `id` failed and is over.
 *
 * @throws {RangeError} when `errors` is empty: graphql-ws clients reject an
 * `error` message without errors as a bad response.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorFrame } from "./protocol.ts";
 * assert.equal(
 *   errorFrame("1", [{ message: "no such workflow" }]),
 *   '{"id":"1","type":"error","payload":[{"message":"no such workflow"}]}',
 * );
 * ```
 */
export function errorFrame(id: string, errors: readonly GraphQLFormattedError[]): string {
  if (errors.length === 0) {
    throw new RangeError(
      `an error frame for ${quote(id)} needs at least one GraphQL error, got an empty list`,
    );
  }
  return JSON.stringify({ id, type: MessageType.Error, payload: errors });
}

/**
 * Builds a `complete` frame: operation `id` ended normally.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { completeFrame } from "./protocol.ts";
 * assert.equal(completeFrame("1"), '{"id":"1","type":"complete"}');
 * ```
 */
export function completeFrame(id: string): string {
  return '{"id":' + JSON.stringify(id) + ',"type":"complete"}';
}

/**
 * Builds a `connection_ack` frame; without a payload the property is absent,
 * as graphql-ws sends it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ackFrame } from "./protocol.ts";
 * assert.equal(ackFrame(), '{"type":"connection_ack"}');
 * assert.equal(ackFrame({ user: "ann" }), '{"type":"connection_ack","payload":{"user":"ann"}}');
 * ```
 */
export function ackFrame(payload?: PayloadObject | null): string {
  return payload == null
    ? '{"type":"connection_ack"}'
    : JSON.stringify({ type: MessageType.ConnectionAck, payload });
}

/**
 * Builds a `pong` frame, echoing the ping's payload when it had one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pongFrame } from "./protocol.ts";
 * assert.equal(pongFrame(), '{"type":"pong"}');
 * assert.equal(pongFrame({ t: 1 }), '{"type":"pong","payload":{"t":1}}');
 * ```
 */
export function pongFrame(payload?: PayloadObject | null): string {
  return payload == null ? '{"type":"pong"}' : JSON.stringify({ type: MessageType.Pong, payload });
}

/** The most bytes of UTF-8 a WebSocket close reason may have (RFC 6455 §5.5). */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * Shortens `reason` to fit a close frame, ending it with `…` when cut.
 * Needed because reasons quote client input (ids, parse errors), and a
 * reason over 123 bytes makes `WebSocket.close` throw instead of closing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { limitCloseReason, MAX_CLOSE_REASON_BYTES } from "./protocol.ts";
 * assert.equal(limitCloseReason("Unauthorized"), "Unauthorized");
 * const long = limitCloseReason("x".repeat(500));
 * assert.equal(new TextEncoder().encode(long).length, MAX_CLOSE_REASON_BYTES);
 * assert(long.endsWith("…"));
 * ```
 */
export function limitCloseReason(reason: string): string {
  if (utf8Length(reason) <= MAX_CLOSE_REASON_BYTES) return reason;
  const budget = MAX_CLOSE_REASON_BYTES - 3; // "…" is 3 bytes of UTF-8
  let bytes = 0;
  let end = 0;
  for (const char of reason) {
    const size = utf8Length(char);
    if (bytes + size > budget) break;
    bytes += size;
    end += char.length;
  }
  return reason.slice(0, end) + "…";
}

/**
 * Counts the bytes `text` takes as UTF-8 without encoding it. A lone
 * surrogate counts 3 bytes, as `TextEncoder` writes U+FFFD for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { utf8Length } from "./protocol.ts";
 * assert.equal(utf8Length("aé€😀"), 1 + 2 + 3 + 4);
 * ```
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) bytes += 1;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      // A pair is 4 bytes for 2 units: the 2 already counted plus 2.
      if (low >= 0xdc00 && low <= 0xdfff) {
        bytes += 2;
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

/**
 * The close reason (with {@linkcode CloseCode.Unauthorized}) for a token
 * that expired: clients tell it from a missing or unknown token by its
 * start, `token expired`, and can show the time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tokenExpiredReason } from "./protocol.ts";
 * assert.equal(tokenExpiredReason(0), "token expired at 1970-01-01T00:00:00.000Z");
 * ```
 */
export function tokenExpiredReason(expiredAt: number): string {
  return `token expired at ${new Date(expiredAt).toISOString()}`;
}

import { assertEquals } from "../../tests/assert.ts";
import { createAccess } from "../auth/tokens.ts";
import { Hub } from "../fanout/hub.ts";
import { silentLogger } from "../log.ts";
import { Store } from "../store/store.ts";
import { GraphqlWsConnection } from "../ws/connection.ts";
import { DocumentCache } from "./documents.ts";
import { createSchema } from "./schema.ts";
import { createSessionHooks } from "./session.ts";

const EXPIRES = "2026-01-01T00:10:00.000Z";

async function connect(now: () => number) {
  const access = await createAccess([
    { name: "temp", token: "temp-token-0123456789", scopes: ["read"], expires: EXPIRES },
  ], { now });
  const store = new Store();
  const schema = createSchema();
  const hub = new Hub({
    store,
    schema,
    history: { readAfter: () => Promise.resolve([]), floor: () => Promise.resolve(0) },
    log: silentLogger,
  });
  const hooks = createSessionHooks({
    access,
    hub,
    schema,
    documents: new DocumentCache(schema),
    store,
    log: silentLogger,
  });
  const sent: string[] = [];
  const closes: [number, string][] = [];
  const timers: { callback: () => void; ms: number }[] = [];
  const connection = new GraphqlWsConnection({
    transport: {
      send: (text) => sent.push(text),
      close: (code, reason) => closes.push([code, reason]),
      bufferedAmount: () => 0,
    },
    hooks,
    limits: {
      maxSubscriptions: 5,
      maxMessageBytes: 65536,
      sendBufferBytes: 1 << 20,
      initTimeoutMs: 1,
    },
    setTimer: (callback, ms) => timers.push({ callback, ms }),
    clearTimer: () => {},
  });
  return { connection, sent, closes, timers, hub };
}

Deno.test("session: a token that expires while connected closes the socket with 4401 at expiry", async () => {
  const now = Date.parse(EXPIRES) - 60_000;
  const { connection, sent, closes, timers, hub } = await connect(() => now);
  await connection.receive(
    '{"type":"connection_init","payload":{"token":"temp-token-0123456789"}}',
  );
  assertEquals(sent, [`{"type":"connection_ack","payload":{"seq":0,"expires":"${EXPIRES}"}}`]);
  await connection.receive(
    '{"id":"1","type":"subscribe","payload":{"query":"subscription @deltas { workflows { id } }"}}',
  );
  assertEquals(hub.status().members, 1);
  // One timer: the expiry, a minute away by the injected clock.
  assertEquals(timers.map((t) => t.ms), [60_000]);
  assertEquals(closes, []);
  timers[0].callback();
  assertEquals(closes, [[4401, `token expired at ${EXPIRES}`]]);
  assertEquals(hub.status().members, 0, "the subscription left the hub");
  hub.close();
});

Deno.test("session: an expired token is refused with 4401 'token expired at …'; an unknown one with 'Unauthorized'", async () => {
  const expired = await connect(() => Date.parse(EXPIRES));
  await expired.connection.receive(
    '{"type":"connection_init","payload":{"token":"temp-token-0123456789"}}',
  );
  assertEquals(expired.sent, []);
  assertEquals(expired.closes, [[4401, `token expired at ${EXPIRES}`]]);
  const unknown = await connect(() => 0);
  await unknown.connection.receive(
    '{"type":"connection_init","payload":{"token":"other-token-0123456789"}}',
  );
  assertEquals(unknown.closes, [[4401, "Unauthorized: unknown token"]]);
  const missing = await connect(() => 0);
  await missing.connection.receive('{"type":"connection_init"}');
  assertEquals(missing.closes, [[4401, "Unauthorized: no token"]]);
  for (const c of [expired, unknown, missing]) c.hub.close();
});

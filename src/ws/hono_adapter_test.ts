import { Hono } from "hono";
import { createClient } from "graphql-ws";
import { assert, assertEquals } from "../../tests/assert.ts";
import { silentLogger } from "../log.ts";
import type { SessionHooks } from "./connection.ts";
import { ConnectionRegistry, graphqlWsRoute, type GraphqlWsRouteOptions } from "./hono_adapter.ts";

const LIMITS: GraphqlWsRouteOptions["limits"] = {
  maxConnections: 10,
  maxSubscriptions: 5,
  maxMessageBytes: 1024,
  sendBufferBytes: 1024,
  initTimeoutMs: 10_000,
};

/**
 * A tiny application: `count` emits three results then completes, `flood`
 * pushes 100 KB at once (a slow consumer), anything else runs until
 * disposed. Every close is reported, so tests can wait for the server side.
 */
function fakeHooks(
  closes: PromiseWithResolvers<void>[],
  disposed: (id: string) => void = () => {},
): SessionHooks {
  return {
    onConnect(payload) {
      if (payload?.token === "bad") return { ok: false, code: 4403, reason: "Forbidden" };
      return { ok: true, ackPayload: { hello: "there" } };
    },
    onSubscribe(id, payload, sink) {
      if (payload.query.includes("count")) {
        queueMicrotask(() => {
          for (let n = 1; n <= 3; n++) sink.next(JSON.stringify({ data: { count: n } }));
          sink.complete();
        });
      } else if (payload.query.includes("tick")) {
        queueMicrotask(() => sink.next('{"data":{"tick":1}}'));
      } else if (payload.query.includes("flood")) {
        const big = JSON.stringify({ data: { text: "x".repeat(1000) } });
        queueMicrotask(() => {
          for (let n = 0; n < 100; n++) sink.next(big);
        });
      }
      return { dispose: () => disposed(id) };
    },
    onClose() {
      closes.shift()?.resolve();
    },
  };
}

/** A served app on a free port; `close()` waits for every server-side socket to close. */
function serve(limits = LIMITS) {
  const connections = new ConnectionRegistry();
  const serverCloses: PromiseWithResolvers<void>[] = [];
  const disposals: PromiseWithResolvers<string>[] = [];
  const app = new Hono();
  app.get(
    "/graphql",
    graphqlWsRoute((c) => {
      // The application reads the upgrade's headers here (the token, say):
      // that must work, so the adapter calls this before upgrading.
      void c.req.header("authorization");
      return fakeHooks(serverCloses, (id) => disposals.shift()?.resolve(id));
    }, {
      limits,
      log: silentLogger,
      connections,
    }),
    (c) => c.text("GraphQL over HTTP"),
  );
  app.get("/status", (c) => c.json(connections.status()));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  const url = `ws://127.0.0.1:${server.addr.port}/graphql`;
  return {
    url,
    http: `http://127.0.0.1:${server.addr.port}`,
    connections,
    /** Resolves when the next accepted connection has closed on the server. */
    serverClosed(): Promise<void> {
      const closed = Promise.withResolvers<void>();
      serverCloses.push(closed);
      return closed.promise;
    },
    /** Resolves with the id of the next subscription the server disposes. */
    disposed(): Promise<string> {
      const disposed = Promise.withResolvers<string>();
      disposals.push(disposed);
      return disposed.promise;
    },
    close: () => server.shutdown(),
  };
}

/** A raw WebSocket that records messages and its close event. */
function rawSocket(url: string, protocols?: string | string[]) {
  const ws = new WebSocket(url, protocols);
  const messages: string[] = [];
  const opened = Promise.withResolvers<void>();
  const closed = Promise.withResolvers<{ code: number; reason: string }>();
  const waiters: (() => void)[] = [];
  ws.onopen = () => opened.resolve();
  ws.onmessage = (event) => {
    messages.push(event.data);
    waiters.shift()?.();
  };
  ws.onclose = (event) => closed.resolve({ code: event.code, reason: event.reason });
  ws.onerror = () => {};
  return {
    ws,
    messages,
    opened: opened.promise,
    closed: closed.promise,
    /** Resolves at the next message. */
    nextMessage(): Promise<void> {
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

Deno.test("interop: the graphql-ws client connects, subscribes, gets every next and complete", async () => {
  const server = serve();
  const serverClosed = server.serverClosed();
  const acks: unknown[] = [];
  const client = createClient({
    url: server.url,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    on: { connected: (_socket, payload) => acks.push(payload) },
  });
  const clientClosed = new Promise<unknown>((resolve) => client.on("closed", resolve));
  try {
    const results: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      client.subscribe({ query: "subscription { count }" }, {
        next: (result) => results.push(result),
        error: reject,
        complete: resolve,
      });
    });
    assertEquals(results, [
      { data: { count: 1 } },
      { data: { count: 2 } },
      { data: { count: 3 } },
    ]);
    assertEquals(acks, [{ hello: "there" }]);
    // Lazy: the client closes the socket itself once nothing is subscribed.
    const event = await clientClosed as CloseEvent;
    assertEquals(event.code, 1000);
    await serverClosed;
    const status = await (await fetch(`${server.http}/status`)).json();
    assertEquals(status.connections, 0);
    assertEquals(status.framesSent, 5); // ack, three nexts, complete
    assert(status.bytesSent > 0);
  } finally {
    await client.dispose();
    await server.close();
  }
});

Deno.test("interop: unsubscribing in the graphql-ws client completes the subscription on the server", async () => {
  const server = serve();
  const serverClosed = server.serverClosed();
  const client = createClient({ url: server.url, webSocketImpl: WebSocket, retryAttempts: 0 });
  try {
    const disposed = server.disposed();
    const first = Promise.withResolvers<unknown>();
    const unsubscribe = client.subscribe({ query: "subscription { tick }" }, {
      next: first.resolve,
      error: first.reject,
      complete() {},
    });
    assertEquals(await first.promise, { data: { tick: 1 } });
    assertEquals(server.connections.status().subscriptions, 1);
    unsubscribe(); // sends complete
    const id = await disposed;
    assert(id.length > 0, "the client's own operation id");
    assertEquals(server.connections.status().subscriptions, 0);
  } finally {
    await client.dispose();
    await serverClosed;
    await server.close();
  }
});

Deno.test("the subprotocol is echoed; a plain GET on the same path goes to the HTTP handler", async () => {
  const server = serve();
  try {
    const res = await fetch(`${server.http}/graphql`);
    assertEquals(await res.text(), "GraphQL over HTTP");
    const socket = rawSocket(server.url, ["graphql-ws", "graphql-transport-ws"]);
    await socket.opened;
    assertEquals(socket.ws.protocol, "graphql-transport-ws");
    const closed = server.serverClosed();
    socket.ws.close(1000);
    await socket.closed;
    await closed;
  } finally {
    await server.close();
  }
});

Deno.test("4406: a client that did not offer graphql-transport-ws", async () => {
  const server = serve();
  try {
    const none = rawSocket(server.url);
    assertEquals(await none.closed, { code: 4406, reason: "Subprotocol not acceptable" });
    const other = rawSocket(server.url, "graphql-ws");
    await other.opened;
    assertEquals(other.ws.protocol, "graphql-ws");
    assertEquals(await other.closed, { code: 4406, reason: "Subprotocol not acceptable" });
    assertEquals(server.connections.status().connections, 0);
  } finally {
    await server.close();
  }
});

Deno.test("4401: subscribe before connection_init, over the wire", async () => {
  const server = serve();
  try {
    const socket = rawSocket(server.url, "graphql-transport-ws");
    const serverClosed = server.serverClosed();
    await socket.opened;
    socket.ws.send('{"id":"1","type":"subscribe","payload":{"query":"subscription { count }"}}');
    assertEquals(await socket.closed, { code: 4401, reason: "Unauthorized" });
    await serverClosed;
  } finally {
    await server.close();
  }
});

Deno.test("4403 from onConnect, over the wire", async () => {
  const server = serve();
  try {
    const socket = rawSocket(server.url, "graphql-transport-ws");
    const serverClosed = server.serverClosed();
    await socket.opened;
    socket.ws.send('{"type":"connection_init","payload":{"token":"bad"}}');
    assertEquals(await socket.closed, { code: 4403, reason: "Forbidden" });
    await serverClosed;
  } finally {
    await server.close();
  }
});

Deno.test("1009: a message over maxMessageBytes, text or binary", async () => {
  const server = serve();
  try {
    for (
      const send of [
        (ws: WebSocket) => ws.send(`{"type":"ping","payload":{"p":"${"x".repeat(2000)}"}}`),
        (ws: WebSocket) => ws.send(new Uint8Array(1025).fill(32)),
      ]
    ) {
      const socket = rawSocket(server.url, "graphql-transport-ws");
      const serverClosed = server.serverClosed();
      await socket.opened;
      send(socket.ws);
      assertEquals(await socket.closed, { code: 1009, reason: "Message too big: over 1024 bytes" });
      await serverClosed;
    }
  } finally {
    await server.close();
  }
});

Deno.test("binary frames are read as UTF-8 text", async () => {
  const server = serve();
  try {
    const socket = rawSocket(server.url, "graphql-transport-ws");
    await socket.opened;
    const message = socket.nextMessage();
    socket.ws.send(new TextEncoder().encode('{"type":"ping","payload":{"é":1}}'));
    await message;
    assertEquals(socket.messages, ['{"type":"pong","payload":{"é":1}}']);
    const serverClosed = server.serverClosed();
    socket.ws.close(1000);
    await socket.closed;
    await serverClosed;
  } finally {
    await server.close();
  }
});

Deno.test("1013: over maxConnections; the slot frees when a connection closes", async () => {
  const server = serve({ ...LIMITS, maxConnections: 1 });
  try {
    const first = rawSocket(server.url, "graphql-transport-ws");
    await first.opened;
    const second = rawSocket(server.url, "graphql-transport-ws");
    assertEquals(await second.closed, { code: 1013, reason: "Too many connections (limit 1)" });
    assertEquals(server.connections.status(), {
      connections: 1,
      subscriptions: 0,
      framesSent: 0,
      bytesSent: 0,
      refused: 1,
    });
    const firstClosed = server.serverClosed();
    first.ws.close(1000);
    await first.closed;
    await firstClosed;
    const third = rawSocket(server.url, "graphql-transport-ws");
    await third.opened;
    const ack = third.nextMessage();
    third.ws.send('{"type":"connection_init"}');
    await ack;
    assertEquals(third.messages, ['{"type":"connection_ack","payload":{"hello":"there"}}']);
    const thirdClosed = server.serverClosed();
    third.ws.close(1000);
    await third.closed;
    await thirdClosed;
  } finally {
    await server.close();
  }
});

Deno.test("4503: a subscriber that cannot keep up is closed, over the wire", async () => {
  const server = serve();
  try {
    const socket = rawSocket(server.url, "graphql-transport-ws");
    const serverClosed = server.serverClosed();
    await socket.opened;
    socket.ws.send('{"type":"connection_init"}');
    socket.ws.send('{"id":"1","type":"subscribe","payload":{"query":"subscription { flood }"}}');
    assertEquals(await socket.closed, {
      code: 4503,
      reason: "Slow consumer: send buffer over 1024 bytes",
    });
    await serverClosed;
    // The frames sent before the buffer passed the limit did arrive.
    assertEquals(socket.messages[0], '{"type":"connection_ack","payload":{"hello":"there"}}');
    assert(socket.messages.length >= 2 && socket.messages.length < 100);
    assertEquals(server.connections.status().framesSent, socket.messages.length);
  } finally {
    await server.close();
  }
});

/**
 * Fault tests of the pipeline: a killed LISTEN backend, a slow consumer,
 * two instances on one PostgreSQL, and direct SQL writes.
 */
import { type Client, createClient } from "graphql-ws";
import { openPostgres } from "../src/db/postgres.ts";
import { silentLogger } from "../src/log.ts";
import { startServer } from "../src/server.ts";
import { assert, assertEquals } from "./assert.ts";
import { serverCases, testConfig, waitFor } from "./server_fixture.ts";

interface Received {
  data: { workflows?: Array<Record<string, unknown>> } | null;
  extensions?: { seq?: number; snapshot?: boolean };
}

function client(url: string): Client {
  return createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
}

function collect(ws: Client, query: string): Received[] {
  const items: Received[] = [];
  ws.subscribe({ query }, {
    next: (v) => void items.push(v as Received),
    error: () => {},
    complete: () => {},
  });
  return items;
}

/** Opens a WebSocket over raw TCP that subscribes and then never reads again. */
async function stalledSubscriber(port: number, query: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const encoder = new TextEncoder();
  await conn.write(encoder.encode(
    `GET /graphql HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
      "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n",
  ));
  const buffer = new Uint8Array(4096);
  const n = await conn.read(buffer);
  assert(new TextDecoder().decode(buffer.subarray(0, n ?? 0)).startsWith("HTTP/1.1 101"));
  const frame = (text: string) => {
    const payload = encoder.encode(text);
    assert(payload.length < 65536);
    const head = payload.length < 126 ? [0x81, 0x80 | payload.length] : [
      0x81,
      0x80 | 126,
      payload.length >> 8,
      payload.length & 255,
    ];
    const mask = [1, 2, 3, 4];
    const out = new Uint8Array(head.length + 4 + payload.length);
    out.set(head);
    out.set(mask, head.length);
    payload.forEach((byte, i) => out[head.length + 4 + i] = byte ^ mask[i % 4]);
    return out;
  };
  await conn.write(frame(JSON.stringify({ type: "connection_init" })));
  await conn.write(frame(JSON.stringify({ id: "1", type: "subscribe", payload: { query } })));
  return conn;
}

const WATCH = "subscription @deltas { workflows { id statusMsg } }";

for (const serverCase of serverCases()) {
  Deno.test(`faults (${serverCase.name}): a slow consumer is cut off while others stay on time`, async () => {
    const test = await serverCase.start({ OVERLAP_SEND_BUFFER_BYTES: "65536" });
    const ws = client(test.wsUrl);
    let stalled: Deno.TcpConn | undefined;
    try {
      await test.post("/api/deltas", { workflows: [{ id: "~user/flow", statusMsg: "start" }] });
      await test.server.feed.catchUp();
      const fast = collect(ws, WATCH);
      stalled = await stalledSubscriber(test.server.port, WATCH);
      const hub = test.server.services.hub;
      await waitFor("both subscribers", () => hub.status().members === 2 && fast.length === 1);
      // 256 KiB per delta: kernel socket buffers fill within a few dozen.
      const big = "x".repeat(256 * 1024);
      let posted = 0;
      while (hub.status().members === 2) {
        assert(posted < 400, "the stalled subscriber was never cut off");
        const res = await test.post("/api/deltas", {
          workflows: [{ id: "~user/flow", statusMsg: `${posted}${big}` }],
        });
        assertEquals(res.status, 200);
        posted++;
        await test.server.feed.catchUp();
      }
      // The fast subscriber got every delta, in order, while the other was dropped.
      await waitFor("every delta at the fast subscriber", () => fast.length === posted + 1);
      const seqs = fast.slice(1).map((item) => item.extensions!.seq!);
      assertEquals(seqs, [...seqs].sort((a, b) => a - b));
      assertEquals(hub.status().members, 1);
      const more = await test.post("/api/deltas", {
        workflows: [{ id: "~user/flow", statusMsg: "after" }],
      });
      await waitFor("a delta after the cut-off", () => fast.length === posted + 2);
      assertEquals(fast.at(-1)!.extensions!.seq, more.body.seq);
    } finally {
      stalled?.close();
      await ws.dispose();
      await test.stop();
    }
  });

  Deno.test(`faults (${serverCase.name}): schedulers writing SQL directly reach subscribers`, async () => {
    const test = await serverCase.start();
    const ws = client(test.wsUrl);
    try {
      const items = collect(ws, WATCH);
      await waitFor("the snapshot", () => items.length === 1);
      await test.server.services.db.query(
        "insert into workflows (id, status_msg) values ($1, $2)",
        ["~sql/flow", "written by SQL"],
      );
      await waitFor("the SQL insert", () => items.length === 2);
      assertEquals(items[1].data, {
        workflows: [{ id: "~sql/flow", statusMsg: "written by SQL" }],
      });
    } finally {
      await ws.dispose();
      await test.stop();
    }
  });
}

const postgres = serverCases().find((c) => c.name === "postgres");

Deno.test({
  name: "faults (postgres): 1,000 deltas while the LISTEN backend is killed: all arrive, in order",
  ignore: postgres === undefined,
  async fn() {
    const test = await postgres!.start();
    const admin = await openPostgres(test.databaseUrl!, silentLogger, { maxConnections: 1 });
    const ws = client(test.wsUrl);
    try {
      await test.post("/api/deltas", { workflows: [{ id: "~user/flow", statusMsg: "0" }] });
      await test.server.feed.catchUp();
      const a = collect(ws, WATCH);
      const b = collect(ws, "subscription @deltas { workflows { statusMsg } }");
      await waitFor("the snapshots", () => a.length === 1 && b.length === 1);
      const posted: number[] = [];
      let killed = 0;
      for (let i = 1; i <= 1000; i++) {
        const res = await test.post("/api/deltas", {
          workflows: [{ id: "~user/flow", statusMsg: String(i) }],
        });
        posted.push(res.body.seq as number);
        if (i % 250 === 0) {
          const rows = await admin.query<{ ok: boolean }>(
            `select pg_terminate_backend(pid) as ok from pg_stat_activity
              where datname = current_database() and query ilike 'listen%'`,
          );
          killed += rows.filter((row) => row.ok).length;
        }
      }
      assert(killed >= 1, "no LISTEN backend was found to terminate");
      await waitFor("all 1,000 deltas", () => a.length === 1001 && b.length === 1001, 60_000);
      for (const items of [a, b]) {
        assertEquals(items.slice(1).map((item) => item.extensions!.seq), posted);
        assertEquals(
          items.slice(1).map((item) => item.data!.workflows![0].statusMsg),
          posted.map((_, i) => String(i + 1)),
        );
      }
    } finally {
      await ws.dispose();
      await admin.close();
      await test.stop();
    }
  },
});

Deno.test({
  name: "faults (postgres): two instances on one database serve each other's deltas",
  ignore: postgres === undefined,
  async fn() {
    const first = await postgres!.start();
    const second = await startServer(testConfig({ DATABASE_URL: first.databaseUrl! }), {
      log: silentLogger,
    });
    const ws = client(second.url.replace("http", "ws") + "/graphql");
    try {
      const items = collect(ws, WATCH);
      await waitFor("the snapshot on the second instance", () => items.length === 1);
      const res = await first.post("/api/deltas", {
        workflows: [{ id: "~user/flow", statusMsg: "via A" }],
      });
      await waitFor("the delta posted to the first instance", () => items.length === 2);
      assertEquals(items[1], {
        data: { workflows: [{ id: "~user/flow", statusMsg: "via A" }] },
        extensions: { seq: res.body.seq as number, pruned: [] },
      } as unknown as Received);
    } finally {
      await ws.dispose();
      await second.close();
      await first.stop();
    }
  },
});

/**
 * A client worker of the load benchmark: opens its share of WebSocket
 * clients (`graphql-transport-ws`: init, one subscribe each), skips each
 * client's first `next` (the snapshot), and counts every later frame per
 * client with its latency. Runs as a `Worker`, so several of them spread the
 * clients over threads (the load process's CPU is measured as a whole).
 *
 * @module
 */
/// <reference lib="deno.worker" />
import {
  type ClientSpec,
  epochMs,
  type FromWorker,
  readDeltaStatus,
  type ToWorker,
} from "./client_protocol.ts";
import { LatencyHistogram } from "./histogram.ts";

/** Handshakes in flight at once, so a burst never outruns the server's init timeout. */
const PENDING_LIMIT = 200;

const sockets: WebSocket[] = [];
let counts = new Int32Array(0);
let sums = new Float64Array(0);
let histogram = new LatencyHistogram();
let frames = 0;
let stale = 0;
let other = 0;
let firstDelta = 0;
let closing = false;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

function grow(size: number): void {
  if (counts.length >= size) return;
  const c = new Int32Array(size);
  c.set(counts);
  counts = c;
  const s = new Float64Array(size);
  s.set(sums);
  sums = s;
}

async function open(clients: readonly ClientSpec[]): Promise<void> {
  const base = sockets.length;
  grow(base + clients.length);
  let ready = 0;
  let pending = 0;
  const allReady = Promise.withResolvers<void>();
  let slot = Promise.withResolvers<void>();
  if (clients.length === 0) allReady.resolve();
  for (let k = 0; k < clients.length; k++) {
    while (pending >= PENDING_LIMIT) {
      await slot.promise;
      slot = Promise.withResolvers<void>();
    }
    pending++;
    const local = base + k;
    const { index, url, query } = clients[k];
    const socket = new WebSocket(url, "graphql-transport-ws");
    sockets.push(socket);
    let subscribed = false;
    let snapshot = false;
    socket.onopen = () => socket.send('{"type":"connection_init"}');
    socket.onmessage = (event) => {
      const text = event.data as string;
      if (snapshot) {
        const status = readDeltaStatus(text);
        if (status === undefined) other++;
        else if (status.index < firstDelta) stale++;
        else {
          histogram.add(epochMs() - status.sentAt);
          counts[local]++;
          sums[local] += status.index;
          frames++;
        }
        return;
      }
      if (!subscribed && text.startsWith('{"type":"connection_ack"')) {
        subscribed = true;
        socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query } }));
        return;
      }
      if (text.includes('"type":"next"')) {
        snapshot = true;
        pending--;
        slot.resolve();
        if (++ready === clients.length) allReady.resolve();
      } else {
        other++;
      }
    };
    socket.onclose = (event) => {
      if (closing) return;
      post({ type: "unexpected-close", index, code: event.code, reason: event.reason });
      if (!snapshot) {
        pending--;
        slot.resolve();
        if (++ready === clients.length) allReady.resolve();
      }
    };
    socket.onerror = () => {};
  }
  await allReady.promise;
  post({ type: "ready", opened: clients.length });
}

function report(): void {
  const message: FromWorker = {
    type: "report",
    frames,
    counts: counts.slice(0, sockets.length),
    sums: sums.slice(0, sockets.length),
    histogram: histogram.counts.slice(),
    maxMs: histogram.max,
    stale,
    other,
  };
  post(message);
}

function reset(first: number): void {
  firstDelta = first;
  counts.fill(0);
  sums.fill(0);
  histogram = new LatencyHistogram();
  frames = 0;
  stale = 0;
  other = 0;
}

async function closeAll(): Promise<void> {
  closing = true;
  const done = sockets.map((socket) =>
    socket.readyState === WebSocket.CLOSED ? Promise.resolve() : new Promise<void>((resolve) => {
      socket.addEventListener("close", () => resolve());
      socket.close(1000, "load done");
    })
  );
  await Promise.race([Promise.all(done), new Promise((r) => setTimeout(r, 5000))]);
  post({ type: "closed" });
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  switch (message.type) {
    case "open":
      void open(message.clients);
      return;
    case "reset":
      reset(message.firstDelta);
      return;
    case "report":
      report();
      return;
    case "close":
      void closeAll();
      return;
  }
};

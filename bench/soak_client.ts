/**
 * A `graphql-transport-ws` client for the soak: one subscription, recorded
 * frame by frame ({@linkcode StreamRecord}), that can be disconnected and
 * reconnected, resuming from the last seq it saw (`connection_init`
 * payload `{ lastSeq }`), as a browser UI does after a network blip.
 *
 * Plain WebSockets rather than the graphql-ws client: a thousand of them in
 * one process, and the frames' text is hashed without being parsed.
 *
 * @module
 */
import { parseFrame, StreamRecord } from "./soak_stream.ts";

/** A soak client's counters. */
export interface SoakClientStats {
  /** `next` frames received (snapshots and duplicates included). */
  readonly frames: number;
  /** Connections made after the first. */
  readonly reconnects: number;
  /** Closes the client did not ask for, by code (e.g. 4503 for a slow consumer). */
  readonly unexpectedCloses: Readonly<Record<string, number>>;
  /** `error` frames (a refused subscription). */
  readonly errors: readonly string[];
}

/** One subscription over a socket that comes and goes. */
export class SoakClient {
  /** What the subscription received. */
  readonly record = new StreamRecord();
  readonly #url: string;
  readonly #query: string;
  #ws: WebSocket | undefined;
  #closing = false;
  #closed: Promise<void> = Promise.resolve();
  #frames = 0;
  #connections = 0;
  readonly #unexpected: Record<string, number> = {};
  readonly #errors: string[] = [];
  #autoReconnect = true;

  /** A client of `url` (`ws://…/graphql`) that subscribes with `query`. */
  constructor(url: string, query: string) {
    this.#url = url;
    this.#query = query;
  }

  /** Whether the socket is open and subscribed. */
  connected = false;

  /** Counters. */
  get stats(): SoakClientStats {
    return {
      frames: this.#frames,
      reconnects: Math.max(0, this.#connections - 1),
      unexpectedCloses: { ...this.#unexpected },
      errors: [...this.#errors],
    };
  }

  /**
   * Opens the socket, sends `connection_init` (with `lastSeq` once it has
   * seen a snapshot) and subscribes; resolves once the subscribe is sent.
   */
  connect(): Promise<void> {
    this.#connections++;
    this.#closing = false;
    const ws = new WebSocket(this.#url, "graphql-transport-ws");
    this.#ws = ws;
    const { promise: subscribed, resolve, reject } = Promise.withResolvers<void>();
    const { promise: closed, resolve: onClosed } = Promise.withResolvers<void>();
    this.#closed = closed;
    ws.onopen = () => {
      const resume = this.record.firstSeq === undefined ? {} : { lastSeq: this.record.lastSeq };
      ws.send(JSON.stringify({ type: "connection_init", payload: resume }));
    };
    ws.onmessage = (event) => {
      const text = event.data as string;
      if (text.startsWith('{"type":"connection_ack"')) {
        ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: this.#query } }));
        this.connected = true;
        resolve();
        return;
      }
      const frame = parseFrame(text);
      if (frame.type === "next" && frame.seq !== undefined) {
        this.#frames++;
        if (frame.snapshot) this.record.snapshot(frame.seq, frame.snapshot);
        else this.record.add(frame.seq, frame.payload!);
      } else if (frame.type === "error") {
        this.#errors.push(frame.payload ?? "");
      }
    };
    ws.onerror = () => reject(new Error(`the socket to ${this.#url} failed`));
    ws.onclose = (event) => {
      this.connected = false;
      onClosed();
      reject(new Error(`closed with ${event.code} before the subscription: ${event.reason}`));
      if (this.#closing) return;
      this.#unexpected[event.code] = (this.#unexpected[event.code] ?? 0) + 1;
      // As graphql-ws clients do on 4503 and the like: come back and resume.
      if (this.#autoReconnect) {
        setTimeout(() => this.connect().catch(() => {}), 100 + Math.random() * 400);
      }
    };
    return subscribed;
  }

  /** Closes the socket (code 1000) and waits until it is closed. */
  async disconnect(): Promise<void> {
    this.#closing = true;
    this.connected = false;
    this.#ws?.close(1000, "soak: going away for a while");
    await this.#closed;
  }

  /** Disconnects for good: no automatic reconnect after an unexpected close. */
  async stop(): Promise<void> {
    this.#autoReconnect = false;
    await this.disconnect();
  }
}

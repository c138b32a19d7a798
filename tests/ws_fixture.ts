/**
 * The npm `graphql-ws` client as the end-to-end tests use it: connect at
 * once, never retry, collect what a subscription receives.
 *
 * @module
 */
import { type Client, createClient } from "graphql-ws";

/** One payload a subscription received. */
export interface Received {
  data: unknown;
  extensions?: { seq?: number; snapshot?: boolean; resync?: boolean; pruned?: string[] };
  errors?: unknown[];
}

/** One subscription's received payloads. */
export class Stream {
  readonly items: Received[] = [];
  errors: unknown = undefined;
  done = false;
  unsubscribe: () => void = () => {};
  get seqs(): number[] {
    return this.items.map((item) => item.extensions?.seq ?? -1);
  }
}

/** Subscribes with `client`; the stream collects what arrives. */
export function subscribe(
  client: Client,
  query: string,
  extensions?: Record<string, unknown>,
): Stream {
  const stream = new Stream();
  stream.unsubscribe = client.subscribe({ query, extensions }, {
    next: (value) => void stream.items.push(value as Received),
    error: (error) => stream.errors = error,
    complete: () => stream.done = true,
  });
  return stream;
}

/** A graphql-ws client that connects at once and never retries. */
export function client(
  url: string,
  params: Record<string, unknown> = {},
  onClosed?: (code: number) => void,
): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: params,
    on: { closed: (event) => onClosed?.((event as CloseEvent).code) },
  });
}

/**
 * A client of Overlap's public ingest API, as a scheduler uses it:
 * `POST /api/deltas` and `POST /api/heartbeats`, JSON bodies, an optional
 * bearer token.
 *
 * @module
 */

/** Options of an {@linkcode IngestClient}. */
export interface IngestClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** A scheduler token, sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** The fetch to use; default `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
  /** How long one request may take, in ms; default 10000. */
  readonly timeoutMs?: number;
}

/** One heartbeat of a batch. */
export interface Heartbeat {
  /** A job or workflow id. */
  readonly id: string;
  /** ISO 8601 time; absent means the server's clock. */
  readonly time?: string;
}

/** Raised when the server answers with a status other than 2xx. */
export class IngestHttpError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The start of the answer's body. */
  readonly body: string;

  /**
   * Creates the error for `url` answering `status` with `body`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IngestHttpError } from "./client.ts";
   * const error = new IngestHttpError("http://x/api/deltas", 400, '{"error":"bad"}');
   * assert.equal(error.message, 'POST http://x/api/deltas answered 400: {"error":"bad"}');
   * ```
   */
  constructor(url: string, status: number, body: string) {
    super(`POST ${url} answered ${status}: ${body}`);
    this.name = "IngestHttpError";
    this.status = status;
    this.body = body;
  }
}

/**
 * Posts deltas and heartbeats to one Overlap server.
 *
 * @example
 * ```ts ignore
 * const client = new IngestClient({ baseUrl: "http://127.0.0.1:8080", token: "s3cret" });
 * await client.postDeltas({ workflows: [{ id: "~me/flow", status: "running" }] });
 * await client.postHeartbeats([{ id: "~me/flow" }]);
 * ```
 */
export class IngestClient {
  readonly #base: string;
  readonly #token: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  /**
   * Creates a client; nothing is sent until a post.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IngestClient } from "./client.ts";
   * assert.throws(() => new IngestClient({ baseUrl: "nope" }), TypeError);
   * ```
   */
  constructor(options: IngestClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new TypeError(
        `baseUrl must be an http(s) URL such as http://127.0.0.1:8080, got ${
          JSON.stringify(options.baseUrl)
        }`,
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new TypeError(
        `baseUrl must use http: or https:, got ${JSON.stringify(options.baseUrl)}`,
      );
    }
    this.#base = options.baseUrl.replace(/\/+$/, "");
    this.#token = options.token;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * Posts an ingest body (docs/data_model.md) to `/api/deltas`; resolves with
   * the server's answer (`{ seq }`).
   *
   * @example
   * ```ts ignore
   * const { seq } = await client.postDeltas({ workflows: [{ id: "~me/flow", status: "running" }] });
   * ```
   */
  async postDeltas(body: unknown): Promise<{ seq: number | null }> {
    return await this.#post("/api/deltas", body) as { seq: number | null };
  }

  /**
   * Posts a batch of heartbeats to `/api/heartbeats`; resolves with the
   * server's counts.
   *
   * @example
   * ```ts ignore
   * const counts = await client.postHeartbeats([{ id: "~me/flow//1/a/01", time: new Date().toISOString() }]);
   * ```
   */
  async postHeartbeats(heartbeats: readonly Heartbeat[]): Promise<Record<string, number>> {
    return await this.#post("/api/heartbeats", { heartbeats }) as Record<string, number>;
  }

  async #post(path: string, body: unknown): Promise<unknown> {
    const url = `${this.#base}${path}`;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    const response = await this.#fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) throw new IngestHttpError(url, response.status, text.slice(0, 500));
    try {
      return text === "" ? {} : JSON.parse(text);
    } catch {
      throw new SyntaxError(
        `POST ${url} answered ${response.status} with a body that is not JSON: ${
          JSON.stringify(text.slice(0, 200))
        }`,
      );
    }
  }
}

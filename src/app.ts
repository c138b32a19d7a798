/**
 * The HTTP application: a Hono app, independent of how it is served.
 *
 * @module
 */
import { Hono } from "hono";

/** What `GET /healthz` answers. */
export interface Health {
  /** Always `"ok"` while the process can answer. */
  readonly status: "ok";
}

/**
 * Creates the HTTP application. Routes: `GET /healthz`.
 *
 * Errors from any route go through one handler that logs them and answers a
 * JSON body, so no stack trace or internal detail reaches a client.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createApp } from "./app.ts";
 * const app = createApp();
 * const res = await app.request("/healthz");
 * assert(res.status === 200);
 * ```
 */
export function createApp(): Hono {
  const app = new Hono();
  app.get("/healthz", function healthz(c) {
    const body: Health = { status: "ok" };
    return c.json(body);
  });
  app.notFound(function notFound(c) {
    return c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404);
  });
  app.onError(function onError(err, c) {
    console.error(`[http] ${c.req.method} ${c.req.path} failed:`, err);
    return c.json({ error: "internal error" }, 500);
  });
  return app;
}

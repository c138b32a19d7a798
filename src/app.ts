/**
 * The HTTP application: a Hono app over the server's services, independent
 * of how it is served.
 *
 * Routes:
 * - `GET /healthz`: liveness, no auth (503 `draining` while the server drains).
 * - `GET /status`: connections, cohorts, last seq, deltas/s, cache pools
 *   (the `operator` scope when tokens are configured).
 * - `GET /metrics`: the same and more in Prometheus text format (`operator`).
 * - `POST /api/deltas`: a scheduler's delta (write scope).
 * - `POST /api/heartbeats`: a batch of heartbeats (write scope), when wired.
 * - `GET /` and `/assets/<build>/<file>`: the browser UI; `GET /graphiql` and
 *   `/graphiql/assets/<build>/<file>`: GraphiQL; when wired (`services.web`;
 *   public: no data).
 * - `GET|POST /graphql`: queries over HTTP; the WebSocket upgrade on the same
 *   path serves subscriptions (`graphql-transport-ws`).
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { originAllowed } from "./auth/origin.ts";
import { type Access, bearerToken, type Principal } from "./auth/tokens.ts";
import type { Config } from "./config.ts";
import type { Database } from "./db/database.ts";
import type { Hub } from "./fanout/hub.ts";
import type { DocumentCache } from "./graphql/documents.ts";
import { requestFromSearch, runHttpGraphql } from "./graphql/http.ts";
import { createSessionHooks } from "./graphql/session.ts";
import type { GraphQLSchema } from "graphql";
import { applyDelta } from "./ingest/apply_delta.ts";
import { validateDelta, type ValidDelta } from "./ingest/validate_delta.ts";
import type { Logger } from "./log.ts";
import type { RequestGate } from "./drain/request_gate.ts";
import type { ServerMetrics } from "./metrics/server_metrics.ts";
import { type Store, workflowOf } from "./store/store.ts";
import { type ConnectionRegistry, graphqlWsRoute } from "./ws/hono_adapter.ts";
import { mountWebApps, type WebApp } from "./web/routes.ts";

/** What `GET /healthz` answers. */
export interface Health {
  /** `"ok"` while the process serves (200); `"draining"` once it drains (503). */
  readonly status: "ok" | "draining";
}

/** Seconds a client refused during a drain is told to wait (`Retry-After`). */
export const DRAIN_RETRY_AFTER_S = 2;

/** A handler for one more JSON POST route under `/api` (heartbeats). */
export type ApiHandler = (body: unknown, principal: Principal) => Promise<Record<string, unknown>>;

/** Everything the routes use. */
export interface Services {
  /** Configuration (limits, origins). */
  readonly config: Config;
  /** Logger. */
  readonly log: Logger;
  /** The database. */
  readonly db: Database;
  /** The in-memory mirror. */
  readonly store: Store;
  /** The fan-out hub. */
  readonly hub: Hub;
  /** Token policy. */
  readonly access: Access;
  /** Executable schema. */
  readonly schema: GraphQLSchema;
  /** Parsed and validated documents. */
  readonly documents: DocumentCache;
  /** Open WebSocket connections. */
  readonly connections: ConnectionRegistry;
  /** Extra figures merged into `GET /status` (event feed, rates, cache pools). */
  readonly status: () => Record<string, unknown>;
  /** `POST /api/heartbeats`, when the heartbeat monitor is wired. */
  readonly heartbeats?: ApiHandler;
  /** The metrics `GET /metrics` exposes; routes count requests and ingest here. */
  readonly metrics: ServerMetrics;
  /** In-flight ingest requests; closed (refusing ingest and upgrades) while draining. */
  readonly gate: RequestGate;
  /** Public pages over browser bundles (the UI at `/`, GraphiQL at `/graphiql`). */
  readonly web?: readonly WebApp[];
}

/** The body of every error answer. */
export interface ErrorBody {
  /** What was wrong, and what was expected. */
  readonly error: string;
}

class HttpError extends Error {
  constructor(readonly status: 400 | 401 | 403 | 413 | 415 | 503, message: string) {
    super(message);
  }
}

const DRAINING_MESSAGE = "the server is draining (restarting or stopping): retry in " +
  `${DRAIN_RETRY_AFTER_S} s, here after the restart or on another instance`;

/** Workflow ids a valid delta writes to. */
export function workflowsWritten(delta: ValidDelta): Set<string> {
  const ids = new Set<string>();
  for (const list of Object.values(delta.upserts)) {
    for (const element of list) ids.add(element.workflowId);
  }
  // A workflow id has no `//`, so workflowOf maps it to itself.
  for (const list of Object.values(delta.pruned)) for (const id of list) ids.add(workflowOf(id));
  return ids;
}

/**
 * Creates the HTTP application over `services`.
 *
 * Every error goes through one handler: client errors answer their status
 * and a message saying what was wrong; anything else is logged and answers
 * 500 without internal detail.
 *
 * @example
 * ```ts ignore
 * const app = createApp(services);
 * Deno.serve({ hostname: "127.0.0.1", port: 8080 }, app.fetch);
 * ```
 */
export function createApp(services: Services): Hono {
  const { config, log, access, metrics, gate } = services;
  const app = new Hono();

  // First, so every answer is counted, errors and early returns included.
  app.use("*", async function countRequest(c, next) {
    await next();
    metrics.request(c.req.path, c.res.status);
  });

  app.get("/healthz", function healthz(c) {
    const body: Health = { status: gate.closed ? "draining" : "ok" };
    return c.json(body, gate.closed ? 503 : 200);
  });

  // Browsers attach Origin; a page on another site must not drive a user's
  // browser against Overlap (CSRF on /api, hijacking on the WebSocket).
  app.use("*", async function checkOrigin(c, next) {
    if (!originAllowed(c.req.header("origin"), c.req.header("host"), config.allowedOrigins)) {
      log.warn("request refused: origin not allowed", {
        origin: c.req.header("origin"),
        path: c.req.path,
      });
      throw new HttpError(
        403,
        `origin ${c.req.header("origin")} is not allowed; see OVERLAP_ALLOWED_ORIGINS`,
      );
    }
    await next();
  });

  async function principalOf(c: Context): Promise<Principal> {
    const auth = await access.authenticate(bearerToken(c.req.header("authorization")));
    if (!auth.ok) {
      // An expired token is known: say so plainly, so a person knows to get a new one.
      if (auth.expiredAt !== undefined) throw new HttpError(401, auth.reason);
      throw new HttpError(401, `unauthorized (${auth.reason}): send Authorization: Bearer <token>`);
    }
    return auth.principal;
  }

  /** `/status` and `/metrics` show figures about every client and workflow. */
  async function operatorOf(c: Context): Promise<Principal> {
    const principal = await principalOf(c);
    if (!principal.operator) {
      throw new HttpError(403, `token ${principal.name} has no operator scope`);
    }
    return principal;
  }

  // Ingest is counted in flight from its first byte, so a drain waits for
  // requests whose body is still arriving, and refused once draining.
  app.use("/api/*", async function ingestGate(c, next) {
    if (c.req.method !== "POST") return await next();
    if (!gate.enter()) throw new HttpError(503, DRAINING_MESSAGE);
    try {
      await next();
    } finally {
      gate.leave();
    }
  });

  const limitBody = bodyLimit({
    maxSize: config.limits.maxBodyBytes,
    onError: () => {
      throw new HttpError(
        413,
        `request body is over the limit of ${config.limits.maxBodyBytes} bytes`,
      );
    },
  });

  async function jsonBody(c: Context): Promise<unknown> {
    const type = c.req.header("content-type") ?? "";
    if (!type.startsWith("application/json")) {
      throw new HttpError(
        415,
        `expected Content-Type: application/json, got ${JSON.stringify(type)}`,
      );
    }
    try {
      return await c.req.json();
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(400, `body is not valid JSON: ${(error as Error).message}`);
    }
  }

  // The pages and their assets hold no data: no token (data goes over /graphql).
  if (services.web) mountWebApps(app, services.web, { tokens: !access.open });

  app.get("/status", async function status(c) {
    await operatorOf(c);
    return c.json({
      seq: services.store.seq,
      store: services.store.counts(),
      ...services.connections.status(),
      hub: services.hub.status(),
      documents: services.documents.stats(),
      ...services.status(),
    });
  });

  app.get("/metrics", async function getMetrics(c) {
    await operatorOf(c);
    return c.body(await metrics.text(), 200, { "content-type": metrics.contentType });
  });

  app.post("/api/deltas", limitBody, async function postDelta(c) {
    const principal = await principalOf(c);
    if (!principal.canWrite) throw new HttpError(403, `token ${principal.name} has no write scope`);
    const body = await jsonBody(c);
    let delta: ValidDelta;
    try {
      delta = validateDelta(body);
    } catch (error) {
      if (error instanceof TypeError || error instanceof RangeError) {
        log.info("delta refused", { token: principal.name, reason: error.message });
        throw new HttpError(400, error.message);
      }
      throw error;
    }
    for (const workflowId of workflowsWritten(delta)) {
      if (!principal.write(workflowId)) {
        throw new HttpError(403, `token ${principal.name} may not write workflow ${workflowId}`);
      }
    }
    const started = performance.now();
    const result = await applyDelta(services.db, delta);
    metrics.ingested(result.seq, delta.elements);
    log.debug("delta applied", {
      seq: result.seq,
      elements: delta.elements,
      ms: Math.round(performance.now() - started),
    });
    return c.json(result);
  });

  const heartbeats = services.heartbeats;
  if (heartbeats) {
    app.post("/api/heartbeats", limitBody, async function postHeartbeats(c) {
      const principal = await principalOf(c);
      if (!principal.canWrite) {
        throw new HttpError(403, `token ${principal.name} has no write scope`);
      }
      const body = await jsonBody(c);
      try {
        return c.json(await heartbeats(body, principal));
      } catch (error) {
        if (error instanceof TypeError || error instanceof RangeError) {
          log.info("heartbeats refused", { token: principal.name, reason: error.message });
          throw new HttpError(400, error.message);
        }
        if (error instanceof Deno.errors.PermissionDenied) {
          throw new HttpError(403, `token ${principal.name} ${error.message}`);
        }
        throw error;
      }
    });
  }

  const ws = graphqlWsRoute(
    (c) =>
      createSessionHooks(services, {
        authorization: c.req.header("authorization"),
        remote: c.req.header("x-forwarded-for") ?? "socket",
      }),
    { limits: config.limits, log: log.child("ws"), connections: services.connections },
  );

  app.get(
    "/graphql",
    async function refuseUpgradeWhileDraining(c, next) {
      // Checked before the upgrade: a socket opened now would be closed at once.
      if (gate.closed && c.req.header("upgrade") === "websocket") {
        throw new HttpError(503, DRAINING_MESSAGE);
      }
      await next();
    },
    ws,
    async function getGraphql(c) {
      const principal = await principalOf(c);
      let request;
      try {
        request = requestFromSearch(new URL(c.req.url).searchParams);
      } catch (error) {
        throw new HttpError(400, (error as Error).message);
      }
      const { status, body } = await runHttpGraphql(services, principal, request);
      return c.json(body, status);
    },
  );

  app.post("/graphql", limitBody, async function postGraphql(c) {
    const principal = await principalOf(c);
    const body = await jsonBody(c);
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new HttpError(400, "body must be a JSON object { query, variables?, operationName? }");
    }
    const { status, body: result } = await runHttpGraphql(services, principal, body as never);
    return c.json(result, status);
  });

  app.notFound(function notFound(c) {
    return c.json({ error: `no route for ${c.req.method} ${c.req.path}` } satisfies ErrorBody, 404);
  });

  app.onError(function onError(err, c) {
    if (err instanceof HttpError) {
      if (err.status === 503) c.header("retry-after", String(DRAIN_RETRY_AFTER_S));
      return c.json({ error: err.message } satisfies ErrorBody, err.status);
    }
    log.error("request failed", { method: c.req.method, path: c.req.path, error: err });
    return c.json({ error: "internal error" } satisfies ErrorBody, 500);
  });

  return app;
}

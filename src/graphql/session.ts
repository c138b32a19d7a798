/**
 * The application side of one graphql-transport-ws connection: who the
 * client is (`connection_init`), and what each `subscribe` runs.
 *
 * - `Subscription.workflows` goes to the fan-out hub (cohorts, delta mode,
 *   resume from a seq).
 * - Other subscription fields (the cache's search progress) run through
 *   graphql-js `subscribe`, one stream per subscription.
 * - Queries over the socket run once: one `next`, then `complete`.
 *
 * @module
 */
import {
  execute,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  subscribe,
} from "graphql";
import { type Access, bearerToken, type Principal } from "../auth/tokens.ts";
import type { Hub } from "../fanout/hub.ts";
import type { Logger } from "../log.ts";
import type { Store } from "../store/store.ts";
import type { SessionHooks, SubscriptionSink } from "../ws/connection.ts";
import { CloseCode, type PayloadObject, tokenExpiredReason } from "../ws/protocol.ts";
import { asQuery, type DocumentCache, operationText, selectOperation } from "./documents.ts";

/** What every session of a server shares. */
export interface SessionDeps {
  /** Token policy. */
  readonly access: Access;
  /** The fan-out hub. */
  readonly hub: Hub;
  /** The executable schema. */
  readonly schema: GraphQLSchema;
  /** Parsed and validated documents. */
  readonly documents: DocumentCache;
  /** The store (context of queries). */
  readonly store: Store;
  /** Logger. */
  readonly log: Logger;
}

/** Facts about the socket's HTTP upgrade request. */
export interface UpgradeInfo {
  /** The `Authorization` header of the upgrade, if any (non-browser clients). */
  readonly authorization?: string | null;
  /** The client's address, for logs. */
  readonly remote?: string;
}

function errors(message: string): { errors: GraphQLFormattedError[] } {
  return { errors: [{ message }] };
}

/** Reads a resume position: a whole number ≥ 0, or `undefined` when absent. */
function readSeq(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`${where} must be a whole number ≥ 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

function tokenOf(payload: PayloadObject | null, info: UpgradeInfo): string | undefined {
  const token = payload?.token;
  if (typeof token === "string") return token;
  const header = payload?.authorization ?? payload?.Authorization;
  if (typeof header === "string") return bearerToken(header) ?? header;
  return bearerToken(info.authorization);
}

/**
 * Creates the hooks of one connection.
 *
 * `connection_init` payload: `{ token?, lastSeq? }` (or `authorization:
 * "Bearer …"`). `subscribe` extensions: `{ lastSeq? }`, which wins over the
 * connection's.
 *
 * @example
 * ```ts ignore
 * const hooks = createSessionHooks(deps, { authorization: c.req.header("authorization") });
 * const connection = new GraphqlWsConnection({ transport, hooks, limits });
 * ```
 */
export function createSessionHooks(deps: SessionDeps, info: UpgradeInfo = {}): SessionHooks {
  let principal: Principal | undefined;
  let connectionSeq: number | undefined;
  const log = deps.log;
  return {
    async onConnect(payload) {
      try {
        connectionSeq = readSeq(payload?.lastSeq, "connection_init payload.lastSeq");
      } catch (error) {
        return { ok: false, code: CloseCode.Forbidden, reason: (error as Error).message };
      }
      const auth = await deps.access.authenticate(tokenOf(payload, info));
      if (!auth.ok) {
        log.warn("websocket refused", { remote: info.remote, reason: auth.reason });
        const reason = auth.expiredAt === undefined
          ? `Unauthorized: ${auth.reason}`
          : tokenExpiredReason(auth.expiredAt);
        return { ok: false, code: CloseCode.Unauthorized, reason };
      }
      if (auth.principal.readKey === "") {
        log.warn("websocket refused: token has no read scope", {
          remote: info.remote,
          token: auth.principal.name,
        });
        return {
          ok: false,
          code: CloseCode.Forbidden,
          reason: "Forbidden: token has no read scope",
        };
      }
      principal = auth.principal;
      log.debug("websocket connected", { remote: info.remote, token: principal.name });
      const expiresAt = principal.expiresAt;
      if (expiresAt === undefined) return { ok: true, ackPayload: { seq: deps.hub.status().seq } };
      // The client learns when its token expires (to warn its user), and the
      // connection is closed then: a token must not outlive its expiry on an open socket.
      return {
        ok: true,
        ackPayload: { seq: deps.hub.status().seq, expires: new Date(expiresAt).toISOString() },
        closeAfter: {
          ms: expiresAt - deps.access.now(),
          code: CloseCode.Unauthorized,
          reason: tokenExpiredReason(expiresAt),
        },
      };
    },

    async onSubscribe(id, payload, sink) {
      // The connection only calls this after an ack, so principal is set.
      const who = principal!;
      const compiled = deps.documents.get(payload.query);
      if ("errors" in compiled) return { errors: compiled.errors.map((e) => e.toJSON()) };
      let selected;
      let lastSeq: number | undefined;
      try {
        selected = selectOperation(compiled.document, payload.operationName);
        lastSeq = readSeq(payload.extensions?.lastSeq, "extensions.lastSeq") ?? connectionSeq;
      } catch (error) {
        return errors((error as Error).message);
      }
      const { operation, deltas, rootFields } = selected;
      const variables = payload.variables ?? {};
      const context = { store: deps.store, canRead: who.read, readAll: who.readAll };
      if (operation.operation === "subscription" && rootFields[0] === "workflows") {
        try {
          return await deps.hub.subscribe(who, {
            mode: deltas ? "delta" : "standard",
            engineText: operationText(compiled.document, operation),
            query: asQuery(compiled.document, operation),
            variables,
            lastSeq,
          }, sink);
        } catch (error) {
          if (
            error instanceof TypeError || error instanceof RangeError ||
            error instanceof SyntaxError
          ) {
            return errors(error.message);
          }
          throw error;
        }
      }
      const args: ExecutionArgs = {
        schema: deps.schema,
        document: compiled.document,
        operationName: payload.operationName ?? undefined,
        variableValues: variables,
        contextValue: context,
      };
      if (operation.operation === "subscription") return await stream(args, sink, id, log);
      const result = await execute(args);
      sink.next(JSON.stringify(result));
      sink.complete();
      return { dispose() {} };
    },

    onClose(code, reason) {
      log.debug("websocket closed", { remote: info.remote, code, reason });
    },
  };
}

async function stream(
  args: ExecutionArgs,
  sink: SubscriptionSink,
  id: string,
  log: Logger,
): Promise<{ errors: GraphQLFormattedError[] } | { dispose(): void }> {
  const result = await subscribe(args);
  if (!(Symbol.asyncIterator in result)) {
    const failed = result as ExecutionResult;
    return { errors: (failed.errors ?? []).map((e) => e.toJSON()) };
  }
  const iterator = (result as AsyncGenerator<ExecutionResult>)[Symbol.asyncIterator]();
  let stopped = false;
  (async () => {
    try {
      while (!stopped) {
        const step = await iterator.next();
        if (step.done || stopped) break;
        sink.next(JSON.stringify(step.value));
      }
      sink.complete();
    } catch (error) {
      log.error("subscription stream failed", { id, error });
      sink.error([{ message: "subscription stream failed" }]);
    }
  })();
  return {
    dispose() {
      stopped = true;
      iterator.return?.(undefined).catch(() => {});
    },
  };
}

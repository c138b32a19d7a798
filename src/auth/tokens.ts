/**
 * Bearer tokens and their scopes.
 *
 * A token file (`OVERLAP_TOKENS_FILE`) or the `OVERLAP_TOKENS` variable holds
 * JSON: `[{ "name": "alice-ui", "token": "…", "scopes": ["read:~alice/*"] }]`.
 * Scopes: `read` (every workflow), `read:<pattern>` (workflow ids matching a
 * glob where `*` matches any run of characters), `write` (ingest for every
 * workflow), `write:<pattern>`, and `operator` (`GET /status` and `GET /metrics`,
 * which show figures about every workflow and client; it grants no read or
 * write). An entry may carry `expires` (ISO 8601 with a time zone, e.g.
 * `2026-12-31T18:00:00Z`): from then on the token is refused with a message
 * saying when it expired. Tokens are kept only as SHA-256 digests, and looked
 * up by digest, so no comparison leaks timing about a secret.
 *
 * @module
 */

/** Tests whether the caller may touch a workflow id. */
export type WorkflowMatcher = (workflowId: string) => boolean;

/** Who is calling, and what they may do. */
export interface Principal {
  /** The token's name, for logs (never the token). */
  readonly name: string;
  /** Workflows it may read. */
  readonly read: WorkflowMatcher;
  /** A stable key of the read scope: principals with equal keys read the same workflows. */
  readonly readKey: string;
  /** Whether it may read every workflow. */
  readonly readAll: boolean;
  /** Workflows it may write (ingest, heartbeats). */
  readonly write: WorkflowMatcher;
  /** Whether it may write at all. */
  readonly canWrite: boolean;
  /** Whether it may read the server's figures (`/status`, `/metrics`): the `operator` scope. */
  readonly operator: boolean;
  /** When the token stops being accepted (ms since the epoch); `undefined` when it never does. */
  readonly expiresAt?: number;
}

/** The result of looking up a presented token. */
export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  | {
    readonly ok: false;
    /** Why, for logs and answers: `no token`, `unknown token`, `token <name> expired at <ISO time>`. */
    readonly reason: string;
    /** Set when the token is known but expired: when it expired (ms since the epoch). */
    readonly expiredAt?: number;
  };

/** The access policy of a running server. */
export interface Access {
  /** True when no tokens are configured: every caller is the open principal. */
  readonly open: boolean;
  /** Looks up a presented token (`undefined` when none was sent). */
  authenticate(token: string | undefined): Promise<Authentication>;
  /** The policy's clock (ms since the epoch): expiry is judged by it. */
  now(): number;
}

/** The principal of an open server: reads and writes everything. */
export const OPEN_PRINCIPAL: Principal = Object.freeze({
  name: "anonymous",
  read: () => true,
  readKey: "*",
  readAll: true,
  write: () => true,
  canWrite: true,
  operator: true,
});

const MAX_TOKENS = 10_000;

/** One configured token, as written in the token file. */
export interface TokenEntry {
  /** A name for logs. */
  readonly name: string;
  /** The secret, at least 16 characters. */
  readonly token: string;
  /** Scopes, see the module documentation. */
  readonly scopes: readonly string[];
  /** When the token expires, ISO 8601 with a time zone; never when absent. */
  readonly expires?: string;
}

// A date, or a date and time with a zone: an expiry without a zone would
// depend on the server's local time.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * Reads an ISO 8601 time with a zone (or a plain date, meaning its UTC
 * midnight) as ms since the epoch.
 *
 * @throws {TypeError} naming `where` and the expected form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseExpiry } from "./tokens.ts";
 * assert.equal(parseExpiry("2026-12-31T18:00:00Z", "x"), Date.UTC(2026, 11, 31, 18));
 * assert.throws(() => parseExpiry("tomorrow", "x"), TypeError);
 * ```
 */
export function parseExpiry(value: unknown, where: string): number {
  const time = typeof value === "string" && ISO_8601.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) {
    throw new TypeError(
      `${where} must be an ISO 8601 time with a time zone (for example 2026-12-31T18:00:00Z), got ${
        JSON.stringify(value)
      }`,
    );
  }
  return time;
}

/**
 * Parses and checks a token list.
 *
 * @throws {TypeError} naming the entry and what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTokens } from "./tokens.ts";
 * const [entry] = parseTokens('[{"name":"ui","token":"0123456789abcdef","scopes":["read:~u/*"]}]', "OVERLAP_TOKENS");
 * assert(entry.name === "ui");
 * assert.throws(() => parseTokens("[{}]", "OVERLAP_TOKENS"), TypeError);
 * ```
 */
export function parseTokens(text: string, source: string): TokenEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(value)) {
    throw new TypeError(
      `${source} must be a JSON array of {name, token, scopes}, got ${typeof value}`,
    );
  }
  if (value.length > MAX_TOKENS) {
    throw new TypeError(`${source} has more than ${MAX_TOKENS} tokens`);
  }
  const names = new Set<string>();
  return value.map((entry, i) => {
    const where = `${source}[${i}]`;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      throw new TypeError(`${where} must be an object with name, token and scopes`);
    }
    const { name, token, scopes, expires } = entry as Record<string, unknown>;
    if (typeof name !== "string" || !/^[\w.@-]{1,64}$/.test(name)) {
      throw new TypeError(`${where}.name must be 1-64 letters, digits, '.', '@', '_' or '-'`);
    }
    if (names.has(name)) throw new TypeError(`${where}.name ${JSON.stringify(name)} is used twice`);
    names.add(name);
    if (typeof token !== "string" || token.length < 16 || /\s/.test(token)) {
      throw new TypeError(
        `${where}.token must be a string of at least 16 characters without spaces`,
      );
    }
    if (!Array.isArray(scopes) || scopes.length === 0) {
      throw new TypeError(`${where}.scopes must be a non-empty array of scope strings`);
    }
    for (const scope of scopes) {
      if (typeof scope !== "string" || !/^((read|write)(:\S+)?|operator)$/.test(scope)) {
        throw new TypeError(
          `${where}.scopes: ${
            JSON.stringify(scope)
          } is not a scope; expected read, read:<pattern>, write, write:<pattern> or operator`,
        );
      }
    }
    if (expires !== undefined) {
      parseExpiry(expires, `${where}.expires`);
      return { name, token, scopes: scopes as string[], expires: expires as string };
    }
    return { name, token, scopes: scopes as string[] };
  });
}

/** Compiles a workflow id glob (`*` matches any run of characters). */
export function globMatcher(pattern: string): WorkflowMatcher {
  if (!pattern.includes("*")) return (id) => id === pattern;
  const source = pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  const regex = new RegExp(`^${source}$`);
  return (id) => regex.test(id);
}

function scopeMatcher(patterns: readonly string[]): WorkflowMatcher {
  const matchers = patterns.map(globMatcher);
  return (id) => matchers.some((match) => match(id));
}

async function digest(token: string): Promise<string> {
  const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

function principalOf(entry: TokenEntry): Principal {
  const reads: string[] = [];
  const writes: string[] = [];
  let readAll = false;
  let writeAll = false;
  let operator = false;
  for (const scope of entry.scopes) {
    if (scope === "operator") {
      operator = true;
      continue;
    }
    const colon = scope.indexOf(":");
    const isRead = scope.startsWith("read");
    if (colon < 0) {
      if (isRead) readAll = true;
      else writeAll = true;
    } else if (isRead) reads.push(scope.slice(colon + 1));
    else writes.push(scope.slice(colon + 1));
  }
  reads.sort();
  return {
    name: entry.name,
    expiresAt: entry.expires === undefined ? undefined : parseExpiry(entry.expires, entry.name),
    readAll,
    readKey: readAll ? "*" : reads.join("\n"),
    read: readAll ? () => true : scopeMatcher(reads),
    canWrite: writeAll || writes.length > 0,
    write: writeAll ? () => true : scopeMatcher(writes),
    operator,
  };
}

/** Options of {@linkcode createAccess}. */
export interface AccessOptions {
  /** The clock expiry is judged by (ms since the epoch); `Date.now` by default. */
  readonly now?: () => number;
}

/**
 * Creates the access policy from configured token entries. With no entries,
 * access is open. A token past its `expires` is refused with the time it
 * expired.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createAccess } from "./tokens.ts";
 * const access = await createAccess([{ name: "ui", token: "0123456789abcdef", scopes: ["read:~u/*"] }]);
 * const auth = await access.authenticate("0123456789abcdef");
 * assert(auth.ok && auth.principal.read("~u/flow") && !auth.principal.read("~v/flow"));
 * assert(!(await access.authenticate("wrong-token-0000")).ok);
 * ```
 */
export async function createAccess(
  entries: readonly TokenEntry[],
  options: AccessOptions = {},
): Promise<Access> {
  const now = options.now ?? Date.now;
  if (entries.length === 0) {
    return {
      open: true,
      authenticate: () => Promise.resolve({ ok: true, principal: OPEN_PRINCIPAL }),
      now,
    };
  }
  const byDigest = new Map<string, Principal>();
  for (const entry of entries) byDigest.set(await digest(entry.token), principalOf(entry));
  return {
    open: false,
    async authenticate(token) {
      if (token === undefined || token === "") return { ok: false, reason: "no token" };
      if (token.length > 4096) return { ok: false, reason: "token too long" };
      const principal = byDigest.get(await digest(token));
      if (!principal) return { ok: false, reason: "unknown token" };
      const expiredAt = principal.expiresAt;
      if (expiredAt !== undefined && expiredAt <= now()) {
        return {
          ok: false,
          reason: `token ${principal.name} expired at ${new Date(expiredAt).toISOString()}`,
          expiredAt,
        };
      }
      return { ok: true, principal };
    },
    now,
  };
}

/**
 * Reads the token entries named by the configuration (file, then variable).
 *
 * @throws {TypeError} when the file cannot be read or either source is malformed.
 */
export async function loadTokenEntries(
  config: { tokens: string | undefined; tokensFile: string | undefined },
): Promise<TokenEntry[]> {
  const entries: TokenEntry[] = [];
  if (config.tokensFile) {
    let text: string;
    try {
      text = await Deno.readTextFile(config.tokensFile);
    } catch (error) {
      throw new TypeError(
        `OVERLAP_TOKENS_FILE ${JSON.stringify(config.tokensFile)} cannot be read: ${
          (error as Error).message
        }`,
      );
    }
    entries.push(...parseTokens(text, "OVERLAP_TOKENS_FILE"));
  }
  if (config.tokens) entries.push(...parseTokens(config.tokens, "OVERLAP_TOKENS"));
  return entries;
}

/** Whether a bind address only accepts local connections. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\./.test(host);
}

/** The token of an `Authorization: Bearer …` header value, if any. */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}

/**
 * Bearer tokens and their scopes.
 *
 * A token file (`OVERLAP_TOKENS_FILE`) or the `OVERLAP_TOKENS` variable holds
 * JSON: `[{ "name": "alice-ui", "token": "…", "scopes": ["read:~alice/*"] }]`.
 * Scopes: `read` (every workflow), `read:<pattern>` (workflow ids matching a
 * glob where `*` matches any run of characters), `write` (ingest for every
 * workflow), `write:<pattern>`, and `operator` (`GET /status` and `GET /metrics`,
 * which show figures about every workflow and client; it grants no read or
 * write). Tokens are kept only as SHA-256 digests, and
 * looked up by digest, so no comparison leaks timing about a secret.
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
}

/** The result of looking up a presented token. */
export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: string };

/** The access policy of a running server. */
export interface Access {
  /** True when no tokens are configured: every caller is the open principal. */
  readonly open: boolean;
  /** Looks up a presented token (`undefined` when none was sent). */
  authenticate(token: string | undefined): Promise<Authentication>;
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
    const { name, token, scopes } = entry as Record<string, unknown>;
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
    readAll,
    readKey: readAll ? "*" : reads.join("\n"),
    read: readAll ? () => true : scopeMatcher(reads),
    canWrite: writeAll || writes.length > 0,
    write: writeAll ? () => true : scopeMatcher(writes),
    operator,
  };
}

/**
 * Creates the access policy from configured token entries. With no entries,
 * access is open.
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
export async function createAccess(entries: readonly TokenEntry[]): Promise<Access> {
  if (entries.length === 0) {
    return {
      open: true,
      authenticate: () => Promise.resolve({ ok: true, principal: OPEN_PRINCIPAL }),
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
      return principal ? { ok: true, principal } : { ok: false, reason: "unknown token" };
    },
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

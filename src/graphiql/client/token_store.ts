/**
 * The token a person pastes into GraphiQL, kept in `sessionStorage`: it lives
 * as long as the tab, is never written to `localStorage` or the URL, and is
 * sent only as `Authorization: Bearer` on HTTP and as `{ token }` in the
 * WebSocket's `connection_init`.
 *
 * @module
 */

/** The `sessionStorage` key holding the token. */
export const TOKEN_KEY = "overlap.graphiql.token";

/** The longest token accepted (the server refuses longer ones too). */
export const MAX_TOKEN_LENGTH = 4096;

/** The part of the Web Storage API used here; `sessionStorage` satisfies it. */
export type TokenStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/**
 * Checks a pasted token and returns it without surrounding whitespace.
 *
 * @throws {TypeError} saying what is wrong: empty, too long, or holding
 * whitespace or control characters (a token is one header-safe word).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkToken } from "./token_store.ts";
 * assert.equal(checkToken("  0123456789abcdef\n"), "0123456789abcdef");
 * assert.throws(() => checkToken("two words"), TypeError);
 * ```
 */
export function checkToken(raw: string): string {
  const token = raw.trim();
  if (token === "") throw new TypeError("the token is empty: paste the token you were given");
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new TypeError(
      `the token is ${token.length} characters long; at most ${MAX_TOKEN_LENGTH} are accepted`,
    );
  }
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new TypeError(
      "the token holds spaces, line breaks or non-ASCII characters; expected one word of printable ASCII",
    );
  }
  return token;
}

/**
 * Reads the stored token; `undefined` when none (or a stored value that is
 * no longer a valid token) is there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readToken, saveToken } from "./token_store.ts";
 * const storage = new Map<string, string>();
 * const store = {
 *   getItem: (k: string) => storage.get(k) ?? null,
 *   setItem: (k: string, v: string) => void storage.set(k, v),
 *   removeItem: (k: string) => void storage.delete(k),
 * };
 * assert.equal(readToken(store), undefined);
 * saveToken(store, "0123456789abcdef");
 * assert.equal(readToken(store), "0123456789abcdef");
 * ```
 */
export function readToken(storage: TokenStorage): string | undefined {
  const value = storage.getItem(TOKEN_KEY);
  if (value === null) return undefined;
  try {
    return checkToken(value);
  } catch {
    return undefined;
  }
}

/**
 * Checks and stores a pasted token; returns the stored form.
 *
 * @throws {TypeError} from {@linkcode checkToken}; nothing is stored then.
 */
export function saveToken(storage: TokenStorage, raw: string): string {
  const token = checkToken(raw);
  storage.setItem(TOKEN_KEY, token);
  return token;
}

/** Forgets the stored token. */
export function forgetToken(storage: TokenStorage): void {
  storage.removeItem(TOKEN_KEY);
}

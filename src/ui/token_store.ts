/**
 * Where the pasted token lives: `sessionStorage` (this tab only, gone when
 * it closes), never the URL or `localStorage`.
 *
 * @module
 */

const KEY = "overlap.token";

/** Storage as far as the token uses it (`sessionStorage` fits). */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * The token kept for this tab, if any.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clearToken, readToken, saveToken } from "./token_store.ts";
 * const map = new Map<string, string>();
 * const storage = { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), removeItem: (k: string) => void map.delete(k) };
 * saveToken(storage, "  abc  ");
 * assert.equal(readToken(storage), "abc");
 * clearToken(storage);
 * assert.equal(readToken(storage), undefined);
 * ```
 */
export function readToken(storage: TokenStorage | undefined): string | undefined {
  try {
    return storage?.getItem(KEY) || undefined;
  } catch {
    return undefined; // storage disabled by the browser
  }
}

/** Keeps a token (trimmed) for this tab. */
export function saveToken(storage: TokenStorage | undefined, token: string): void {
  try {
    storage?.setItem(KEY, token.trim());
  } catch {
    // Storage disabled: the token lives only in memory until reload.
  }
}

/** Forgets the token. */
export function clearToken(storage: TokenStorage | undefined): void {
  try {
    storage?.removeItem(KEY);
  } catch {
    // nothing kept
  }
}

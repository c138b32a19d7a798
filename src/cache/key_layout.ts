/**
 * Where a key lives on disk and what an entry file holds; shared by the
 * client (which answers hits by reading these files itself) and the server
 * (which commits and evicts them).
 *
 * Layout: `<poolRoot>/keys/<h[0:2]>/<h[2:4]>/<h>`, `h` = sha-256 hex of the
 * key. What an entry file holds is in entry_codec.ts.
 *
 * @module
 */
import { createHash } from "node:crypto";

/**
 * The sha-256 hex digest naming `key`'s file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keyHash } from "./key_layout.ts";
 * assert(keyHash("a").startsWith("ca978112"));
 * ```
 */
export function keyHash(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/**
 * Path of the entry file with hash `hash` under pool root `root`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { entryPath } from "./key_layout.ts";
 * assert(entryPath("/c", "abcdef") === "/c/keys/ab/cd/abcdef");
 * ```
 */
export function entryPath(root: string, hash: string): string {
  return `${root}/keys/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;
}

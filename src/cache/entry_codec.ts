/**
 * What an entry file holds: one JSON header line `{"key":…,"meta":…}`, a
 * `\n`, then the body bytes (raw, so large artifacts need no base64).
 *
 * Kept apart from key_layout.ts so that workers, which only encode entries,
 * do not load `node:crypto` (about 15 ms of every worker's start-up).
 *
 * @module
 */

/** One cached value as read back. */
export interface Entry {
  /** The key it was stored under. */
  readonly key: string;
  /** Small JSON metadata written by the action. */
  readonly meta: Record<string, unknown>;
  /** The body bytes. */
  readonly body: Uint8Array;
}

/** Entries up to this size are read synchronously on a hit (a few µs). */
const SYNC_READ_LIMIT = 256 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encodes an entry file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeEntry, encodeEntry } from "./entry_codec.ts";
 * const bytes = encodeEntry("k", { size: 2 }, new Uint8Array([1, 2]));
 * const entry = decodeEntry(bytes);
 * assert(entry.key === "k" && entry.meta.size === 2 && entry.body.length === 2);
 * ```
 */
export function encodeEntry(
  key: string,
  meta: Record<string, unknown>,
  body: Uint8Array | string,
): Uint8Array {
  const head = encoder.encode(JSON.stringify({ key, meta }) + "\n");
  const tail = typeof body === "string" ? encoder.encode(body) : body;
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

/**
 * Decodes an entry file.
 *
 * @throws {TypeError} when the bytes are not an entry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeEntry } from "./entry_codec.ts";
 * assert.throws(() => decodeEntry(new Uint8Array([1, 2, 3])), TypeError);
 * ```
 */
export function decodeEntry(bytes: Uint8Array): Entry {
  const newline = bytes.indexOf(0x0a);
  if (newline === -1) throw new TypeError("entry has no header line");
  let header: unknown;
  try {
    header = JSON.parse(decoder.decode(bytes.subarray(0, newline)));
  } catch {
    throw new TypeError("entry header is not JSON");
  }
  const h = header as { key?: unknown; meta?: unknown };
  if (
    typeof h !== "object" || h === null || typeof h.key !== "string" ||
    typeof h.meta !== "object" || h.meta === null
  ) {
    throw new TypeError("entry header must be {key, meta}");
  }
  return {
    key: h.key,
    meta: h.meta as Record<string, unknown>,
    body: bytes.subarray(newline + 1),
  };
}

/**
 * Reads the entry at `path`: synchronously when small, so that a hit costs
 * a few µs; `null` when the file is missing (never cached or evicted).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeEntry, readEntry } from "./entry_codec.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/e`, encodeEntry("k", {}, "hi"));
 * const entry = await readEntry(`${dir}/e`);
 * assert(entry !== null && new TextDecoder().decode(entry.body) === "hi");
 * assert(await readEntry(`${dir}/missing`) === null);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function readEntry(path: string): Entry | null | Promise<Entry | null> {
  try {
    const size = Deno.statSync(path).size;
    if (size <= SYNC_READ_LIMIT) return decodeEntry(Deno.readFileSync(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  return Deno.readFile(path).then(decodeEntry, (error) => {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  });
}

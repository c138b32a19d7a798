/**
 * The server's index of entries on disk: sizes, least-recently-used order,
 * pins, and eviction to stay within the pool's byte limit.
 *
 * The index is rebuilt at start from what is on disk (sizes and mtimes), so
 * a restarted server accounts correctly. File operations that change the
 * index are synchronous on purpose: a commit and an eviction can then never
 * interleave (an eviction removing a file a concurrent commit just renamed
 * into place).
 *
 * @module
 */
import { entryPath } from "./key_layout.ts";

/** A file ready to be committed under `hash`. */
export interface Incoming {
  /** sha-256 hex of the key. */
  readonly hash: string;
  /** Path of the finished file, on the same file system as the key directory. */
  readonly path: string;
  /** Its size in bytes. */
  readonly size: number;
}

/**
 * An entry is bigger than the whole pool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EntryTooLargeError } from "./key_store.ts";
 * assert(new EntryTooLargeError(10, 5).message.includes("limit of 5 bytes"));
 * ```
 */
export class EntryTooLargeError extends RangeError {
  /** Makes the error for an entry of `size` bytes in a pool of `maxBytes`. */
  constructor(size: number, maxBytes: number) {
    super(`an entry of ${size} bytes does not fit in the pool's limit of ${maxBytes} bytes`);
    this.name = "EntryTooLargeError";
  }
}

/**
 * LRU index of one pool's key directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KeyStore } from "./key_store.ts";
 * const root = await Deno.makeTempDir();
 * const store = KeyStore.open(root, 10);
 * Deno.writeTextFileSync(`${root}/a`, "123456");
 * store.commit([{ hash: "a".repeat(64), path: `${root}/a`, size: 6 }]);
 * Deno.writeTextFileSync(`${root}/b`, "123456");
 * store.commit([{ hash: "b".repeat(64), path: `${root}/b`, size: 6 }]);
 * assert(!store.has("a".repeat(64)) && store.has("b".repeat(64)) && store.evictions === 1);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export class KeyStore {
  /** Pool root (the key directory is `<root>/keys`). */
  readonly root: string;
  /** Byte limit of the pool. */
  readonly maxBytes: number;
  /** Bytes of all entries on disk. */
  bytesUsed = 0;
  /** Most bytes ever on disk at once. */
  peakBytes = 0;
  /** Entries removed to make room. */
  evictions = 0;
  // Map iteration order is insertion order: the first entry is the least recently used.
  readonly #sizes = new Map<string, number>();
  readonly #pins = new Map<string, number>();

  private constructor(root: string, maxBytes: number) {
    this.root = root;
    this.maxBytes = maxBytes;
  }

  /**
   * Indexes `<root>/keys` (creating it), oldest mtime first, and evicts down
   * to `maxBytes` if the limit was lowered since the last run.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { KeyStore } from "./key_store.ts";
   * const root = await Deno.makeTempDir();
   * assert(KeyStore.open(root, 1024).entries === 0);
   * await Deno.remove(root, { recursive: true });
   * ```
   */
  static open(root: string, maxBytes: number): KeyStore {
    const store = new KeyStore(root, maxBytes);
    Deno.mkdirSync(`${root}/keys`, { recursive: true });
    const found: { hash: string; size: number; mtime: number }[] = [];
    for (const a of Deno.readDirSync(`${root}/keys`)) {
      if (!a.isDirectory) continue;
      for (const b of Deno.readDirSync(`${root}/keys/${a.name}`)) {
        if (!b.isDirectory) continue;
        for (const file of Deno.readDirSync(`${root}/keys/${a.name}/${b.name}`)) {
          if (!file.isFile || !/^[0-9a-f]{64}$/.test(file.name)) continue;
          const info = Deno.statSync(`${root}/keys/${a.name}/${b.name}/${file.name}`);
          found.push({ hash: file.name, size: info.size, mtime: info.mtime?.getTime() ?? 0 });
        }
      }
    }
    found.sort((x, y) => x.mtime - y.mtime);
    for (const { hash, size } of found) {
      store.#sizes.set(hash, size);
      store.bytesUsed += size;
    }
    store.peakBytes = store.bytesUsed;
    store.#evictDownTo(store.maxBytes);
    return store;
  }

  /** Number of entries on disk. */
  get entries(): number {
    return this.#sizes.size;
  }

  /** Number of distinct pinned hashes. */
  get pinned(): number {
    return this.#pins.size;
  }

  /** Whether the entry `hash` is on disk. */
  has(hash: string): boolean {
    return this.#sizes.has(hash);
  }

  /** Marks `hash` as just used: it becomes the last to be evicted. */
  touch(hash: string): void {
    const size = this.#sizes.get(hash);
    if (size === undefined) return;
    this.#sizes.delete(hash);
    this.#sizes.set(hash, size);
    // The mtime carries the LRU order across a server restart; best effort.
    try {
      const now = new Date();
      Deno.utimeSync(entryPath(this.root, hash), now, now);
    } catch { /* evicted concurrently or unwritable: the in-memory order still holds */ }
  }

  /** Protects `hash` from eviction until a matching {@linkcode KeyStore.unpin}. */
  pin(hash: string): void {
    this.#pins.set(hash, (this.#pins.get(hash) ?? 0) + 1);
  }

  /** Drops one pin of `hash`; evicts if pins had held the pool above its limit. */
  unpin(hash: string): void {
    const count = this.#pins.get(hash) ?? 0;
    if (count <= 1) this.#pins.delete(hash);
    else this.#pins.set(hash, count - 1);
    if (this.bytesUsed > this.maxBytes) this.#evictDownTo(this.maxBytes);
  }

  /**
   * Moves finished files into the key directory (each rename is atomic),
   * first evicting least-recently-used unpinned entries so that the total
   * stays within the limit. Pinned entries are never evicted, so while
   * futures still read them the total can exceed the limit by those entries.
   *
   * @throws {EntryTooLargeError} when one file alone exceeds the limit.
   */
  commit(incoming: readonly Incoming[]): void {
    let added = 0;
    for (const item of incoming) {
      if (item.size > this.maxBytes) throw new EntryTooLargeError(item.size, this.maxBytes);
      added += item.size - (this.#sizes.get(item.hash) ?? 0);
    }
    const replacing = new Set(incoming.map((item) => item.hash));
    this.#evictDownTo(this.maxBytes - added, replacing);
    for (const item of incoming) {
      const target = entryPath(this.root, item.hash);
      Deno.mkdirSync(target.slice(0, target.lastIndexOf("/")), { recursive: true });
      Deno.renameSync(item.path, target);
      this.bytesUsed += item.size - (this.#sizes.get(item.hash) ?? 0);
      this.#sizes.delete(item.hash);
      this.#sizes.set(item.hash, item.size);
    }
    if (this.bytesUsed > this.peakBytes) this.peakBytes = this.bytesUsed;
  }

  #evictDownTo(target: number, keep?: ReadonlySet<string>): void {
    if (this.bytesUsed <= target) return;
    for (const [hash, size] of this.#sizes) {
      if (this.bytesUsed <= target) break;
      if (this.#pins.has(hash) || keep?.has(hash)) continue;
      try {
        Deno.removeSync(entryPath(this.root, hash));
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      this.#sizes.delete(hash);
      this.bytesUsed -= size;
      this.evictions++;
    }
  }
}

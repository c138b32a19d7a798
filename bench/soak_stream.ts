/**
 * What the soak records of one subscription's frames, and the loss check.
 *
 * A client keeps, per frame after its first snapshot, the event's seq and a
 * 32-bit FNV-1a hash of the payload text, de-duplicated by seq. The
 * control client of the same view never disconnects, so its record is the
 * ground truth: a reconnecting client must end with exactly the control's
 * frames from its own first snapshot on, same seqs in the same order, same
 * payloads. The server is not asked whether anything was lost.
 *
 * @module
 */

/** A frame's seq, whether it is a snapshot or resync, and its payload text. */
export interface ParsedFrame {
  /** The `id` of the subscription. */
  readonly id: string;
  /** `next`, `error`, `complete`, … */
  readonly type: string;
  /** `extensions.seq` of a `next`. */
  readonly seq?: number;
  /** Whether the payload is a snapshot (`snapshot` or `resync`). */
  readonly snapshot?: "snapshot" | "resync";
  /** The payload text, exactly as received. */
  readonly payload?: string;
}

const EXTENSIONS = '"extensions":{"seq":';

/**
 * Reads a server frame without parsing its data: the hub writes
 * `extensions` last, so the seq is found from the end. Frames other than
 * `next` are parsed whole (they are rare).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFrame } from "./soak_stream.ts";
 * const frame = parseFrame(
 *   '{"id":"1","type":"next","payload":{"data":null,"extensions":{"seq":42,"pruned":[]}}}',
 * );
 * assert.equal(frame.seq, 42);
 * assert.equal(frame.payload, '{"data":null,"extensions":{"seq":42,"pruned":[]}}');
 * ```
 */
export function parseFrame(text: string): ParsedFrame {
  const head = '{"id":';
  if (text.startsWith(head) && text.includes('"type":"next","payload":', head.length)) {
    const idEnd = text.indexOf(',"type":"next","payload":');
    const id = JSON.parse(text.slice(head.length, idEnd));
    const payload = text.slice(idEnd + ',"type":"next","payload":'.length, -1);
    const at = payload.lastIndexOf(EXTENSIONS);
    if (at === -1) return { id, type: "next", payload };
    const digits = /^\d+/.exec(payload.slice(at + EXTENSIONS.length));
    const tail = payload.slice(at);
    const snapshot = tail.includes('"snapshot":true')
      ? "snapshot"
      : tail.includes('"resync":true')
      ? "resync"
      : undefined;
    return { id, type: "next", seq: digits ? Number(digits[0]) : undefined, snapshot, payload };
  }
  const value = JSON.parse(text) as { id?: string; type: string; payload?: unknown };
  return { id: value.id ?? "", type: value.type, payload: JSON.stringify(value.payload) };
}

/**
 * FNV-1a over the UTF-16 code units of `text`, as an unsigned 32-bit number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hash32 } from "./soak_stream.ts";
 * assert.equal(hash32(""), 0x811c9dc5);
 * assert.notEqual(hash32("a"), hash32("b"));
 * ```
 */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The frames one subscription received after its first snapshot: seqs in
 * the order received (each once) and their payload hashes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StreamRecord } from "./soak_stream.ts";
 * const record = new StreamRecord();
 * record.snapshot(10);
 * record.add(11, "a");
 * record.add(11, "a"); // a duplicate: counted, not recorded twice
 * assert.deepEqual([record.firstSeq, record.lastSeq, record.length, record.duplicates], [10, 11, 1, 1]);
 * ```
 */
export class StreamRecord {
  /** The seq of the first snapshot; `undefined` until it came. */
  firstSeq: number | undefined;
  /** The seq of the last frame (or of the snapshot). */
  lastSeq = 0;
  /** Frames that came again with a seq already recorded. */
  duplicates = 0;
  /** Duplicates whose payload differed from the first copy. */
  duplicateMismatches = 0;
  /** Frames whose seq was below the last one (out of order). */
  outOfOrder = 0;
  /** Resync snapshots (the server could not replay). */
  resyncs = 0;
  #seqs = new Uint32Array(256);
  #hashes = new Uint32Array(256);
  #length = 0;

  /** Frames recorded. */
  get length(): number {
    return this.#length;
  }

  /** The first snapshot (or a resync, counted as one). */
  snapshot(seq: number, kind: "snapshot" | "resync" = "snapshot"): void {
    if (this.firstSeq === undefined) this.firstSeq = seq;
    else if (kind === "resync") this.resyncs++;
    this.lastSeq = Math.max(this.lastSeq, seq);
  }

  /** One frame after the snapshot. */
  add(seq: number, payload: string): void {
    const hash = hash32(payload);
    const seen = seq <= this.lastSeq ? this.#find(seq) : undefined;
    if (seen !== undefined) {
      this.duplicates++;
      if (this.#hashes[seen] !== hash) this.duplicateMismatches++;
      return;
    }
    if (seq < this.lastSeq) this.outOfOrder++;
    if (this.#length === this.#seqs.length) {
      const seqs = new Uint32Array(this.#length * 2);
      seqs.set(this.#seqs);
      this.#seqs = seqs;
      const hashes = new Uint32Array(this.#length * 2);
      hashes.set(this.#hashes);
      this.#hashes = hashes;
    }
    this.#seqs[this.#length] = seq;
    this.#hashes[this.#length] = hash;
    this.#length++;
    this.lastSeq = seq;
  }

  /** The recorded frames from `afterSeq` on (exclusive), in order received. */
  *frames(afterSeq = -Infinity): Generator<[seq: number, hash: number]> {
    for (let i = 0; i < this.#length; i++) {
      if (this.#seqs[i] > afterSeq) yield [this.#seqs[i], this.#hashes[i]];
    }
  }

  /** The hash recorded for `seq`, if any. */
  hashOf(seq: number): number | undefined {
    const at = this.#find(seq);
    return at === undefined ? undefined : this.#hashes[at];
  }

  // Binary search: seqs are recorded in increasing order (a frame out of
  // order is counted as a failure, and then a lookup may miss it). A map per
  // client would cost more memory than the soak's server.
  #find(seq: number): number | undefined {
    let low = 0;
    let high = this.#length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const value = this.#seqs[mid];
      if (value === seq) return mid;
      if (value < seq) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
  }
}

/** How a client's record compares with the control's. */
export interface StreamComparison {
  /** Control frames (after the client's first snapshot) the client never got. */
  readonly lost: number;
  /** Frames the client got that the control did not. */
  readonly extra: number;
  /** Frames whose payload differs from the control's. */
  readonly corrupt: number;
  /** Frames out of seq order (received, de-duplicated). */
  readonly outOfOrder: number;
  /** Frames received twice. */
  readonly duplicates: number;
  /** Resync snapshots the client got. */
  readonly resyncs: number;
  /** Frames the comparison covered (the control's, in range). */
  readonly expected: number;
}

/**
 * Compares a client's record with the control's, over the control's frames
 * after the client's first snapshot and up to `upTo`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareStreams, StreamRecord } from "./soak_stream.ts";
 * const control = new StreamRecord();
 * control.snapshot(1);
 * for (const seq of [2, 3, 4]) control.add(seq, `p${seq}`);
 * const client = new StreamRecord();
 * client.snapshot(2);
 * client.add(4, "p4");
 * assert.equal(compareStreams(control, client, 4).lost, 1); // seq 3
 * ```
 */
export function compareStreams(
  control: StreamRecord,
  client: StreamRecord,
  upTo: number,
): StreamComparison {
  const from = client.firstSeq ?? Infinity;
  let expected = 0;
  let lost = 0;
  let corrupt = 0;
  for (const [seq, hash] of control.frames(from)) {
    if (seq > upTo) break;
    expected++;
    const got = client.hashOf(seq);
    if (got === undefined) lost++;
    else if (got !== hash) corrupt++;
  }
  let extra = 0;
  for (const [seq] of client.frames(from)) {
    if (seq <= upTo && control.hashOf(seq) === undefined) extra++;
  }
  return {
    lost,
    extra,
    corrupt: corrupt + client.duplicateMismatches,
    outOfOrder: client.outOfOrder,
    duplicates: client.duplicates,
    resyncs: client.resyncs,
    expected,
  };
}

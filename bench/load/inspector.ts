/**
 * A small client of the V8 inspector protocol, enough to garbage-collect a
 * server process started with `--inspect` and take heap snapshots of it.
 *
 * @module
 */

/**
 * A connection to one inspector target.
 *
 * @example
 * ```ts ignore
 * const inspector = await Inspector.connect("127.0.0.1:9229");
 * await inspector.collectGarbage();
 * console.log(await inspector.heapUsage());
 * inspector.close();
 * ```
 */
export class Inspector {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  readonly #chunks: string[] = [];
  #id = 0;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data as string);
      if (message.method === "HeapProfiler.addHeapSnapshotChunk") {
        this.#chunks.push(message.params.chunk);
        return;
      }
      const waiter = this.#pending.get(message.id);
      if (!waiter) return;
      this.#pending.delete(message.id);
      if (message.error) waiter.reject(new Error(`inspector: ${message.error.message}`));
      else waiter.resolve(message.result);
    };
  }

  /**
   * Connects to the first target of the inspector on `hostPort`
   * (`127.0.0.1:9229`), retrying for up to 30 s while it starts.
   */
  static async connect(hostPort: string): Promise<Inspector> {
    const deadline = Date.now() + 30_000;
    let url: string | undefined;
    while (url === undefined) {
      try {
        const list = await (await fetch(`http://${hostPort}/json/list`)).json();
        url = list[0]?.webSocketDebuggerUrl;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`no inspector on ${hostPort}: ${error}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error(`cannot open the inspector socket ${url}`));
    });
    return new Inspector(socket);
  }

  /** Sends one command and waits for its result. */
  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.#id;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Runs a full garbage collection in the target. */
  async collectGarbage(): Promise<void> {
    await this.send("HeapProfiler.collectGarbage");
  }

  /** V8 heap in use and committed, bytes. */
  async heapUsage(): Promise<{ usedSize: number; totalSize: number }> {
    return await this.send("Runtime.getHeapUsage");
  }

  /** Takes a heap snapshot (after a GC) and returns it parsed. */
  async heapSnapshot(): Promise<HeapSnapshot> {
    this.#chunks.length = 0;
    await this.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    const text = this.#chunks.join("");
    this.#chunks.length = 0;
    return JSON.parse(text);
  }

  /** Closes the connection. */
  close(): void {
    this.#socket.close();
  }
}

/** The parts of a `.heapsnapshot` this module reads. */
export interface HeapSnapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: readonly string[];
      readonly node_types: readonly [readonly string[], ...unknown[]];
    };
  };
  readonly nodes: readonly number[];
  readonly strings: readonly string[];
}

/** Objects of one kind in a heap snapshot. */
export interface HeapGroup {
  /** `type:name`, e.g. `object:GraphqlWsConnection`, `closure:onmessage`, `string`. */
  readonly key: string;
  /** Objects. */
  count: number;
  /** Bytes (shallow sizes). */
  bytes: number;
}

/**
 * Sums shallow sizes by node type and name (constructor name for objects,
 * function name for closures; strings, code and numbers in one group each).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { groupHeap } from "./inspector.ts";
 * const groups = groupHeap({
 *   snapshot: { meta: { node_fields: ["type", "name", "id", "self_size"], node_types: [["object", "string"]] } },
 *   nodes: [0, 0, 1, 40, 0, 0, 2, 40, 1, 1, 3, 24],
 *   strings: ["Foo", "hello"],
 * });
 * assert.deepEqual(groups.get("object:Foo"), { key: "object:Foo", count: 2, bytes: 80 });
 * assert.deepEqual(groups.get("string"), { key: "string", count: 1, bytes: 24 });
 * ```
 */
export function groupHeap(snapshot: HeapSnapshot): Map<string, HeapGroup> {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const groups = new Map<string, HeapGroup>();
  const { nodes, strings } = snapshot;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    const named = type === "object" || type === "closure" || type === "native" ||
      type === "hidden" || type === "array" || type === "object shape";
    const key = named
      ? `${type}:${strings[nodes[i + nameAt]]}`
      : type.replace(/^(concatenated |sliced )/, "");
    let group = groups.get(key);
    if (!group) groups.set(key, group = { key, count: 0, bytes: 0 });
    group.count++;
    group.bytes += nodes[i + sizeAt];
  }
  return groups;
}

/**
 * What grew between two groupings, per unit (one connection), largest first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { heapGrowth } from "./inspector.ts";
 * const a = new Map([["object:X", { key: "object:X", count: 1, bytes: 10 }]]);
 * const b = new Map([["object:X", { key: "object:X", count: 11, bytes: 110 }]]);
 * assert.deepEqual(heapGrowth(a, b, 10), [{ key: "object:X", count: 1, bytes: 10 }]);
 * ```
 */
export function heapGrowth(
  before: Map<string, HeapGroup>,
  after: Map<string, HeapGroup>,
  units: number,
): HeapGroup[] {
  const out: HeapGroup[] = [];
  for (const [key, group] of after) {
    const old = before.get(key) ?? { count: 0, bytes: 0 };
    out.push({
      key,
      count: (group.count - old.count) / units,
      bytes: (group.bytes - old.bytes) / units,
    });
  }
  return out.sort((x, y) => y.bytes - x.bytes);
}

/** One node of a V8 CPU profile (`Profiler.stop`). */
export interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly hitCount?: number;
}

/** A V8 CPU profile. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
}

/** Self time of one function in a CPU profile. */
export interface SelfTime {
  /** `name (file:line)`, or `(program)`, `(garbage collector)`, `(idle)`. */
  readonly key: string;
  /** Share of all samples, %. */
  readonly percent: number;
  /** Milliseconds. */
  readonly ms: number;
}

/**
 * Self time per function, largest first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selfTimes } from "./inspector.ts";
 * const frame = (functionName: string) => ({ functionName, url: "file:///a/b.ts", lineNumber: 9 });
 * const times = selfTimes({
 *   nodes: [{ id: 1, callFrame: frame("send"), hitCount: 3 }, { id: 2, callFrame: frame(""), hitCount: 1 }],
 *   startTime: 0,
 *   endTime: 4000,
 * });
 * assert.deepEqual(times[0], { key: "send (b.ts:10)", percent: 75, ms: 3 });
 * ```
 */
export function selfTimes(profile: CpuProfile): SelfTime[] {
  const hits = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const count = node.hitCount ?? 0;
    if (count === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.split("/").at(-1);
    const key = file
      ? `${functionName || "(anonymous)"} (${file}:${lineNumber + 1})`
      : functionName;
    hits.set(key, (hits.get(key) ?? 0) + count);
    total += count;
  }
  const msPerHit = (profile.endTime - profile.startTime) / 1000 / Math.max(1, total);
  return [...hits].map(([key, count]) => ({
    key,
    percent: Number(((100 * count) / total).toFixed(2)),
    ms: Number((count * msPerHit).toFixed(1)),
  })).sort((a, b) => b.ms - a.ms);
}

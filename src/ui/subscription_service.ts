/**
 * The client subscription service: views register, update and unregister
 * their subscriptions here; the service merges them with the engine's
 * `merge` (the same wasm as the server's) and keeps one delta-mode
 * subscription per **scope** on the one WebSocket.
 *
 * A scope is one workflow, or the unscoped list of all workflows. Views of
 * one workflow (Tree, Graph, Table, Job detail) become one merged
 * subscription; the Workflows list stays its own. Merging across scopes
 * would be wrong: `merge` of `workflows(ids: [X])` with an unscoped
 * `workflows` drops the `ids`, which would send every workflow the fields
 * of one workflow's views.
 *
 * Changes are reconciled once per turn (a microtask), so views opened
 * together put one subscribe frame on the wire. When a scope's merged
 * selection changes, its subscription is replaced (complete, then subscribe
 * afresh: the new fields need a snapshot). After a reconnect every scope is
 * subscribed again with its own last seq (`extensions.lastSeq`), so the
 * server replays only what was missed, or sends a `resync` snapshot when
 * the gap is beyond its retention.
 *
 * @module
 */
import type { DeltaPayload, NormalizedStore } from "./normalized_store.ts";
import { parseSelection, type SelectionNode } from "./selection_tree.ts";
import type { FrameSink } from "./ws_client.ts";

/** A set of fields from the engine (`wasm/mod.ts`'s `FieldSet`). */
export interface EngineSet {
  /** Frees its wasm memory. */
  dispose(): void;
}

/** The engine functions the service uses (`wasm/mod.ts`). */
export interface Engine {
  /** GraphQL text → set. */
  parseSubscription(text: string): EngineSet;
  /** The union of sets. */
  merge(...sets: EngineSet[]): EngineSet;
  /** Canonical text of a set. */
  printSubscription(set: EngineSet): string;
}

/** The connection, as far as the service uses it (a `WsClient`). */
export interface SubscriptionTransport {
  /** Whether subscribe frames can be sent now. */
  readonly ready: boolean;
  /** Sends a `subscribe`. */
  subscribe(
    id: string,
    payload: { query: string; extensions?: Record<string, unknown> },
    sink: FrameSink,
  ): void;
  /** Sends a `complete`. */
  complete(id: string): void;
}

/** One view's subscription. */
export interface ViewSubscription {
  /** Unique per open view (`tree`, `graph:~u/f`, …). */
  readonly id: string;
  /** What the debug panel calls it. */
  readonly label: string;
  /** The workflow it watches, or `null` for all workflows. */
  readonly scope: string | null;
  /** Its GraphQL subscription (without `@deltas`; the service adds it). */
  readonly query: string;
}

/** One merged subscription, as the debug panel shows it. */
export interface GroupInfo {
  /** The workflow, or `null` for all. */
  readonly scope: string | null;
  /** Labels of the views merged into it. */
  readonly views: readonly string[];
  /** The text on the wire (`subscription @deltas { … }`), once merged. */
  readonly wire: string | undefined;
  /** The operation id on the socket, while subscribed. */
  readonly operationId: string | undefined;
  /** The last seq it received. */
  readonly lastSeq: number | undefined;
  /** `waiting` (not sent yet), `subscribed` (no snapshot yet), `live`, or `error`. */
  readonly state: "waiting" | "subscribed" | "live" | "error";
  /** Frames it received. */
  readonly frames: number;
  /** Snapshots it received with `resync: true` (gaps beyond retention). */
  readonly resyncs: number;
  /** Why it is in `error`. */
  readonly error: string | undefined;
}

interface Group {
  readonly key: string;
  readonly scope: string | null;
  readonly views: Map<string, ViewSubscription>;
  /** Canonical print of the merge in effect. */
  merged: string | undefined;
  selection: ReadonlyMap<string, SelectionNode>;
  operationId: string | undefined;
  /** The seq to resume from, and the merged print it belongs to. */
  lastSeq: number | undefined;
  lastSeqFor: string | undefined;
  state: GroupInfo["state"];
  frames: number;
  resyncs: number;
  error: string | undefined;
}

/** Options of {@linkcode SubscriptionService}. */
export interface SubscriptionServiceOptions {
  /** The socket. */
  readonly transport: SubscriptionTransport;
  /** Where payloads go. */
  readonly store: NormalizedStore;
  /** The wasm engine. */
  readonly engine: Engine;
  /** Runs the reconciliation later in this turn; `queueMicrotask` by default. */
  readonly schedule?: (callback: () => void) => void;
}

const EMPTY_SELECTION: ReadonlyMap<string, SelectionNode> = new Map();

/**
 * The delta-mode text of a canonical print (`subscription { … }` →
 * `subscription @deltas { … }`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deltaModeText } from "./subscription_service.ts";
 * assert.equal(deltaModeText("subscription { workflows { id } }"), "subscription @deltas { workflows { id } }");
 * ```
 */
export function deltaModeText(canonical: string): string {
  if (!canonical.startsWith("subscription {")) {
    throw new TypeError(`expected a canonical subscription print, got ${canonical.slice(0, 40)}`);
  }
  return `subscription @deltas ${canonical.slice("subscription ".length)}`;
}

/**
 * The service.
 *
 * @example
 * ```ts ignore
 * const service = new SubscriptionService({ transport: client, store, engine });
 * service.register({ id: "tree", label: "Tree", scope: "~u/f", query: treeQuery("~u/f") });
 * ```
 */
export class SubscriptionService {
  readonly #transport: SubscriptionTransport;
  readonly #store: NormalizedStore;
  readonly #engine: Engine;
  readonly #schedule: (callback: () => void) => void;
  readonly #groups = new Map<string, Group>();
  readonly #listeners = new Set<() => void>();
  #nextId = 0;
  #pending = false;

  /** Creates the service over a transport, a store and the engine. */
  constructor(options: SubscriptionServiceOptions) {
    this.#transport = options.transport;
    this.#store = options.store;
    this.#engine = options.engine;
    this.#schedule = options.schedule ?? ((callback) => queueMicrotask(callback));
  }

  /** Adds (or replaces) a view's subscription. */
  register(view: ViewSubscription): void {
    for (const group of this.#groups.values()) {
      if (group.views.has(view.id) && group.scope !== view.scope) group.views.delete(view.id);
    }
    const key = view.scope ?? "*";
    let group = this.#groups.get(key);
    if (!group) {
      group = {
        key,
        scope: view.scope,
        views: new Map(),
        merged: undefined,
        selection: EMPTY_SELECTION,
        operationId: undefined,
        lastSeq: undefined,
        lastSeqFor: undefined,
        state: "waiting",
        frames: 0,
        resyncs: 0,
        error: undefined,
      };
      this.#groups.set(key, group);
    }
    group.views.set(view.id, view);
    this.#changed();
  }

  /** Changes a registered view's query (a column shown or hidden). */
  update(viewId: string, query: string): void {
    for (const group of this.#groups.values()) {
      const view = group.views.get(viewId);
      if (view) group.views.set(viewId, { ...view, query });
    }
    this.#changed();
  }

  /** Removes a view's subscription. */
  unregister(viewId: string): void {
    for (const group of this.#groups.values()) group.views.delete(viewId);
    this.#changed();
  }

  /** The views' subscriptions, for the debug panel. */
  views(): ViewSubscription[] {
    return [...this.#groups.values()].flatMap((group) => [...group.views.values()]);
  }

  /** The merged subscriptions in effect, for the debug panel. */
  groups(): GroupInfo[] {
    return [...this.#groups.values()].map((group) => ({
      scope: group.scope,
      views: [...group.views.values()].map((view) => view.label),
      wire: group.merged === undefined ? undefined : deltaModeText(group.merged),
      operationId: group.operationId,
      lastSeq: group.lastSeq,
      state: group.state,
      frames: group.frames,
      resyncs: group.resyncs,
      error: group.error,
    }));
  }

  /** Calls `listener` when views or subscriptions change; returns the way to stop. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The socket was acknowledged (first connect or reconnect): every
   * subscription died with the old socket, so each scope subscribes again,
   * resuming from its last seq when its selection is unchanged.
   */
  connected(): void {
    for (const group of this.#groups.values()) {
      group.operationId = undefined;
      if (group.state !== "error") group.state = "waiting";
    }
    this.#reconcile();
  }

  /** Runs the pending reconciliation now (tests; the page relies on the microtask). */
  flush(): void {
    if (this.#pending) {
      this.#pending = false;
      this.#reconcile();
    }
  }

  #changed(): void {
    this.#notify();
    if (this.#pending) return;
    this.#pending = true;
    this.#schedule(() => this.flush());
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #merge(group: Group): string {
    const sets: EngineSet[] = [];
    try {
      for (const view of group.views.values()) {
        sets.push(this.#engine.parseSubscription(view.query));
      }
      const merged = this.#engine.merge(...sets);
      try {
        return this.#engine.printSubscription(merged);
      } finally {
        merged.dispose();
      }
    } finally {
      for (const set of sets) set.dispose();
    }
  }

  #reconcile(): void {
    for (const group of [...this.#groups.values()]) {
      if (group.views.size === 0) {
        if (group.operationId !== undefined) this.#transport.complete(group.operationId);
        this.#groups.delete(group.key);
        continue;
      }
      let merged: string;
      try {
        merged = this.#merge(group);
      } catch (error) {
        // Two views that cannot be merged (a MergeConflictError names the
        // path): show it; the subscription in effect, if any, stays.
        group.state = "error";
        group.error = `${(error as Error).name}: ${(error as Error).message}`;
        continue;
      }
      if (merged === group.merged && group.operationId !== undefined) continue;
      group.merged = merged;
      group.selection = parseSelection(merged);
      if (!this.#transport.ready) {
        group.state = "waiting";
        continue;
      }
      this.#send(group);
    }
    this.#notify();
  }

  #send(group: Group): void {
    if (group.operationId !== undefined) this.#transport.complete(group.operationId);
    const merged = group.merged!;
    const id = String(++this.#nextId);
    group.operationId = id;
    group.state = "subscribed";
    group.error = undefined;
    // Resume only the selection the seq belongs to; a new selection needs a snapshot.
    const resume = group.lastSeqFor === merged && group.lastSeq !== undefined;
    if (!resume) {
      group.lastSeq = undefined;
      group.lastSeqFor = merged;
    }
    const selection = group.selection;
    const sink: FrameSink = {
      next: (payload, arrivedAt) => {
        if (group.operationId !== id) return; // a late frame of a replaced subscription
        const p = payload as DeltaPayload;
        group.frames++;
        if (p.errors?.length && !p.data) {
          group.state = "error";
          group.error = JSON.stringify(p.errors).slice(0, 500);
          this.#notify();
          return;
        }
        const ext = p.extensions ?? {};
        if (ext.resync) group.resyncs++;
        if (typeof ext.seq === "number") group.lastSeq = Math.max(group.lastSeq ?? 0, ext.seq);
        group.state = "live";
        this.#store.apply(selection, p, arrivedAt);
      },
      error: (errors) => {
        if (group.operationId !== id) return;
        group.operationId = undefined;
        group.state = "error";
        group.error = errors.map((e) => (e as { message?: string })?.message ?? String(e)).join(
          "; ",
        );
        this.#notify();
      },
      complete: () => {
        if (group.operationId !== id) return;
        group.operationId = undefined;
        group.state = "waiting";
        this.#notify();
      },
    };
    this.#transport.subscribe(
      id,
      resume
        ? { query: deltaModeText(merged), extensions: { lastSeq: group.lastSeq } }
        : { query: deltaModeText(merged) },
      sink,
    );
  }
}

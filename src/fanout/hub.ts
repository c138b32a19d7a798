/**
 * The fan-out hub: every event of the event log goes through here to every
 * subscriber of `Subscription.workflows`, in cohorts.
 *
 * - A **realm** is a read scope (all workflows, or a set of id patterns).
 *   Each realm has one `Sieve`; an event's delta is filtered to the realm's
 *   workflows once, so no subscriber ever receives another realm's data.
 * - A **cohort** is a realm, a mode and a normalised field set (variables
 *   resolved). It is one Sieve entry: one intersection per event, one
 *   serialized payload, shared by every member.
 * - A **member** is one subscription on one connection. Members that resume
 *   from a seq catch up from the event log first, while live events queue.
 *
 * Everything on the live path is synchronous: the store applies an event and
 * the hub publishes it in the same turn, so a snapshot taken from the store
 * at subscribe time is exactly the state before the next event published.
 *
 * @module
 */
import {
  type DocumentNode,
  execute,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from "graphql";
import {
  type FieldSet,
  intersectJson,
  parseSubscription,
  printSubscription,
  Sieve,
} from "../../wasm/mod.ts";
import type { Principal } from "../auth/tokens.ts";
import type { Logger } from "../log.ts";
import type { PrunedElement, Store } from "../store/store.ts";
import { Coverage } from "./coverage.ts";

/** Where the hub pushes one subscription's payloads (a graphql-ws subscription). */
export interface Sink {
  /** Sends one `next` with this serialized ExecutionResult. */
  next(payloadJson: string): void;
  /** Ends the subscription with errors. */
  error(errors: readonly GraphQLFormattedError[]): void;
  /** Ends the subscription normally. */
  complete(): void;
  /** Whether the connection or subscription is gone. */
  readonly closed: boolean;
}

/** One event as the hub needs it (an `OverlapEvent` of the event log). */
export interface HubEvent {
  /** Event seq. */
  readonly seq: number;
  /** Changed fields, nested like the data model. */
  readonly delta: { readonly workflows?: readonly Record<string, unknown>[] };
  /** Removed elements. */
  readonly pruned: readonly PrunedElement[];
}

/** The event log, for members resuming from a seq. */
export interface History {
  /** Events after `seq`, oldest first, at most `limit`. */
  readAfter(seq: number, limit: number): Promise<readonly HubEvent[]>;
  /** The highest seq deleted by retention (0 when none). */
  floor(): Promise<number>;
}

/** A `Subscription.workflows` request, ready for the hub. */
export interface WorkflowSubscription {
  /** `delta` for `@deltas`, else `standard`. */
  readonly mode: "delta" | "standard";
  /** The one operation with its fragments, as the engine parses it. */
  readonly engineText: string;
  /** The same selection as a query, for snapshots and standard results. */
  readonly query: DocumentNode;
  /** Variables. */
  readonly variables: Readonly<Record<string, unknown>>;
  /** The seq the client saw last, when it resumes. */
  readonly lastSeq?: number;
}

/** Options of the hub. */
export interface HubOptions {
  /** The store the snapshots and standard results read. */
  readonly store: Store;
  /** The executable schema. */
  readonly schema: GraphQLSchema;
  /** The event log. */
  readonly history: History;
  /** Logger. */
  readonly log: Logger;
  /** Events a catching-up member may queue before it is resynced instead (default 10,000). */
  readonly maxQueued?: number;
}

/** A subscription's handle. */
export interface Membership {
  /** Leaves the cohort (idempotent). */
  dispose(): void;
}

/** Counters for `GET /status`. */
export interface HubStatus {
  /** Read scopes with subscribers. */
  readonly realms: number;
  /** Cohorts. */
  readonly cohorts: number;
  /** Subscriptions. */
  readonly members: number;
  /** Last event published. */
  readonly seq: number;
  /** Events published since start. */
  readonly events: number;
  /** Payloads computed (one per cohort hit). */
  readonly payloads: number;
  /** Frames handed to sinks. */
  readonly frames: number;
}

interface Realm {
  readonly key: string;
  readonly principal: Principal;
  readonly sieve: Sieve;
  readonly cohorts: Map<number, Cohort>;
  readonly byKey: Map<string, Cohort>;
}

interface Cohort {
  readonly key: string;
  readonly realm: Realm;
  readonly mode: "delta" | "standard";
  readonly set: FieldSet;
  readonly entry: number;
  readonly coverage: Coverage;
  readonly query: DocumentNode;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly members: Set<Member>;
}

interface Member {
  readonly sink: Sink;
  readonly cohort: Cohort;
  // While catching up, live payloads wait here (seq, payload).
  queue: Array<[number, string]> | undefined;
  overflow: boolean;
  gone: boolean;
}

const EMPTY = new Map<number, string>();

// A delta-mode payload, built by concatenation around the engine's output so
// the intersection text is never parsed and re-serialized.
function deltaPayload(seq: number, json: string | undefined, pruned: readonly string[]): string {
  return `{"data":${json ?? "null"},"extensions":{"seq":${seq},"pruned":${
    JSON.stringify(pruned)
  }}}`;
}

/**
 * The fan-out hub.
 *
 * @example
 * ```ts ignore
 * const hub = new Hub({ store, schema, history, log });
 * const membership = await hub.subscribe(principal, subscription, sink);
 * store.apply(event);
 * hub.publish(event);
 * membership.dispose();
 * ```
 */
export class Hub {
  readonly #store: Store;
  readonly #schema: GraphQLSchema;
  readonly #history: History;
  readonly #log: Logger;
  readonly #maxQueued: number;
  readonly #realms = new Map<string, Realm>();
  #seq: number;
  #events = 0;
  #payloads = 0;
  #frames = 0;

  /** Creates a hub over `options.store`. */
  constructor(options: HubOptions) {
    this.#store = options.store;
    this.#schema = options.schema;
    this.#history = options.history;
    this.#log = options.log;
    this.#maxQueued = options.maxQueued ?? 10_000;
    this.#seq = options.store.seq;
  }

  /**
   * Frames handed to sinks since start; O(1), unlike `status()`, so the
   * server can tell after each publish whether an event reached anyone.
   */
  get frames(): number {
    return this.#frames;
  }

  /** Counters for `GET /status`. */
  status(): HubStatus {
    let cohorts = 0;
    let members = 0;
    for (const realm of this.#realms.values()) {
      cohorts += realm.cohorts.size;
      for (const cohort of realm.cohorts.values()) members += cohort.members.size;
    }
    return {
      realms: this.#realms.size,
      cohorts,
      members,
      seq: this.#seq,
      events: this.#events,
      payloads: this.#payloads,
      frames: this.#frames,
    };
  }

  /**
   * Adds a subscription. Sends its first payload (the snapshot in delta mode,
   * the current result in standard mode, or the missed events when it
   * resumes) before live payloads.
   *
   * @throws {SyntaxError|TypeError|RangeError} from the engine, for a selection it refuses.
   */
  async subscribe(
    principal: Principal,
    request: WorkflowSubscription,
    sink: Sink,
  ): Promise<Membership> {
    const cohort = this.#join(principal, request);
    const member: Member = { sink, cohort, queue: undefined, overflow: false, gone: false };
    const membership = { dispose: () => this.#leave(member) };
    const { lastSeq } = request;
    const storeSeq = this.#store.seq;
    if (cohort.mode === "standard" || lastSeq === undefined || lastSeq === storeSeq) {
      if (cohort.mode === "standard" || lastSeq === undefined) {
        this.#send(member, this.#snapshot(cohort, lastSeq === undefined ? "snapshot" : "resync"));
      }
      cohort.members.add(member);
      return membership;
    }
    // Resume: queue live events while the missed ones are read from the log.
    member.queue = [];
    cohort.members.add(member);
    try {
      const floor = await this.#history.floor();
      if (lastSeq < floor || lastSeq > storeSeq) {
        this.#log.info("resume beyond the event log; sending a snapshot", {
          lastSeq,
          floor,
          seq: storeSeq,
        });
        member.overflow = true;
      } else {
        await this.#replay(member, lastSeq, storeSeq);
        if ((await this.#history.floor()) > lastSeq) member.overflow = true;
      }
    } catch (error) {
      this.#log.error("reading the event log for a resume failed; sending a snapshot", { error });
      member.overflow = true;
    }
    this.#goLive(member);
    return membership;
  }

  /** Publishes one event (after the store applied it) to every cohort it overlaps. */
  publish(event: HubEvent): void {
    this.#seq = event.seq;
    this.#events++;
    if (this.#realms.size === 0) return;
    const all = JSON.stringify(event.delta);
    for (const realm of this.#realms.values()) {
      const text = realm.principal.readAll ? all : this.#realmDelta(realm, event);
      const pruned = event.pruned.filter((p) => realm.principal.read(p.workflowId));
      const hits = text === undefined ? EMPTY : realm.sieve.filter(text);
      if (pruned.length === 0) {
        for (const [entry, json] of hits) {
          this.#deliver(realm.cohorts.get(entry)!, event.seq, json, []);
        }
      } else {
        for (const cohort of realm.cohorts.values()) {
          const covered = cohort.coverage.covered(pruned);
          const json = hits.get(cohort.entry);
          if (json !== undefined || covered.length > 0) {
            this.#deliver(cohort, event.seq, json, covered);
          }
        }
      }
    }
  }

  /** Removes every subscription and frees the engine's memory. */
  close(): void {
    for (const realm of this.#realms.values()) {
      for (const cohort of realm.cohorts.values()) {
        for (const member of cohort.members) member.gone = true;
        cohort.set.dispose();
      }
      realm.sieve.dispose();
    }
    this.#realms.clear();
  }

  #realmDelta(realm: Realm, event: HubEvent): string | undefined {
    const workflows = (event.delta.workflows ?? []).filter((w) =>
      realm.principal.read(String(w.id))
    );
    return workflows.length ? JSON.stringify({ workflows }) : undefined;
  }

  #join(principal: Principal, request: WorkflowSubscription): Cohort {
    let realm = this.#realms.get(principal.readKey);
    if (!realm) {
      realm = {
        key: principal.readKey,
        principal,
        sieve: new Sieve(),
        cohorts: new Map(),
        byKey: new Map(),
      };
      this.#realms.set(realm.key, realm);
    }
    const set = parseSubscription(request.engineText, request.variables);
    const canonical = printSubscription(set);
    const key = `${request.mode}\n${canonical}`;
    const existing = realm.byKey.get(key);
    if (existing) {
      set.dispose();
      return existing;
    }
    const cohort: Cohort = {
      key,
      realm,
      mode: request.mode,
      set,
      entry: realm.sieve.add(set),
      coverage: new Coverage(canonical),
      query: request.query,
      variables: request.variables,
      members: new Set(),
    };
    realm.cohorts.set(cohort.entry, cohort);
    realm.byKey.set(key, cohort);
    this.#log.debug("cohort created", { realm: realm.principal.name, mode: cohort.mode });
    return cohort;
  }

  #leave(member: Member): void {
    if (member.gone) return;
    member.gone = true;
    const { cohort } = member;
    cohort.members.delete(member);
    if (cohort.members.size > 0) return;
    const { realm } = cohort;
    realm.sieve.remove(cohort.entry);
    realm.cohorts.delete(cohort.entry);
    realm.byKey.delete(cohort.key);
    cohort.set.dispose();
    if (realm.cohorts.size === 0) {
      realm.sieve.dispose();
      this.#realms.delete(realm.key);
    }
  }

  #execute(cohort: Cohort): ExecutionResult {
    const result = execute({
      schema: this.#schema,
      document: cohort.query,
      variableValues: cohort.variables,
      contextValue: { store: this.#store, canRead: cohort.realm.principal.read },
    });
    if (result instanceof Promise) {
      // Store resolvers are synchronous; a promise here is a programming error.
      throw new TypeError(
        "the workflows selection resolved asynchronously; expected a synchronous result",
      );
    }
    return result as ExecutionResult;
  }

  #snapshot(cohort: Cohort, kind: "snapshot" | "resync"): string {
    const result = this.#execute(cohort);
    const extensions: Record<string, unknown> = { seq: this.#store.seq };
    if (cohort.mode === "delta") extensions[kind] = true;
    return JSON.stringify({ ...result, extensions });
  }

  #deliver(cohort: Cohort, seq: number, json: string | undefined, pruned: readonly string[]): void {
    this.#payloads++;
    let payload: string;
    if (cohort.mode === "delta") {
      payload = deltaPayload(seq, json, pruned);
    } else {
      const result = this.#execute(cohort);
      payload = JSON.stringify({ ...result, extensions: { seq } });
    }
    for (const member of cohort.members) {
      if (member.queue) {
        if (member.queue.length >= this.#maxQueued) member.overflow = true;
        else member.queue.push([seq, payload]);
      } else {
        this.#send(member, payload);
      }
    }
  }

  #send(member: Member, payload: string): void {
    if (member.sink.closed) {
      this.#leave(member);
      return;
    }
    this.#frames++;
    member.sink.next(payload);
  }

  async #replay(member: Member, after: number, upTo: number): Promise<void> {
    const { cohort } = member;
    let seq = after;
    while (seq < upTo && !member.gone && !member.overflow) {
      const events = await this.#history.readAfter(seq, 500);
      if (events.length === 0) break;
      for (const event of events) {
        if (event.seq > upTo) return;
        seq = event.seq;
        const text = cohort.realm.principal.readAll
          ? JSON.stringify(event.delta)
          : this.#realmDelta(cohort.realm, event);
        const json = text === undefined ? undefined : intersectJson(text, cohort.set);
        const pruned = cohort.coverage.covered(
          event.pruned.filter((p) => cohort.realm.principal.read(p.workflowId)),
        );
        if (json === undefined && pruned.length === 0) continue;
        this.#send(member, deltaPayload(event.seq, json, pruned));
      }
    }
  }

  #goLive(member: Member): void {
    const queue = member.queue ?? [];
    member.queue = undefined;
    if (member.gone) return;
    if (member.overflow) {
      // Too far behind (or beyond retention): a fresh snapshot replaces the
      // missed events, marked so the client knows to replace its state.
      member.overflow = false;
      this.#send(member, this.#snapshot(member.cohort, "resync"));
      return;
    }
    for (const [, payload] of queue) this.#send(member, payload);
  }
}

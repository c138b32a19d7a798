/** @jsxRuntime automatic */
/** @jsxImportSource preact */
/// <reference lib="dom" />
/**
 * What every view shares (the store, the subscription service, the socket,
 * the token) and the hooks views use: re-render on store changes, and
 * register a subscription for as long as the view is open.
 *
 * @module
 */
import { createContext } from "preact";
import { useContext, useEffect, useLayoutEffect, useState } from "preact/hooks";
import type { NormalizedStore } from "./normalized_store.ts";
import type { SubscriptionService } from "./subscription_service.ts";
import type { WsClient } from "./ws_client.ts";

/** The page's shared services. */
export interface AppServices {
  readonly store: NormalizedStore;
  readonly service: SubscriptionService;
  readonly client: WsClient;
  /** The token in use, if any. */
  readonly token: () => string | undefined;
}

/** The context carrying {@linkcode AppServices}. */
export const Services = createContext<AppServices | null>(null);

/** The shared services (inside the app). */
export function useServices(): AppServices {
  const services = useContext(Services);
  if (!services) throw new TypeError("useServices() outside <Services.Provider>");
  return services;
}

/** Re-renders the caller whenever the store changes; returns the store's version. */
export function useStoreVersion(): number {
  const { store } = useServices();
  const [, setTick] = useState(0);
  useEffect(() => store.subscribe(() => setTick((n) => n + 1)), [store]);
  return store.version;
}

/** Re-renders the caller when the service's views or subscriptions change. */
export function useServiceVersion(): void {
  const { service } = useServices();
  const [, setTick] = useState(0);
  useEffect(() => service.subscribe(() => setTick((n) => n + 1)), [service]);
}

/**
 * Registers the view's subscription while it is mounted, and updates it
 * when `query` changes (the Table's columns).
 */
export function useViewSubscription(
  id: string,
  label: string,
  scope: string | null,
  query: string,
): void {
  const { service } = useServices();
  useEffect(() => {
    service.register({ id, label, scope, query });
    return () => service.unregister(id);
  }, [service, id, label, scope]);
  useEffect(() => service.update(id, query), [service, id, query]);
}

/** A record of how long a frame took to reach the DOM, read by the browser tests. */
export interface UpdateTiming {
  readonly view: string;
  readonly seq: number;
  readonly ms: number;
}

const TIMINGS_KEPT = 200;

/**
 * After each render of a view that follows a store change, records the time
 * from the frame's arrival to the DOM update (`window.__overlapUpdates`).
 */
export function useUpdateTiming(view: string, version: number): void {
  const { store } = useServices();
  useLayoutEffect(() => {
    if (store.arrivedAt === 0) return;
    const w = globalThis as unknown as { __overlapUpdates?: UpdateTiming[] };
    const list = w.__overlapUpdates ??= [];
    list.push({ view, seq: store.lastSeq, ms: performance.now() - store.arrivedAt });
    if (list.length > TIMINGS_KEPT) list.splice(0, list.length - TIMINGS_KEPT);
  }, [version]);
}

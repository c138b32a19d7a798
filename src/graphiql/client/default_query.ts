/**
 * What GraphiQL shows on first open (before the browser has tabs of its
 * own): a query with the schema's main shape, a standard subscription and a
 * delta-mode one, each in its own tab.
 *
 * @module
 */

/** The query of the first tab: workflows with their task proxies and jobs. */
export const WORKFLOWS_QUERY = `# Overlap's GraphiQL. Queries run as
# POST /graphql; subscriptions (next tabs) run
# over the graphql-transport-ws WebSocket.
# Run: Ctrl-Enter or ▶. Schema: the Docs icon.
query Workflows {
  workflows {
    id
    status
    statusMsg
    stateTotals
    lastHeartbeatTime
    taskProxies {
      id
      name
      cyclePoint
      status
      firstParent {
        id
      }
      jobs {
        id
        submitNum
        status
      }
    }
  }
}
`;

/** A standard subscription: the current result at once, then the full result after each change. */
export const STANDARD_SUBSCRIPTION = `# Standard mode: the current result at once,
# then the full result again each time a delta
# changes what this selects.
subscription WatchTasks {
  workflows {
    id
    status
    taskProxies {
      id
      status
    }
  }
}
`;

/** The same selection in delta mode: a snapshot first, then only what each delta changed. */
export const DELTAS_SUBSCRIPTION = `# Delta mode (@deltas): a snapshot first
# (extensions.snapshot), then only what each
# delta changed in the selection, and the ids
# it removed (extensions.pruned).
subscription WatchTaskDeltas @deltas {
  workflows {
    id
    status
    taskProxies {
      id
      status
    }
  }
}
`;

/** GraphiQL's `defaultTabs`. */
export const DEFAULT_TABS: readonly { readonly query: string }[] = [
  { query: WORKFLOWS_QUERY },
  { query: STANDARD_SUBSCRIPTION },
  { query: DELTAS_SUBSCRIPTION },
];

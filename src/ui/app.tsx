/** @jsxRuntime automatic */
/** @jsxImportSource preact */
/// <reference lib="dom" />
/**
 * The page: a header with the connection's status, the Workflows list, and
 * the open workflow's views side by side; the sign-in form when the server
 * wants a token, and a clear message when it expired.
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import { useServices } from "./context.tsx";
import { formatRoute, parseRoute, type Route, VIEW_NAMES, type ViewName } from "./route.ts";
import type { ConnectionState } from "./ws_client.ts";
import { DebugView } from "./views/debug_view.tsx";
import { GraphView } from "./views/graph_view.tsx";
import { JobView } from "./views/job_view.tsx";
import { TableView } from "./views/table_view.tsx";
import { TreeView } from "./views/tree_view.tsx";
import { WorkflowsView } from "./views/workflows_view.tsx";

const VIEW_LABELS: Record<ViewName, string> = { tree: "Tree", graph: "Graph", table: "Table" };

function useRoute(): [Route, (route: Route) => void] {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  return [route, (next) => {
    location.hash = formatRoute(next);
  }];
}

function useNow(periodMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(timer);
  }, [periodMs]);
  return now;
}

/** The connection indicator: a shape and words, not colour alone. */
function ConnectionBadge(props: { state: ConnectionState; now: number }) {
  const { state } = props;
  let text: string;
  let glyph: string;
  switch (state.kind) {
    case "open":
      glyph = "●";
      text = "Live";
      break;
    case "connecting":
      glyph = "◌";
      text = state.attempt > 1 ? `Reconnecting (attempt ${state.attempt})…` : "Connecting…";
      break;
    case "waiting": {
      glyph = "◌";
      const s = Math.max(0, Math.ceil((state.retryAt - performance.now()) / 1000));
      text = `Disconnected (${state.code}); retrying in ${s} s`;
      break;
    }
    case "fatal":
      glyph = "✕";
      text = state.why === "expired"
        ? "Token expired"
        : state.why === "signin"
        ? "Sign-in needed"
        : "Error";
      break;
    default:
      glyph = "■";
      text = "Stopped";
  }
  return (
    <span
      class={`connection connection-${state.kind}`}
      role="status"
      aria-live="polite"
      data-connection={state.kind}
    >
      <span aria-hidden="true">{glyph}</span> {text}
      {state.kind === "open" && state.expires
        ? <span class="muted">· token expires {state.expires.replace("T", " ").slice(0, 16)}Z</span>
        : null}
    </span>
  );
}

/** The sign-in form (token pasted; kept in sessionStorage, never in the URL). */
function SignIn(props: { message: string; expired: boolean; onToken: (token: string) => void }) {
  const [token, setToken] = useState("");
  return (
    <section class="panel signin" aria-labelledby="signin-title">
      <h2 id="signin-title">{props.expired ? "Your token expired" : "Sign in"}</h2>
      <p role="alert">{props.message}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) props.onToken(token.trim());
        }}
      >
        <label>
          Token{" "}
          <input
            type="password"
            autocomplete="off"
            value={token}
            onInput={(e) => setToken((e.currentTarget as HTMLInputElement).value)}
            required
          />
        </label>{" "}
        <button type="submit">Sign in</button>
      </form>
      <p class="muted">
        The token is kept for this tab only (sessionStorage) and sent when connecting.
      </p>
    </section>
  );
}

/** Props of the app. */
export interface AppProps {
  /** Saves a pasted token and reconnects. */
  readonly onToken: (token: string) => void;
  /** Forgets the token. */
  readonly onSignOut: () => void;
}

/** The app. */
export function App(props: AppProps) {
  const { client, token } = useServices();
  const [state, setState] = useState<ConnectionState>(client.state);
  useEffect(() => {
    const timer = setInterval(() => setState(client.state), 500);
    const stop = onClientState((s) => setState(s));
    return () => {
      clearInterval(timer);
      stop();
    };
  }, [client]);
  const [route, navigate] = useRoute();
  const now = useNow(5000);
  const fatal = state.kind === "fatal" ? state : undefined;
  const toggleView = (view: ViewName) => {
    const views = route.views.includes(view)
      ? route.views.filter((v) => v !== view)
      : VIEW_NAMES.filter((v) => v === view || route.views.includes(v));
    navigate({ ...route, views });
  };
  const openJob = (job: string) => navigate({ ...route, job });
  return (
    <div class="app">
      <header class="top">
        <h1>Overlap</h1>
        <ConnectionBadge state={state} now={now} />
        <span class="spacer" />
        <a class="top-link" href="/graphiql" title="Run GraphQL queries and subscriptions by hand">
          GraphiQL
        </a>
        <button
          type="button"
          aria-pressed={route.debug}
          onClick={() => navigate({ ...route, debug: !route.debug })}
        >
          Debug
        </button>
        {token() ? <button type="button" onClick={props.onSignOut}>Sign out</button> : null}
      </header>
      {fatal && fatal.why !== "error"
        ? (
          <main class="main single">
            <SignIn
              message={fatal.message}
              expired={fatal.why === "expired"}
              onToken={props.onToken}
            />
          </main>
        )
        : (
          <main class="main">
            {fatal ? <p class="error banner" role="alert">{fatal.message}</p> : null}
            <WorkflowsView
              selected={route.workflow}
              now={now}
              onOpen={(workflow) =>
                navigate({
                  ...route,
                  workflow,
                  job: undefined,
                  views: route.views.length ? route.views : ["tree"],
                })}
            />
            <div class="workspace">
              {route.workflow
                ? (
                  <nav class="view-tabs" aria-label="Views of this workflow">
                    <span class="workflow-title">{route.workflow}</span>
                    {VIEW_NAMES.map((view) => (
                      <button
                        type="button"
                        key={view}
                        aria-pressed={route.views.includes(view)}
                        data-toggle={view}
                        onClick={() => toggleView(view)}
                      >
                        {VIEW_LABELS[view]}
                      </button>
                    ))}
                  </nav>
                )
                : <p class="empty hint">Choose a workflow to see its tree, graph and table.</p>}
              <div class="panels">
                {route.workflow && route.views.includes("tree")
                  ? <TreeView workflowId={route.workflow} onJob={openJob} />
                  : null}
                {route.workflow && route.views.includes("graph")
                  ? <GraphView workflowId={route.workflow} />
                  : null}
                {route.workflow && route.views.includes("table")
                  ? <TableView workflowId={route.workflow} onJob={openJob} />
                  : null}
                {route.job
                  ? (
                    <JobView
                      jobId={route.job}
                      onClose={() => navigate({ ...route, job: undefined })}
                    />
                  )
                  : null}
                {route.debug ? <DebugView /> : null}
              </div>
            </div>
          </main>
        )}
    </div>
  );
}

const stateListeners = new Set<(state: ConnectionState) => void>();

/** Fans the client's state changes out to the app (the client takes one listener). */
export function publishClientState(state: ConnectionState): void {
  for (const listener of stateListeners) listener(state);
}

function onClientState(listener: (state: ConnectionState) => void): () => void {
  stateListeners.add(listener);
  return () => stateListeners.delete(listener);
}

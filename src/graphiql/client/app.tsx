/// <reference lib="dom" />
/** @jsxImportSource react */
/**
 * The GraphiQL page's React tree: GraphiQL itself, with Overlap's fetcher,
 * default tabs, a "Token" panel (a GraphiQL plugin) when the server has
 * tokens, and a link back to the UI at `/` in place of GraphiQL's logo.
 *
 * @module
 */
import { createContext, useContext, useEffect, useMemo, useRef, useState } from "react";
import { GraphiQL, type GraphiQLProps } from "graphiql";
import { DEFAULT_TABS, WORKFLOWS_QUERY } from "./default_query.ts";
import { createOverlapFetcher, webSocketUrl } from "./fetcher.ts";
import { forgetToken, readToken, saveToken } from "./token_store.ts";

type Plugin = NonNullable<GraphiQLProps["plugins"]>[number];

/** What the token panel shows and does. */
interface TokenState {
  /** The token in use, if any. */
  readonly token: string | undefined;
  /** Whether the server has tokens (so data needs one). */
  readonly needed: boolean;
  /** The last refusal, in words. */
  readonly problem: string | undefined;
  /** Stores and uses a pasted token; returns what is wrong with it, if anything. */
  save(raw: string): string | undefined;
  /** Forgets the token. */
  forget(): void;
}

const TokenContext = createContext<TokenState | null>(null);

function KeyIcon() {
  return (
    <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" fill="none">
      <circle cx="8" cy="15" r="4" stroke="currentColor" strokeWidth="1.5" />
      <path
        d="M11 12l8-8m-3 3l2.5 2.5M14 9l2 2"
        stroke="currentColor"
        strokeWidth="1.5"
        strokeLinecap="round"
      />
    </svg>
  );
}

function TokenPanel() {
  const state = useContext(TokenContext);
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<string | undefined>();
  if (state === null) return null;
  const status = state.token
    ? "A token is set for this tab. Queries send it as Authorization: Bearer; subscriptions send it in connection_init."
    : state.needed
    ? "This server needs a token: paste one with read scope to run queries and subscriptions."
    : "This server is open; no token is needed.";
  return (
    <section className="overlap-token" aria-labelledby="overlap-token-title">
      <div className="graphiql-doc-explorer-title" id="overlap-token-title">Token</div>
      <p className="overlap-token-status" data-state={state.token ? "set" : "unset"}>{status}</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const wrong = state.save(draft);
          setError(wrong);
          if (wrong === undefined) setDraft("");
        }}
      >
        <label htmlFor="overlap-token-input">{state.token ? "Replace token" : "Token"}</label>
        <input
          id="overlap-token-input"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={draft}
          onChange={(event) => setDraft(event.currentTarget.value)}
        />
        <div className="overlap-token-buttons">
          <button type="submit" className="graphiql-button">Use token</button>
          {state.token && (
            <button
              type="button"
              className="graphiql-button"
              onClick={() => {
                state.forget();
                setError(undefined);
              }}
            >
              Forget token
            </button>
          )}
        </div>
      </form>
      {error && <p role="alert" className="overlap-token-error">{error}</p>}
      {state.problem && <p role="alert" className="overlap-token-error">{state.problem}</p>}
      <p className="overlap-token-note">
        Kept in this tab's sessionStorage only, never in the URL; closing the tab forgets it.
      </p>
    </section>
  );
}

/** The token panel as a GraphiQL plugin (one object, so GraphiQL sees the same plugin every render). */
const TOKEN_PLUGIN: Plugin = { title: "Token", icon: KeyIcon, content: TokenPanel };

/** Properties of {@linkcode App}. */
export interface AppProps {
  /** Whether the server has tokens (the page's `overlap-auth` meta). */
  readonly tokenNeeded: boolean;
  /** Where the token is kept (default `sessionStorage`). */
  readonly storage?: Storage;
}

/**
 * GraphiQL connected to the server that served the page.
 *
 * @example
 * ```tsx ignore
 * createRoot(element).render(<App tokenNeeded />);
 * ```
 */
export function App({ tokenNeeded, storage = sessionStorage }: AppProps) {
  const [token, setToken] = useState(() => readToken(storage));
  const [problem, setProblem] = useState<string | undefined>();
  const current = useRef(token);
  current.current = token;
  const connection = useMemo(
    () =>
      createOverlapFetcher({
        httpUrl: "/graphql",
        wsUrl: webSocketUrl(location),
        token,
        tokenNeeded,
        // A late refusal of a replaced token must not blame the new one.
        onAuthProblem: (message) => current.current === token && setProblem(message),
      }),
    [token, tokenNeeded],
  );
  useEffect(() => () => void connection.dispose(), [connection]);
  const state = useMemo<TokenState>(() => ({
    token,
    needed: tokenNeeded,
    problem,
    save(raw) {
      try {
        setToken(saveToken(storage, raw));
        setProblem(undefined);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
    forget() {
      forgetToken(storage);
      setToken(undefined);
      setProblem(undefined);
    },
  }), [token, tokenNeeded, problem, storage]);
  const withPanel = tokenNeeded || token !== undefined;
  const openPanel = withPanel && ((tokenNeeded && token === undefined) || problem !== undefined);
  return (
    <TokenContext.Provider value={state}>
      <GraphiQL
        fetcher={connection.fetcher}
        defaultQuery={WORKFLOWS_QUERY}
        defaultTabs={DEFAULT_TABS.map((tab) => ({ ...tab }))}
        plugins={withPanel ? [TOKEN_PLUGIN] : []}
        visiblePlugin={openPanel ? TOKEN_PLUGIN : undefined}
        shouldPersistHeaders={false}
      >
        <GraphiQL.Logo>
          <a
            className="overlap-home"
            href="/"
            title="Back to the Overlap UI, which shows the workflows live"
          >
            ← Overlap UI
          </a>
        </GraphiQL.Logo>
      </GraphiQL>
    </TokenContext.Provider>
  );
}

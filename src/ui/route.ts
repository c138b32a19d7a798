/**
 * The page's place, kept in the URL's hash so it survives a reload and can
 * be linked: `#/w/<workflow>?views=tree,graph&job=<job id>&debug=1`.
 * Never a token: tokens stay out of URLs.
 *
 * @module
 */

/** The views a workflow can show. */
export const VIEW_NAMES = ["tree", "graph", "table"] as const;

/** One of {@linkcode VIEW_NAMES}. */
export type ViewName = typeof VIEW_NAMES[number];

/** Where the page is. */
export interface Route {
  /** The workflow open, if any. */
  readonly workflow: string | undefined;
  /** Its views open, in order. */
  readonly views: readonly ViewName[];
  /** The job whose detail is open, if any. */
  readonly job: string | undefined;
  /** Whether the debug panel is open. */
  readonly debug: boolean;
}

/**
 * Reads a route from a hash.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRoute } from "./route.ts";
 * const route = parseRoute("#/w/~u%2Ff?views=tree,graph,bogus&debug=1");
 * assert.equal(route.workflow, "~u/f");
 * assert.deepEqual(route.views, ["tree", "graph"]);
 * assert.equal(route.debug, true);
 * ```
 */
export function parseRoute(hash: string): Route {
  const [path, query = ""] = hash.replace(/^#/, "").split("?", 2);
  const params = new URLSearchParams(query);
  const match = /^\/w\/(.+)$/.exec(path);
  let workflow: string | undefined;
  try {
    workflow = match ? decodeURIComponent(match[1]) : undefined;
  } catch {
    workflow = undefined;
  }
  const views = (params.get("views") ?? (workflow ? "tree" : "")).split(",")
    .filter((v): v is ViewName => (VIEW_NAMES as readonly string[]).includes(v));
  return {
    workflow,
    views: [...new Set(views)],
    job: params.get("job") ?? undefined,
    debug: params.get("debug") === "1",
  };
}

/**
 * Writes a route as a hash.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRoute, parseRoute } from "./route.ts";
 * const hash = formatRoute({ workflow: "~u/f", views: ["table"], job: undefined, debug: false });
 * assert.equal(hash, "#/w/~u%2Ff?views=table");
 * assert.deepEqual(parseRoute(hash).views, ["table"]);
 * ```
 */
export function formatRoute(route: Route): string {
  const params = new URLSearchParams();
  if (route.workflow) params.set("views", route.views.join(","));
  if (route.job) params.set("job", route.job);
  if (route.debug) params.set("debug", "1");
  const query = params.toString().replaceAll("%2C", ",");
  const path = route.workflow ? `/w/${encodeURIComponent(route.workflow)}` : "/";
  return `#${path}${query ? `?${query}` : ""}`;
}

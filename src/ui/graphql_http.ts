/**
 * One-off GraphQL queries over HTTP (`POST /graphql`): the DAG layout and
 * job logs come from the cache, not from subscriptions. The token goes in
 * the `Authorization` header, never in the URL.
 *
 * @module
 */

/** Thrown when a query fails: the message says how (HTTP status or GraphQL errors). */
export class QueryError extends Error {
  /** The HTTP status, when the request got an answer. */
  readonly status: number | undefined;
  /** Creates the error. */
  constructor(message: string, status?: number) {
    super(message);
    this.name = "QueryError";
    this.status = status;
  }
}

/**
 * Runs `query` and returns its `data`.
 *
 * @throws {QueryError} for a refused request or a result with errors.
 *
 * @example
 * ```ts ignore
 * const data = await runQuery<{ dag: unknown }>("{ dag(workflowId: $id) { version } }", { id }, token);
 * ```
 */
export async function runQuery<T>(
  query: string,
  variables: Record<string, unknown>,
  token: string | undefined,
  fetcher: typeof fetch = fetch,
): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetcher("/graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new QueryError(`the server cannot be reached: ${(error as Error).message}`);
  }
  const body = await res.json().catch(() => ({})) as {
    data?: T;
    errors?: { message: string }[];
    error?: string;
  };
  if (!res.ok && body.data === undefined) {
    throw new QueryError(
      body.error ?? body.errors?.[0]?.message ?? `HTTP ${res.status}`,
      res.status,
    );
  }
  if (body.errors?.length) throw new QueryError(body.errors.map((e) => e.message).join("; "));
  return body.data as T;
}

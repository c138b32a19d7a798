/**
 * Whole servers for end-to-end tests, on every database the tests run on:
 * embedded PGlite in memory always, and a fresh database on the real
 * PostgreSQL server when `TEST_DATABASE_URL` is set.
 *
 * @module
 */
import { type Config, loadConfig } from "../src/config.ts";
import { type LogLevel, silentLogger } from "../src/log.ts";
import { createLogger } from "../src/log.ts";
import { type RunningServer, type StartOptions, startServer } from "../src/server.ts";
import { dbCases } from "./db_fixture.ts";

/** A started server and how to clean it up. */
export interface TestServer {
  /** The server. */
  readonly server: RunningServer;
  /** `ws://…/graphql`. */
  readonly wsUrl: string;
  /** The database URL (postgres only), for a second instance. */
  readonly databaseUrl?: string;
  /** POSTs a JSON body to `path`, returning status and parsed body. */
  post(
    path: string,
    body: unknown,
    token?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Stops the server and drops its database. */
  stop(): Promise<void>;
}

/** One database kind to run a server on. */
export interface ServerCase {
  /** `pglite` or `postgres`. */
  readonly name: "pglite" | "postgres";
  /** Starts a server with `env` over the test defaults. */
  start(env?: Record<string, string>, options?: StartOptions): Promise<TestServer>;
}

/** Test configuration: port 0, in-memory PGlite, quiet logs. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig(
    new Map(Object.entries({ OVERLAP_PORT: "0", OVERLAP_DATA_DIR: "memory://", ...env })),
  );
}

/** Posts JSON to a server. */
export async function postJson(
  url: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

function wrap(server: RunningServer, drop: () => Promise<void>, databaseUrl?: string): TestServer {
  return {
    server,
    wsUrl: server.url.replace("http", "ws") + "/graphql",
    databaseUrl,
    post: (path, body, token) => postJson(server.url + path, body, token),
    async stop() {
      await server.close();
      await drop();
    },
  };
}

/** The server cases: PGlite always, PostgreSQL when `TEST_DATABASE_URL` is set. */
export function serverCases(level?: LogLevel): ServerCase[] {
  const log = level ? createLogger("test", level) : silentLogger;
  return dbCases().map((dbCase) => ({
    name: dbCase.name,
    async start(env = {}, options = {}) {
      if (dbCase.name === "pglite") {
        const server = await startServer(testConfig(env), { log, ...options });
        return wrap(server, () => Promise.resolve());
      }
      const opened = await dbCase.open();
      // The fixture's own connection is not needed: the server opens its own.
      const url = opened.url!;
      const server = await startServer(testConfig({ ...env, DATABASE_URL: url }), {
        log,
        ...options,
      });
      return wrap(server, () => opened.drop(), url);
    },
  }));
}

export { waitFor } from "./db_fixture.ts";

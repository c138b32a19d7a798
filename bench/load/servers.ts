/**
 * The servers a load run drives, each in a process of its own (so its RSS
 * and CPU are its own): Overlap (`main.ts`) or the peer
 * (`bench/peer/main.ts`), over embedded PGlite in a temporary directory or a
 * fresh database on the PostgreSQL server of `DATABASE_URL`, which the run
 * creates and drops.
 *
 * @module
 */
import postgres from "postgres";
import { withDatabase } from "../../tests/db_fixture.ts";
import type { PeerTransport } from "../peer/peer_server.ts";
import { backendPids, cpuSecondsOf } from "./proc.ts";

/** Which server. */
export type ServerKind = "overlap" | "peer";

/** A server process. */
export interface ServerProcess {
  /** What runs in it. */
  readonly kind: ServerKind;
  /** Its process id (for /proc). */
  readonly pid: number;
  /** `http://127.0.0.1:port`. */
  readonly url: string;
  /** `ws://…/graphql`. */
  readonly wsUrl: string;
  /** Stops it (SIGTERM) and removes its data directory. */
  stop(): Promise<void>;
}

/** Options of {@linkcode startServerProcess}. */
export interface ServerProcessOptions {
  /** Overlap or the peer. */
  readonly kind: ServerKind;
  /** The peer's transport (ignored for Overlap). */
  readonly transport?: PeerTransport;
  /** `postgres://…` of the database to use; PGlite in a temporary directory when absent. */
  readonly databaseUrl?: string;
  /** `OVERLAP_MAX_CONNECTIONS`. */
  readonly maxConnections: number;
  /** Extra V8 or Deno flags, such as `--inspect=127.0.0.1:9229`. */
  readonly denoFlags?: readonly string[];
  /** Overlap checkout to run `main.ts` from (this one by default). */
  readonly root?: string;
}

/**
 * A free TCP port on loopback (closed again, so there is a small race).
 *
 * @example
 * ```ts
 * import { freePort } from "./servers.ts";
 * console.assert(freePort() > 0);
 * ```
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

const ROOT = new URL("../../", import.meta.url);

/**
 * Starts a server process and waits until `/healthz` answers (at most 60 s).
 *
 * @throws {Error} when the process exits or does not answer in time.
 *
 * @example
 * ```ts ignore
 * const server = await startServerProcess({ kind: "peer", transport: "ws", maxConnections: 100 });
 * console.log(server.url, server.wsUrl);
 * await server.stop();
 * ```
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = freePort();
  const wsPort = freePort();
  const dataDir = await Deno.makeTempDir({ prefix: `overlap-load-${options.kind}-` });
  const env: Record<string, string> = {
    OVERLAP_PORT: String(port),
    OVERLAP_DATA_DIR: dataDir,
    OVERLAP_LOG_LEVEL: "warn",
    OVERLAP_SIMULATOR: "0",
    OVERLAP_MAX_CONNECTIONS: String(options.maxConnections),
    PEER_TRANSPORT: options.transport ?? "ws",
    PEER_WS_PORT: String(wsPort),
  };
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  const entry = options.kind === "overlap" ? "main.ts" : "bench/peer/main.ts";
  const root = options.kind === "overlap" && options.root
    ? new URL(`file://${Deno.realPathSync(options.root)}/`)
    : ROOT;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--max-old-space-size=4096",
      ...(options.denoFlags ?? []),
      new URL(entry, root).pathname,
    ],
    cwd: root.pathname,
    env,
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  const wsUrl = options.kind === "peer" && (options.transport ?? "ws") === "ws"
    ? `ws://127.0.0.1:${wsPort}/graphql`
    : `ws://127.0.0.1:${port}/graphql`;
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    await status;
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  };
  const deadline = Date.now() + 60_000;
  while (true) {
    if (exited) {
      await stop();
      throw new Error(`the ${options.kind} server exited before answering /healthz`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      await res.body?.cancel();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the ${options.kind} server did not answer /healthz within 60 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { kind: options.kind, pid: child.pid, url, wsUrl, stop };
}

/** A database created for one run on the PostgreSQL server of an admin URL. */
export interface RunDatabase {
  /** `postgres://…/<name>`. */
  readonly url: string;
  /** CPU seconds used so far by this database's backends (those alive now). */
  backendCpuSeconds(): Promise<number>;
  /** Drops it (terminating leftover connections). */
  drop(): Promise<void>;
}

let created = 0;

/**
 * Creates an empty database named `overlap_load_<pid>_<n>` on the server of
 * `adminUrl` (which must allow `create database`).
 *
 * @example
 * ```ts ignore
 * const db = await createRunDatabase(Deno.env.get("DATABASE_URL")!);
 * // … start servers on db.url …
 * await db.drop();
 * ```
 */
export async function createRunDatabase(adminUrl: string): Promise<RunDatabase> {
  const name = `overlap_load_${Deno.pid}_${created++}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const query = (text: string, params: unknown[]) =>
    admin.unsafe(text, params as never[]) as unknown as Promise<{ pid: number }[]>;
  return {
    url: withDatabase(adminUrl, name),
    async backendCpuSeconds() {
      return cpuSecondsOf(await backendPids(query, name));
    },
    async drop() {
      await admin.unsafe(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1",
        [name],
      );
      await admin.unsafe(`drop database if exists ${name}`);
      await admin.end();
    },
  };
}

/** What {@linkcode withServers} starts. */
export interface ServerSet {
  /** The server processes. */
  readonly servers: readonly ServerProcess[];
  /** The run's database on PostgreSQL (absent on PGlite). */
  readonly database?: RunDatabase;
}

/**
 * Runs `body` with `count` server processes of one kind over one fresh
 * database (on the PostgreSQL server of `adminUrl`, or each on its own
 * PGlite when `adminUrl` is absent, so `count` must then be 1), and cleans
 * everything up afterwards, also when `body` throws.
 *
 * @example
 * ```ts ignore
 * await withServers({ kind: "overlap", count: 2, adminUrl, maxConnections: 10_000 }, async ({ servers }) => {
 *   console.log(servers.map((s) => s.wsUrl));
 * });
 * ```
 */
export async function withServers<T>(
  options: Omit<ServerProcessOptions, "databaseUrl"> & {
    readonly count: number;
    readonly adminUrl?: string;
  },
  body: (set: ServerSet) => Promise<T>,
): Promise<T> {
  if (options.count > 1 && !options.adminUrl) {
    throw new TypeError(
      "several instances share one database: set DATABASE_URL to a PostgreSQL server",
    );
  }
  const database = options.adminUrl ? await createRunDatabase(options.adminUrl) : undefined;
  const servers: ServerProcess[] = [];
  try {
    for (let i = 0; i < options.count; i++) {
      servers.push(await startServerProcess({ ...options, databaseUrl: database?.url }));
    }
    return await body({ servers, database });
  } finally {
    for (const server of servers) await server.stop();
    await database?.drop();
  }
}

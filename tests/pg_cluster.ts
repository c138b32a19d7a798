/**
 * A throwaway PostgreSQL cluster for tests that stop and start the database
 * server itself (the outage test): `initdb` in a temp dir, `pg_ctl start`
 * on a free loopback port with its socket in that dir, `stop`/`start` at
 * will, `destroy` removes everything. Starts in under a second.
 *
 * `initdb` and `postgres` refuse to run as root, so as root the commands run
 * as the `postgres` user (`runuser -u postgres --`) on a dir it owns.
 *
 * @module
 */

/** Where Debian puts the server binaries; the newest version is used. */
const BIN_ROOT = "/usr/lib/postgresql";

/**
 * The directory holding `initdb` and `pg_ctl`, or `undefined` when the
 * PostgreSQL server binaries are not installed.
 *
 * @example
 * ```ts
 * import { postgresBinaries } from "./pg_cluster.ts";
 * const bin = postgresBinaries(); // "/usr/lib/postgresql/15/bin" on Debian 12
 * ```
 */
export function postgresBinaries(): string | undefined {
  let versions: number[];
  try {
    versions = [...Deno.readDirSync(BIN_ROOT)]
      .map((entry) => Number(entry.name))
      .filter((version) => Number.isInteger(version))
      .sort((a, b) => b - a);
  } catch {
    return undefined;
  }
  for (const version of versions) {
    const bin = `${BIN_ROOT}/${version}/bin`;
    try {
      Deno.statSync(`${bin}/initdb`);
      Deno.statSync(`${bin}/pg_ctl`);
      return bin;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** A running (or stopped) throwaway cluster. */
export interface Cluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  /** The TCP port. */
  readonly port: number;
  /** Its directory (data, socket, server log). */
  readonly dir: string;
  /** Stops the server (`pg_ctl stop -m fast`: sessions are cut at once). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it if running and removes its directory. */
  destroy(): Promise<void>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function run(command: string, args: string[], asPostgres: boolean): Promise<void> {
  const [cmd, argv] = asPostgres
    ? ["runuser", ["-u", "postgres", "--", command, ...args]]
    : [command, args];
  const output = await new Deno.Command(cmd, { args: argv, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    const text = new TextDecoder().decode(output.stderr) ||
      new TextDecoder().decode(output.stdout);
    throw new Error(`${command} ${args.join(" ")} failed (exit ${output.code}): ${text.trim()}`);
  }
}

async function uidOf(user: string): Promise<number> {
  const output = await new Deno.Command("id", { args: ["-u", user], stdout: "piped" }).output();
  const uid = Number(new TextDecoder().decode(output.stdout).trim());
  if (!output.success || !Number.isInteger(uid)) {
    throw new Error(`user ${user} not found; it is needed to run PostgreSQL as root`);
  }
  return uid;
}

/**
 * Creates and starts a cluster with trust authentication for `postgres`.
 *
 * @throws {Error} when the binaries are missing or `initdb`/`pg_ctl` fail (with their output).
 *
 * @example
 * ```ts ignore
 * const cluster = await startCluster();
 * await cluster.stop();  // the database goes away
 * await cluster.start(); // and comes back
 * await cluster.destroy();
 * ```
 */
export async function startCluster(): Promise<Cluster> {
  const bin = postgresBinaries();
  if (bin === undefined) {
    throw new Error(`PostgreSQL server binaries not found under ${BIN_ROOT}/<version>/bin`);
  }
  const asPostgres = Deno.uid() === 0;
  const dir = await Deno.makeTempDir({ prefix: "overlap_pg_" });
  if (asPostgres) await Deno.chown(dir, await uidOf("postgres"), null);
  const data = `${dir}/data`;
  const port = freePort();
  let running = false;
  const pgCtl = (...args: string[]) => run(`${bin}/pg_ctl`, ["-D", data, ...args], asPostgres);
  const cluster: Cluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    async start() {
      await pgCtl(
        "-o",
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
        "-l",
        `${dir}/server.log`,
        "-w",
        "start",
      );
      running = true;
    },
    async stop() {
      await pgCtl("-m", "fast", "-w", "stop");
      running = false;
    },
    async destroy() {
      try {
        if (running) await cluster.stop();
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  };
  try {
    await run(`${bin}/initdb`, ["-D", data, "--auth=trust", "-U", "postgres"], asPostgres);
    await cluster.start();
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
  return cluster;
}

/**
 * A test that needs a throwaway cluster: reported as ignored (saying why)
 * where the PostgreSQL server binaries are missing, except in CI
 * (`CI=true`), where their absence fails the test.
 *
 * @example
 * ```ts ignore
 * Deno.test(clusterTest("outage: …", async () => {
 *   const cluster = await startCluster();
 *   // …
 * }));
 * ```
 */
export function clusterTest(name: string, fn: () => Promise<void>): Deno.TestDefinition {
  const found = postgresBinaries() !== undefined;
  const ci = Deno.env.get("CI") === "true";
  return {
    name: found || ci ? name : `${name} [ignored: no PostgreSQL server binaries under ${BIN_ROOT}]`,
    ignore: !found && !ci,
    async fn() {
      if (!found) {
        throw new Error(
          `PostgreSQL server binaries are missing under ${BIN_ROOT} (apt-get install postgresql)`,
        );
      }
      await fn();
    },
  };
}

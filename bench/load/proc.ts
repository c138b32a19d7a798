/**
 * What the load benchmark reads from `/proc` (Linux only): a process's
 * resident memory and CPU time, and the machine's busy time, so the tables
 * show which process saturates the cores.
 *
 * @module
 */

/**
 * Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`; 100 on Linux).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CLOCK_TICKS } from "./proc.ts";
 * assert.equal(CLOCK_TICKS, 100);
 * ```
 */
export const CLOCK_TICKS = 100;

/**
 * The resident set size of process `pid`, in KiB (`VmRSS`).
 *
 * @throws {Deno.errors.NotFound} when the process is gone.
 *
 * @example
 * ```ts
 * import { rssKiB } from "./proc.ts";
 * console.assert(rssKiB(Deno.pid) > 0);
 * ```
 */
export function rssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const match = /VmRSS:\s+(\d+)/.exec(status);
  if (!match) throw new TypeError(`/proc/${pid}/status has no VmRSS line`);
  return Number(match[1]);
}

/**
 * CPU seconds (user + system, every thread) process `pid` has used so far.
 *
 * @example
 * ```ts
 * import { cpuSeconds } from "./proc.ts";
 * console.assert(cpuSeconds(Deno.pid) >= 0);
 * ```
 */
export function cpuSeconds(pid: number): number {
  return parseCpuSeconds(Deno.readTextFileSync(`/proc/${pid}/stat`));
}

/**
 * Reads utime + stime from the text of `/proc/<pid>/stat`. The command name
 * (field 2) may hold spaces and parentheses, so fields are counted after its
 * last `)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCpuSeconds } from "./proc.ts";
 * const stat = "42 (a (b) c) S 1 1 1 0 -1 0 0 0 0 0 250 50 0 0 20 0 1 0";
 * assert.equal(parseCpuSeconds(stat), 3);
 * ```
 */
export function parseCpuSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 (utime) and 15 (stime) of the whole line; the rest starts at field 3.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new TypeError(`not a /proc/<pid>/stat line: ${JSON.stringify(stat.slice(0, 80))}`);
  }
  return (utime + stime) / CLOCK_TICKS;
}

/** Busy and total CPU time of the whole machine, in seconds over all cores. */
export interface MachineCpu {
  /** Time not idle (user, nice, system, irq, softirq, steal). */
  readonly busy: number;
  /** All time, idle and iowait included. */
  readonly total: number;
}

/**
 * The machine's CPU counters so far (first line of `/proc/stat`).
 *
 * @example
 * ```ts
 * import { machineCpu } from "./proc.ts";
 * const { busy, total } = machineCpu();
 * console.assert(busy <= total);
 * ```
 */
export function machineCpu(): MachineCpu {
  return parseMachineCpu(Deno.readTextFileSync("/proc/stat"));
}

/**
 * Parses the `cpu` line of `/proc/stat`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMachineCpu } from "./proc.ts";
 * assert.deepEqual(parseMachineCpu("cpu  100 0 50 800 50 0 0 0 0 0\n"), { busy: 1.5, total: 10 });
 * ```
 */
export function parseMachineCpu(text: string): MachineCpu {
  const line = text.split("\n", 1)[0];
  if (!line.startsWith("cpu ")) throw new TypeError("/proc/stat does not start with a cpu line");
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1)
    .map(Number);
  const busy = user + nice + system + irq + softirq + (steal || 0);
  return { busy: busy / CLOCK_TICKS, total: (busy + idle + iowait) / CLOCK_TICKS };
}

/**
 * Process ids of the PostgreSQL backends serving database `name`, read
 * through `sql` (a postgres.js connection to the same server), so their CPU
 * can be counted as the database's.
 *
 * @example
 * ```ts ignore
 * const pids = await backendPids(sql, "overlap_load_123");
 * ```
 */
export async function backendPids(
  query: (text: string, params: unknown[]) => Promise<{ pid: number }[]>,
  name: string,
): Promise<number[]> {
  const rows = await query("select pid from pg_stat_activity where datname = $1", [name]);
  return rows.map((row) => Number(row.pid));
}

/**
 * CPU seconds of several processes; those that are gone (or not readable)
 * count as 0, since backends come and go.
 *
 * @example
 * ```ts
 * import { cpuSecondsOf } from "./proc.ts";
 * console.assert(cpuSecondsOf([Deno.pid, 2 ** 30]) >= 0);
 * ```
 */
export function cpuSecondsOf(pids: readonly number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      sum += cpuSeconds(pid);
    } catch {
      // gone
    }
  }
  return sum;
}

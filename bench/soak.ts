/**
 * `deno task soak`: the soak benchmark (issue 12, part 6). See
 * `soak_runner.ts` for what it does.
 *
 *   deno task soak [--seconds 600] [--clients 1000] [--out ./soak-out] [--seed 1]
 *
 * `DATABASE_URL=postgres://…` (an empty database) runs it on PostgreSQL;
 * by default the server uses embedded PGlite in a temporary directory.
 * Prints progress, then the report; exits 1 when a frame was lost.
 *
 * @module
 */
import { runSoak } from "./soak_runner.ts";
import { markdownReport } from "./soak_report.ts";

/**
 * Reads `--name value` pairs.
 *
 * @throws {TypeError} for an unknown flag or a value that is not a positive integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSoakArgs } from "./soak.ts";
 * assert.deepEqual(parseSoakArgs(["--seconds", "60"]), { seconds: 60, clients: 1000, out: "./soak-out", seed: 1 });
 * assert.throws(() => parseSoakArgs(["--seconds", "x"]), TypeError);
 * ```
 */
export function parseSoakArgs(
  args: readonly string[],
): { seconds: number; clients: number; out: string; seed: number } {
  const options = { seconds: 600, clients: 1000, out: "./soak-out", seed: 1 };
  for (let i = 0; i < args.length; i += 2) {
    const [name, value] = [args[i], args[i + 1]];
    if (name === "--out" && value) {
      options.out = value;
      continue;
    }
    if (name !== "--seconds" && name !== "--clients" && name !== "--seed") {
      throw new TypeError(
        `unknown option ${
          JSON.stringify(name)
        }; expected --seconds N, --clients N, --out DIR, --seed N`,
      );
    }
    if (!/^\d+$/.test(value ?? "") || Number(value) < 1) {
      throw new TypeError(`${name} must be a positive whole number, got ${JSON.stringify(value)}`);
    }
    options[name.slice(2) as "seconds" | "clients" | "seed"] = Number(value);
  }
  return options;
}

if (import.meta.main) {
  let options;
  try {
    options = parseSoakArgs(Deno.args);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
  const report = await runSoak({
    ...options,
    databaseUrl: Deno.env.get("DATABASE_URL") || undefined,
    command: `deno task soak ${Deno.args.join(" ")}`.trim(),
    progress: (line) => console.error(line),
  });
  console.log(markdownReport(report));
  console.log(
    `report: ${options.out}/soak.json, ${options.out}/soak.md, ${options.out}/soak-memory.svg`,
  );
  if (report.loss.lost > 0 || report.loss.corrupt > 0 || report.loss.extra > 0) Deno.exit(1);
}

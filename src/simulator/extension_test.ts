import { assert, assertEquals } from "../../tests/assert.ts";
import { loadConfig } from "../config.ts";
import type { Queryable } from "../db/database.ts";
import { createLogger, silentLogger } from "../log.ts";
import { simulatorExtension } from "./extension.ts";

const NO_TIMERS = { setTimeout: () => 0, clearTimeout: () => {} };
/** A database holding no workflow but the simulator's. */
const empty: Queryable = {
  query: <T>() => Promise.resolve([{ other: false }] as T[]),
};

Deno.test("the simulator starts only once the server listens, and stops with close()", async () => {
  const config = loadConfig(new Map([["OVERLAP_SIMULATOR", "1"]]));
  const sim = await simulatorExtension(config, empty, silentLogger, {
    tokensConfigured: false,
    simulator: { scheduler: NO_TIMERS, seed: 1 },
  });
  assertEquals([sim.simulator, sim.status?.()], [undefined, { simulator: "off" }]);
  await sim.onListen?.("http://127.0.0.1:9");
  assert(sim.simulator !== undefined);
  assertEquals(sim.status?.(), { simulator: "running" });
  await sim.close?.();
});

Deno.test("OVERLAP_SIMULATOR=0 never starts it", async () => {
  const config = loadConfig(new Map([["OVERLAP_SIMULATOR", "0"]]));
  const sim = await simulatorExtension(config, empty, silentLogger, { tokensConfigured: false });
  await sim.onListen?.("http://127.0.0.1:9");
  assertEquals(sim.simulator, undefined);
});

Deno.test("with tokens configured and no OVERLAP_SIMULATOR_TOKEN it says why it does not start", async () => {
  const lines: string[] = [];
  const log = createLogger("t", "info", (line) => lines.push(line));
  const config = loadConfig(new Map([["OVERLAP_SIMULATOR", "1"]]));
  const sim = await simulatorExtension(config, empty, log, { tokensConfigured: true });
  await sim.onListen?.("http://127.0.0.1:9");
  assertEquals(sim.simulator, undefined);
  assert(lines.some((l) => l.includes("OVERLAP_SIMULATOR_TOKEN is not set")), lines.join("\n"));
  // With the token it starts.
  const withToken = await simulatorExtension(
    loadConfig(new Map([["OVERLAP_SIMULATOR", "1"], ["OVERLAP_SIMULATOR_TOKEN", "t".repeat(20)]])),
    empty,
    log,
    { tokensConfigured: true, simulator: { scheduler: NO_TIMERS } },
  );
  await withToken.onListen?.("http://127.0.0.1:9");
  assert(withToken.simulator !== undefined);
  await withToken.close?.();
});

import { Registry } from "prom-client";
import { assert } from "../../tests/assert.ts";
import { parseSubscription } from "../../wasm/mod.ts";
import { registerProcessMetrics } from "./process_metrics.ts";

Deno.test("registerProcessMetrics: process memory and the engine's live bytes, read at each scrape", async () => {
  const registry = new Registry();
  registerProcessMetrics(registry);
  const read = async (name: string) => {
    const text = await registry.metrics();
    return Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)![1]);
  };
  const rss = await read("overlap_process_resident_memory_bytes");
  const usage = Deno.memoryUsage();
  assert(rss > usage.rss / 2 && rss < usage.rss * 2, `rss ${rss} vs ${usage.rss}`);
  const before = await read("overlap_engine_live_bytes");
  using _set = parseSubscription("subscription { workflows { id status } }");
  assert(
    await read("overlap_engine_live_bytes") > before,
    "a live set shows in the engine's bytes",
  );
});

/**
 * Actions that exist only in test mode, to make each failure mode of a
 * worker reproducible without timing tricks. They are never loaded unless
 * the server was started with its test switch (see registry.ts).
 *
 * @module
 */
import type { Action, ActionContext, ActionEntry } from "./action.ts";

/** Waits until `<testDir>/<gate>` exists, when the payload names a gate (tests open it). */
async function passGate(context: ActionContext): Promise<void> {
  const gate = context.payload.gate;
  if (typeof gate !== "string") return;
  while (true) {
    try {
      await Deno.stat(`${context.settings.testDir}/${gate}`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

function entries(context: ActionContext, body: Uint8Array | string): ActionEntry[] {
  return context.keys.map((key) => ({ key, meta: { test: true }, body }));
}

/**
 * The test actions by name:
 * - `test:sleep {ms, forever, gate}`: reports progress 0, waits for the gate file, then `ms`
 *   (forever: never finishes);
 * - `test:throw`: throws;
 * - `test:crash {signal}`: exits 3 without a result, or kills itself with `signal`;
 * - `test:garbage`: writes a manifest that is not JSON and exits 0;
 * - `test:count {counter, bytes, gate}`: waits for the gate, appends a line to
 *   `<testDir>/<counter>`, returns `bytes` bytes;
 * - `test:bytes {bytes}`: returns `bytes` bytes per key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TEST_ACTIONS } from "./test_actions.ts";
 * const [entry] = await TEST_ACTIONS["test:bytes"]({
 *   keys: ["k"], payload: { bytes: 3 }, jobDir: "", progress: () => {},
 *   settings: { artifactRoots: [], logRoots: [], artifactMaxBytes: 1, artifactHosts: [], s3Region: "x" },
 * });
 * assert((entry.body as Uint8Array).length === 3);
 * ```
 */
export const TEST_ACTIONS: Record<string, Action> = {
  "test:sleep": async (context) => {
    context.progress(0, "started");
    await passGate(context);
    const ms = Number(context.payload.ms ?? 0);
    await new Promise((resolve) => {
      if (context.payload.forever !== true) setTimeout(resolve, ms);
      else setInterval(() => {}, 60_000); // keeps the worker alive until it is killed
    });
    context.progress(1, "finished");
    return entries(context, "slept");
  },
  "test:throw": () => {
    throw new Error("test:throw was asked to throw");
  },
  "test:crash": (context) => {
    const signal = context.payload.signal as Deno.Signal | undefined;
    if (signal !== undefined) Deno.kill(Deno.pid, signal);
    Deno.exit(3);
  },
  "test:garbage": (context) => {
    Deno.writeTextFileSync(`${context.jobDir}/manifest.json`, "{not json at all");
    console.log("\u0000\u0001 garbage on stdout");
    Deno.exit(0);
  },
  "test:count": async (context) => {
    context.progress(0, "started");
    await passGate(context);
    const counter = String(context.payload.counter ?? "count");
    await Deno.writeTextFile(`${context.settings.testDir}/${counter}`, `${Deno.pid}\n`, {
      append: true,
    });
    return entries(context, new Uint8Array(Number(context.payload.bytes ?? 1)));
  },
  "test:bytes": (context) =>
    Promise.resolve(entries(context, new Uint8Array(Number(context.payload.bytes ?? 1)))),
};

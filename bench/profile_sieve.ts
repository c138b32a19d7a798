/**
 * Where the time of (a) `Sieve.filter` goes, on each benchmark fixture (see
 * `setup.ts`):
 *
 * ```sh
 * deno run --allow-read --allow-env bench/profile_sieve.ts [path/to/overlap.wasm]
 * ```
 *
 * The optional path profiles another build (say, an experiment in a scratch
 * copy of `crates/`) against the same fixtures.
 *
 * `wasm/mod.ts` does not expose the engine's raw exports (rightly), so this
 * script instantiates `wasm/overlap.wasm` a second time and drives its C ABI
 * the same way `mod.ts` does. That lets it time the parts separately:
 * copying the delta in, the engine's parse, the per-set walk inside wasm,
 * and the JS side turning the packed output into a `Map` of strings. It
 * mirrors `mod.ts`'s private ABI, so it must follow that file if it changes.
 *
 * @module
 */
import { type Fixture, FIXTURES, makeFixture, type SubscriptionFixture } from "./fixtures.ts";
import { compileSubscription, filterDelta } from "./ts_filter.ts";

/** The raw exports of `overlap.wasm` that the profile uses. */
interface RawEngine {
  memory: WebAssembly.Memory;
  ov_input(len: number): number;
  ov_vars(len: number): number;
  ov_out_ptr(): number;
  ov_out_len(): number;
  ov_parse(len: number, varsLen: number): number;
  ov_set_free(handle: number): void;
  ov_sieve_new(): number;
  ov_sieve_add(sieve: number, set: number): number;
  ov_sieve_filter(sieve: number, len: number): number;
  ov_filtered_text_ptr(): number;
  ov_filtered_text_len(): number;
  ov_filtered_index_ptr(): number;
  ov_filtered_ascii(): number;
}

/** One line of the profile: what was timed, and its median per run. */
export interface ProfileRow {
  /** What was timed. */
  readonly part: string;
  /** Median milliseconds per run. */
  readonly ms: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function instantiate(wasmPath?: string): Promise<RawEngine> {
  const bytes = await Deno.readFile(wasmPath ?? new URL("../wasm/overlap.wasm", import.meta.url));
  const { instance } = await WebAssembly.instantiate(bytes, {});
  return instance.exports as unknown as RawEngine;
}

function write(engine: RawEngine, text: string, reserve: (len: number) => number): number {
  const bytes = encoder.encode(text);
  // Reserve first: it may grow the memory, which detaches older views.
  const ptr = reserve(bytes.length);
  new Uint8Array(engine.memory.buffer, ptr, bytes.length).set(bytes);
  return bytes.length;
}

function fillSieve(engine: RawEngine, subs: readonly SubscriptionFixture[]): number {
  const sieve = engine.ov_sieve_new();
  for (const { query, variables } of subs) {
    const len = write(engine, query, engine.ov_input);
    const varsLen = variables === undefined
      ? 0
      : write(engine, JSON.stringify(variables), engine.ov_vars);
    const set = engine.ov_parse(len, varsLen);
    if (set === 0) throw new Error(`engine refused: ${query}`);
    engine.ov_sieve_add(sieve, set);
    engine.ov_set_free(set);
  }
  return sieve;
}

/** Median ms per call of `fn`, over `rounds` batches after a warm-up. */
function median(fn: () => unknown, rounds = 60, batch = 10): number {
  for (let i = 0; i < batch * 5; i++) fn();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    samples.push((performance.now() - t0) / batch);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

/**
 * Times the parts of a `Sieve.filter` call on `fixture` and, for scale, of
 * the TS baseline (b). `wasmPath` profiles another build of the engine.
 *
 * @example
 * ```ts ignore
 * import { profileSieve } from "./profile_sieve.ts";
 * for (const row of await profileSieve("highOverlap")) console.log(row.part, row.ms);
 * ```
 */
export async function profileSieve(
  fixture: Fixture = "mixed",
  wasmPath?: string,
): Promise<ProfileRow[]> {
  const engine = await instantiate(wasmPath);
  const { deltaJson, subscriptions: subs } = makeFixture(fixture);
  const full = fillSieve(engine, subs);
  const empty = engine.ov_sieve_new();
  // The sets the delta does not overlap: a walk that writes nothing.
  const delta = JSON.parse(deltaJson);
  const compiled = subs.map((s) => compileSubscription(s.query, s.variables));
  const misses = fillSieve(
    engine,
    subs.filter((_, i) => filterDelta(delta, compiled[i]) === undefined),
  );
  const hits = fillSieve(
    engine,
    subs.filter((_, i) => filterDelta(delta, compiled[i]) !== undefined),
  );

  const input = () => {
    const ptr = engine.ov_input(deltaJson.length);
    return encoder.encodeInto(
      deltaJson,
      new Uint8Array(engine.memory.buffer, ptr, deltaJson.length),
    )
      .written;
  };
  const len = input();
  const rows: ProfileRow[] = [];
  const row = (part: string, fn: () => unknown) => rows.push({ part, ms: median(fn) });

  row("copy the delta into wasm (encodeInto)", input);
  row("engine: parse only (empty sieve)", () => engine.ov_sieve_filter(empty, len));
  row(
    `engine: parse + walk, ${subs.length - hitsCount(engine, hits, len)} non-overlapping sets`,
    () => engine.ov_sieve_filter(misses, len),
  );
  row("engine: parse + walk + write, overlapping sets", () => engine.ov_sieve_filter(hits, len));
  row(
    `engine: parse + walk + write, all ${subs.length} sets`,
    () => engine.ov_sieve_filter(full, len),
  );

  // The JS side of Sieve.filter, on a copy of the real output: the text of
  // every overlap back to back, and (id, start, end) triples indexing it.
  const count = engine.ov_sieve_filter(full, len);
  const buffer = engine.memory.buffer;
  const text = new Uint8Array(buffer, engine.ov_filtered_text_ptr(), engine.ov_filtered_text_len())
    .slice();
  const index = new Uint32Array(buffer, engine.ov_filtered_index_ptr(), count * 3).slice();
  const ascii = engine.ov_filtered_ascii() === 1;
  row(`JS: decode ${count} results (${text.length} bytes) one by one`, () => {
    const texts: string[] = [];
    for (let n = 0; n < count * 3; n += 3) {
      texts.push(decoder.decode(text.subarray(index[n + 1], index[n + 2])));
    }
    return texts;
  });
  if (ascii) {
    row("JS: decode runs of at most 64 KiB, slice per result (as Sieve.filter)", () => {
      const texts: string[] = [];
      for (let n = 0; n < count * 3;) {
        const from = index[n + 1];
        let last = n;
        while (last + 3 < count * 3 && index[last + 5] - from <= 65536) last += 3;
        const run = decoder.decode(text.subarray(from, index[last + 2]));
        for (; n <= last; n += 3) texts.push(run.slice(index[n + 1] - from, index[n + 2] - from));
      }
      return texts;
    });
  }

  row("TS (b): JSON.parse", () => JSON.parse(deltaJson));
  row(`TS (b): walk all ${subs.length} sets (no stringify)`, () => {
    for (const set of compiled) filterDelta(delta, set);
  });
  const outputs = compiled.map((set) => filterDelta(delta, set)).filter((r) => r !== undefined);
  row(`TS (b): JSON.stringify ${outputs.length} results`, () => {
    for (const r of outputs) JSON.stringify(r);
  });
  return rows;
}

function hitsCount(engine: RawEngine, hits: number, len: number): number {
  return engine.ov_sieve_filter(hits, len);
}

if (import.meta.main) {
  for (const fixture of FIXTURES) {
    const rows = await profileSieve(fixture, Deno.args[0]);
    const width = Math.max(...rows.map((r) => r.part.length));
    console.log(`\n${fixture}\n`);
    console.log(`| ${"part".padEnd(width)} | median ms |`);
    console.log(`| ${"-".repeat(width)} | --------: |`);
    for (const { part, ms } of rows) {
      console.log(`| ${part.padEnd(width)} | ${ms.toFixed(3).padStart(9)} |`);
    }
  }
}

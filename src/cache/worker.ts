/**
 * Cache worker entry point: `deno run <narrow permissions> worker.ts <jobDir>`.
 *
 * It reads `<jobDir>/request.json`, runs the action, writes each entry to
 * `<jobDir>/out/<n>` and then `<jobDir>/manifest.json` (written to a
 * temporary name and renamed, so the server never reads half a manifest).
 * On failure it writes `{ok: false, error}` and exits 1. Progress goes to
 * stdout as NDJSON `{"progress": f, "detail": "…"}`.
 *
 * When the server dies, the worker's stdin closes and the worker exits, so
 * a killed server leaves no orphans behind.
 *
 * @module
 */
import { encodeEntry } from "./entry_codec.ts";
import { loadAction } from "./actions/registry.ts";
import { ActionFailure } from "./actions/action.ts";
import type { WorkerSettings } from "./actions/action.ts";

/** What the server writes to `request.json`. */
export interface WorkerRequest {
  readonly action: string;
  readonly keys: readonly string[];
  readonly payload: Record<string, unknown>;
  readonly settings: WorkerSettings;
  readonly testMode: boolean;
}

/** What the worker writes to `manifest.json`. */
export type WorkerManifest =
  | {
    readonly ok: true;
    /** One file per key, named relative to `<jobDir>/out`. */
    readonly entries: readonly { readonly key: string; readonly file: string }[];
    /** The action's own run time, in ms. */
    readonly actionMs: number;
  }
  | {
    readonly ok: false;
    readonly error: { readonly code: string; readonly message: string };
  };

const encoder = new TextEncoder();

function writeAll(bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}

async function exitWhenOrphaned(): Promise<void> {
  const buffer = new Uint8Array(256);
  try {
    while (await Deno.stdin.read(buffer) !== null) { /* the server writes nothing */ }
  } catch { /* a broken pipe means the same */ }
  Deno.exit(70);
}

function writeManifest(jobDir: string, manifest: WorkerManifest): void {
  Deno.writeTextFileSync(`${jobDir}/manifest.tmp`, JSON.stringify(manifest));
  Deno.renameSync(`${jobDir}/manifest.tmp`, `${jobDir}/manifest.json`);
}

async function main(jobDir: string): Promise<number> {
  exitWhenOrphaned();
  const request = JSON.parse(await Deno.readTextFile(`${jobDir}/request.json`)) as WorkerRequest;
  try {
    const action = await loadAction(request.action, request.testMode);
    const started = performance.now();
    const produced = await action({
      keys: request.keys,
      payload: request.payload,
      settings: request.settings,
      jobDir,
      progress(fraction, detail) {
        writeAll(encoder.encode(JSON.stringify({ progress: fraction, detail }) + "\n"));
      },
    });
    const actionMs = performance.now() - started;
    await Deno.mkdir(`${jobDir}/out`);
    const entries = [];
    for (let i = 0; i < produced.length; i++) {
      const { key, meta, body } = produced[i];
      await Deno.writeFile(`${jobDir}/out/${i}`, encodeEntry(key, meta, body));
      entries.push({ key, file: String(i) });
    }
    writeManifest(jobDir, { ok: true, entries, actionMs });
    return 0;
  } catch (error) {
    const code = error instanceof ActionFailure ? error.code : "action_failed";
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    writeManifest(jobDir, { ok: false, error: { code, message } });
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args[0]));
}

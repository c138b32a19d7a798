/**
 * Builds a browser bundle with `deno bundle` into a directory of its own,
 * and rebuilds it only when its inputs changed.
 *
 * Generic on purpose (an entry, the inputs that decide staleness, extra files
 * copied beside the bundle, an HTML page): the UI at `/` uses it, and other
 * pages can too.
 *
 * Output layout, under `outDir`:
 *
 * - `stamp.json`: `{ stamp, assets }`, where `stamp` is the SHA-256 of every
 *   input (paths and bytes) and of the spec itself;
 * - `index.html`: the page, with `%ASSETS%` in its template replaced by the
 *   assets' URL path;
 * - `<stamp prefix>/…`: the bundle (`app.js`) and the copied files. The
 *   directory name changes with any input, so its files can be cached
 *   forever, and files loaded relative to the bundle (`overlap.wasm`, through
 *   `import.meta.url`) stay beside it.
 *
 * @module
 */

/** What to build. Paths are relative to the project root. */
export interface BundleSpec {
  /** A short name for logs (`ui`). */
  readonly name: string;
  /** The entry module bundled into `app.js`. */
  readonly entry: string;
  /** Files and directories whose contents decide whether the output is stale. */
  readonly inputs: readonly string[];
  /** Where the output goes (gitignored). */
  readonly outDir: string;
  /** Files copied beside `app.js`, each under its own base name. */
  readonly copy: readonly string[];
  /** The HTML template written as `index.html`; `%ASSETS%` becomes the assets' URL path. */
  readonly html: string;
  /** URL path under which the assets directory is served (`/assets`). */
  readonly urlPath: string;
}

/** The result of a build, or of finding the output fresh. */
export interface BundleOutput {
  /** The hash of the inputs the output was built from. */
  readonly stamp: string;
  /** The URL path of the assets directory, e.g. `/assets/0123456789abcdef`. */
  readonly assetsPath: string;
  /** The output directory. */
  readonly outDir: string;
  /** Whether this call built it (false: it was fresh). */
  readonly built: boolean;
  /** Build time in ms (0 when fresh). */
  readonly ms: number;
}

/** Thrown when `deno bundle` fails or an input is missing; the message says which and why. */
export class BundleError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "BundleError";
  }
}

const encoder = new TextEncoder();

async function listFiles(root: URL, path: string, out: string[]): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(new URL(path, root));
  } catch (error) {
    throw new BundleError(`bundle input ${path} cannot be read: ${(error as Error).message}`);
  }
  if (info.isFile) {
    out.push(path);
    return;
  }
  for await (const entry of Deno.readDir(new URL(path + "/", root))) {
    // Test files and editor leftovers do not go into the bundle.
    if (entry.name.startsWith(".") || /_test\.tsx?$/.test(entry.name)) continue;
    await listFiles(root, `${path}/${entry.name}`, out);
  }
}

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The stamp of `spec`: SHA-256 over the spec and every input file's path and
 * bytes, in sorted path order. Any change to an input or to the spec changes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bundleStamp } from "./asset_build.ts";
 * const root = new URL("../../", import.meta.url);
 * const spec = {
 *   name: "t", entry: "wasm/mod.ts", inputs: ["wasm/mod.ts"], outDir: "/tmp/x", copy: [],
 *   html: "wasm/mod.ts", urlPath: "/assets",
 * };
 * const stamp = await bundleStamp(spec, root);
 * assert.match(stamp, /^[0-9a-f]{64}$/);
 * assert.notEqual(stamp, await bundleStamp({ ...spec, name: "u" }, root));
 * ```
 */
export async function bundleStamp(spec: BundleSpec, root: URL): Promise<string> {
  const files: string[] = [];
  for (const input of new Set([...spec.inputs, spec.entry, spec.html, ...spec.copy])) {
    await listFiles(root, input, files);
  }
  files.sort();
  const parts: Uint8Array[] = [encoder.encode(JSON.stringify({ ...spec, outDir: undefined }))];
  for (const file of files) {
    parts.push(encoder.encode(`\0${file}\0`), await Deno.readFile(new URL(file, root)));
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return hex(await crypto.subtle.digest("SHA-256", all));
}

/** The directory name of a stamp's assets (a prefix is plenty to tell builds apart). */
export function assetsDirName(stamp: string): string {
  return stamp.slice(0, 16);
}

async function readStamp(outDir: string): Promise<string | undefined> {
  try {
    const recorded = JSON.parse(await Deno.readTextFile(`${outDir}/stamp.json`));
    const stamp = recorded?.stamp;
    if (typeof stamp !== "string") return undefined;
    // A stamp without its files (a half-deleted output) is not fresh.
    await Deno.stat(`${outDir}/${assetsDirName(stamp)}/app.js`);
    await Deno.stat(`${outDir}/index.html`);
    return stamp;
  } catch {
    return undefined;
  }
}

function outPath(root: URL, outDir: string): string {
  return outDir.startsWith("/") ? outDir : new URL(outDir, root).pathname;
}

/**
 * Builds `spec` when its output is missing or stale; otherwise returns the
 * output as it is.
 *
 * @throws {BundleError} when an input is missing or `deno bundle` fails (its
 * first error line is in the message).
 *
 * @example
 * ```ts ignore
 * const out = await ensureBundle(UI_BUNDLE, new URL("../../", import.meta.url));
 * console.log(out.built ? `built in ${out.ms} ms` : "fresh", out.assetsPath);
 * ```
 */
export async function ensureBundle(spec: BundleSpec, root: URL): Promise<BundleOutput> {
  const outDir = outPath(root, spec.outDir);
  const stamp = await bundleStamp(spec, root);
  const dir = assetsDirName(stamp);
  const assetsPath = `${spec.urlPath}/${dir}`;
  if (await readStamp(outDir) === stamp) {
    return { stamp, assetsPath, outDir, built: false, ms: 0 };
  }
  const started = performance.now();
  // Built next to the final place, then swapped in, so a failed build
  // leaves the previous output serving.
  const staging = `${outDir}/.staging-${dir}`;
  await Deno.remove(staging, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${staging}/${dir}`, { recursive: true });
  try {
    const result = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform",
        "browser",
        "--minify",
        "--config",
        new URL("deno.json", root).pathname,
        "-o",
        `${staging}/${dir}/app.js`,
        new URL(spec.entry, root).pathname,
      ],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    if (!result.success) {
      const stderr = new TextDecoder().decode(result.stderr);
      const line = stderr.split("\n").find((l) => /error/i.test(l)) ?? stderr.trim();
      throw new BundleError(`deno bundle of ${spec.entry} failed: ${line.trim().slice(0, 500)}`);
    }
    for (const file of spec.copy) {
      const name = file.slice(file.lastIndexOf("/") + 1);
      await Deno.copyFile(new URL(file, root), `${staging}/${dir}/${name}`);
    }
    const template = await Deno.readTextFile(new URL(spec.html, root));
    await Deno.writeTextFile(`${staging}/index.html`, template.replaceAll("%ASSETS%", assetsPath));
    const assets = [...Deno.readDirSync(`${staging}/${dir}`)].map((e) => e.name).sort();
    await Deno.writeTextFile(`${staging}/stamp.json`, JSON.stringify({ stamp, assets }) + "\n");
    // Swap: remove the old output's files, move the new ones in.
    await Deno.mkdir(outDir, { recursive: true });
    for (const entry of Deno.readDirSync(outDir)) {
      if (entry.name.startsWith(".staging-")) continue;
      await Deno.remove(`${outDir}/${entry.name}`, { recursive: true });
    }
    for (const entry of Deno.readDirSync(staging)) {
      await Deno.rename(`${staging}/${entry.name}`, `${outDir}/${entry.name}`);
    }
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
  return { stamp, assetsPath, outDir, built: true, ms: Math.round(performance.now() - started) };
}

/**
 * Browser bundles built with `deno bundle`, rebuilt only when their inputs
 * change.
 *
 * A {@linkcode BundleSpec} names an entry module, the files and directories
 * whose contents decide whether a build is stale (the entry's sources,
 * `deno.json`, `deno.lock`), and a (gitignored) output directory. A build runs
 * `deno bundle --platform browser --minify` into a temporary directory, gives
 * every output file a content-hashed name (`main.<hash>.js`, so it can be
 * cached for ever) and writes `manifest.json` last, by rename: a reader sees
 * the old manifest or the new one, never half a build.
 *
 * The stamp is a SHA-256 over the Deno version, the bundler arguments and
 * every input file (path and bytes). Hashing the inputs takes milliseconds,
 * so a server can check at every start and only spend a build when needed.
 *
 * Nothing here knows about GraphiQL: the browser UI uses the same module.
 *
 * @module
 */

/** What to build, and what decides that a build is stale. */
export interface BundleSpec {
  /** A short name for logs and errors (`graphiql`). */
  readonly name: string;
  /** The project root (where `deno.json` is): `deno bundle` runs there. */
  readonly root: URL;
  /** The entry module, relative to `root`. */
  readonly entry: string;
  /**
   * Files and directories, relative to `root`, whose contents decide staleness.
   * Directories are read recursively; dotfiles and `*_test.*` files are
   * skipped (the entry never imports them).
   */
  readonly inputs: readonly string[];
  /** The output directory (created when missing; keep it gitignored). */
  readonly outDir: URL;
  /** Extensions every build must produce, e.g. `[".js", ".css"]`; anything missing fails the build. */
  readonly expect: readonly string[];
}

/** One built file. */
export interface BundleFile {
  /** Its content-hashed name in the output directory. */
  readonly file: string;
  /** Its size in bytes. */
  readonly bytes: number;
  /** SHA-256 of its contents, hex. */
  readonly sha256: string;
}

/** What `manifest.json` in the output directory records about the last build. */
export interface BundleManifest {
  /** The manifest's format version. */
  readonly format: 1;
  /** The spec's name. */
  readonly name: string;
  /** The stamp of the inputs the build was made from. */
  readonly stamp: string;
  /** The Deno version that bundled it. */
  readonly deno: string;
  /** When it was built (ISO 8601). */
  readonly builtAt: string;
  /** Built files by the name `deno bundle` gave them (`main.js`, `main.css`). */
  readonly files: Readonly<Record<string, BundleFile>>;
}

/** The outcome of {@linkcode ensureBundle}. */
export interface EnsureResult {
  /** The manifest now in the output directory. */
  readonly manifest: BundleManifest;
  /** Whether a build ran (false: the output was already up to date). */
  readonly built: boolean;
  /** Milliseconds spent, checking included. */
  readonly ms: number;
}

/** Options of a build. */
export interface BuildOptions {
  /** Aborts the build (the `deno bundle` process is killed). */
  readonly signal?: AbortSignal;
  /** Kills `deno bundle` after this long (default 120 s). */
  readonly timeoutMs?: number;
  /** The Deno executable (default: the running one). */
  readonly deno?: string;
}

/** Thrown when `deno bundle` fails, times out or produces an unexpected output. */
export class BundleError extends Error {
  /** Creates an error for the bundle `name`. */
  constructor(name: string, message: string) {
    super(`bundle ${name}: ${message}`);
    this.name = "BundleError";
  }
}

const MANIFEST = "manifest.json";
const FORMAT = 1;
const DEFAULT_TIMEOUT_MS = 120_000;

/** The arguments given to `deno bundle` (part of the stamp: changing them forces a rebuild). */
export function bundleArgs(spec: BundleSpec, outDir: string): string[] {
  return [
    "bundle",
    "--platform",
    "browser",
    "--minify",
    "--frozen",
    "--config",
    "deno.json",
    "--outdir",
    outDir,
    spec.entry,
  ];
}

/** SHA-256 of `data`, hex. */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function isSkipped(name: string): boolean {
  return name.startsWith(".") || /_test\.[^.]+$/.test(name);
}

/**
 * Lists the input files of `spec`, relative to its root, sorted.
 *
 * @throws {Deno.errors.NotFound} naming the input when one does not exist.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inputFiles } from "./bundle.ts";
 * const root = new URL("../../", import.meta.url);
 * const files = await inputFiles({ root, inputs: ["deno.json", "src/web/"] });
 * assert(files.includes("deno.json") && files.includes("src/web/bundle.ts"));
 * assert(!files.includes("src/web/bundle_test.ts"));
 * ```
 */
export async function inputFiles(
  spec: Pick<BundleSpec, "root" | "inputs">,
): Promise<string[]> {
  const out = new Set<string>();
  async function walk(rel: string): Promise<void> {
    const url = new URL(rel, spec.root);
    for await (const entry of Deno.readDir(url)) {
      if (isSkipped(entry.name)) continue;
      const child = `${rel}${entry.name}`;
      if (entry.isDirectory) await walk(`${child}/`);
      else if (entry.isFile) out.add(child);
    }
  }
  for (const input of spec.inputs) {
    const rel = input.replace(/^\.\//, "");
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(new URL(rel, spec.root));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Deno.errors.NotFound(`bundle input ${JSON.stringify(input)} does not exist`);
      }
      throw error;
    }
    if (info.isDirectory) await walk(rel.endsWith("/") ? rel : `${rel}/`);
    else out.add(rel);
  }
  return [...out].sort();
}

/**
 * The stamp of `spec`'s inputs: SHA-256 over the format, the Deno version,
 * the bundler arguments and each input file's path and bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bundleStamp } from "./bundle.ts";
 * const spec = {
 *   name: "x", root: new URL("../../", import.meta.url), entry: "src/web/bundle.ts",
 *   inputs: ["src/web/bundle.ts"], outDir: new URL("file:///tmp/x/"), expect: [".js"],
 * };
 * assert.equal(await bundleStamp(spec), await bundleStamp(spec));
 * ```
 */
export async function bundleStamp(spec: BundleSpec): Promise<string> {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [
    encoder.encode(`overlap-bundle/${FORMAT}\0deno ${Deno.version.deno}\0`),
    encoder.encode(bundleArgs(spec, "<out>").join("\0") + "\0"),
  ];
  for (const file of await inputFiles(spec)) {
    parts.push(encoder.encode(`${file}\0`));
    parts.push(await Deno.readFile(new URL(file, spec.root)));
    parts.push(encoder.encode("\0"));
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return await sha256Hex(all);
}

function isManifest(value: unknown): value is BundleManifest {
  if (value === null || typeof value !== "object") return false;
  const m = value as Record<string, unknown>;
  if (m.format !== FORMAT || typeof m.stamp !== "string" || typeof m.name !== "string") {
    return false;
  }
  if (m.files === null || typeof m.files !== "object") return false;
  return Object.values(m.files as Record<string, unknown>).every((f) => {
    const file = f as Record<string, unknown>;
    return f !== null && typeof f === "object" && typeof file.file === "string" &&
      /^[\w.-]+$/.test(file.file) && typeof file.bytes === "number" &&
      typeof file.sha256 === "string";
  });
}

/**
 * Reads the manifest in `outDir`: `undefined` when there is none or it is not
 * a manifest of this format (a build then replaces it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readManifest } from "./bundle.ts";
 * assert.equal(await readManifest(new URL("file:///nonexistent/dir/")), undefined);
 * ```
 */
export async function readManifest(outDir: URL): Promise<BundleManifest | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(new URL(MANIFEST, outDir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text);
    return isManifest(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Whether every file of `manifest` is in `outDir` with its recorded size. */
async function filesPresent(outDir: URL, manifest: BundleManifest): Promise<boolean> {
  for (const file of Object.values(manifest.files)) {
    try {
      const info = await Deno.stat(new URL(file.file, outDir));
      if (!info.isFile || info.size !== file.bytes) return false;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
  }
  return true;
}

/** The last lines of a failed tool's output, without colour codes. */
function tail(text: string, lines = 12): string {
  // deno-lint-ignore no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "").replace(/\n\s*Stack backtrace:[^]*$/, "")
    .trim();
  return plain.split("\n").filter((l) => !l.includes("is experimental")).slice(-lines).join(
    "\n",
  );
}

/**
 * Builds `spec` now, whatever the manifest says, and returns the new manifest.
 *
 * @throws {BundleError} when `deno bundle` fails or times out, or an expected
 * output is missing; the message ends with the bundler's last lines.
 *
 * @example
 * ```ts ignore
 * const manifest = await buildBundle(spec);
 * console.log(manifest.files["main.js"].file); // main.1a2b3c4d5e6f7a8b.js
 * ```
 */
export async function buildBundle(
  spec: BundleSpec,
  options: BuildOptions = {},
): Promise<BundleManifest> {
  const aborted = () => new BundleError(spec.name, "build aborted");
  if (options.signal?.aborted) throw aborted();
  const stamp = await bundleStamp(spec);
  await Deno.mkdir(spec.outDir, { recursive: true });
  const tmp = new URL(`.tmp-${crypto.randomUUID()}/`, spec.outDir);
  await Deno.mkdir(tmp);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    let out: Deno.CommandOutput;
    try {
      out = await new Deno.Command(options.deno ?? Deno.execPath(), {
        args: bundleArgs(spec, tmp.pathname),
        cwd: spec.root,
        env: { NO_COLOR: "1" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        signal,
      }).output();
    } catch (error) {
      if (options.signal?.aborted) throw aborted();
      if (timeout.aborted) {
        throw new BundleError(spec.name, `deno bundle did not finish within ${timeoutMs} ms`);
      }
      throw new BundleError(spec.name, `cannot run deno bundle: ${(error as Error).message}`);
    }
    if (options.signal?.aborted) throw aborted();
    if (timeout.aborted) {
      throw new BundleError(spec.name, `deno bundle did not finish within ${timeoutMs} ms`);
    }
    if (!out.success) {
      const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
      throw new BundleError(
        spec.name,
        `deno bundle ${spec.entry} exited with code ${out.code}: ${tail(text)}`,
      );
    }
    const files: Record<string, BundleFile> = {};
    for await (const entry of Deno.readDir(tmp)) {
      if (!entry.isFile) {
        throw new BundleError(spec.name, `unexpected output ${entry.name} (not a file)`);
      }
      const bytes = await Deno.readFile(new URL(entry.name, tmp));
      const sha256 = await sha256Hex(bytes);
      const dot = entry.name.lastIndexOf(".");
      const hashed = dot > 0
        ? `${entry.name.slice(0, dot)}.${sha256.slice(0, 16)}${entry.name.slice(dot)}`
        : `${entry.name}.${sha256.slice(0, 16)}`;
      await Deno.rename(new URL(entry.name, tmp), new URL(hashed, spec.outDir));
      files[entry.name] = { file: hashed, bytes: bytes.length, sha256 };
    }
    for (const ext of spec.expect) {
      if (!Object.keys(files).some((name) => name.endsWith(ext))) {
        throw new BundleError(
          spec.name,
          `deno bundle produced no ${ext} file (got ${Object.keys(files).join(", ") || "nothing"})`,
        );
      }
    }
    const manifest: BundleManifest = {
      format: FORMAT,
      name: spec.name,
      stamp,
      deno: Deno.version.deno,
      builtAt: new Date().toISOString(),
      files,
    };
    const manifestTmp = new URL(`${MANIFEST}.tmp`, tmp);
    await Deno.writeTextFile(manifestTmp, JSON.stringify(manifest, null, 2) + "\n");
    await Deno.rename(manifestTmp, new URL(MANIFEST, spec.outDir));
    await removeStale(spec.outDir, manifest);
    return manifest;
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/** Removes earlier builds' files: everything but the manifest, its files and other builds' temporaries. */
async function removeStale(outDir: URL, manifest: BundleManifest): Promise<void> {
  const keep = new Set([MANIFEST, ...Object.values(manifest.files).map((f) => f.file)]);
  for await (const entry of Deno.readDir(outDir)) {
    if (!entry.isFile || keep.has(entry.name) || entry.name.startsWith(".tmp-")) continue;
    await Deno.remove(new URL(entry.name, outDir)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}

/**
 * The manifest of `spec`'s output when it is up to date (it carries the
 * current stamp and every file it lists is present), else `undefined`.
 *
 * @example
 * ```ts ignore
 * const manifest = await freshManifest(spec) ?? await buildBundle(spec);
 * ```
 */
export async function freshManifest(spec: BundleSpec): Promise<BundleManifest | undefined> {
  const manifest = await readManifest(spec.outDir);
  if (manifest === undefined || manifest.stamp !== await bundleStamp(spec)) return undefined;
  return await filesPresent(spec.outDir, manifest) ? manifest : undefined;
}

/**
 * Builds `spec` when its output is missing or stale, and returns the manifest.
 *
 * @throws {BundleError} when a needed build fails.
 *
 * @example
 * ```ts ignore
 * const { manifest, built, ms } = await ensureBundle(spec);
 * log.info(built ? "bundle built" : "bundle up to date", { ms });
 * ```
 */
export async function ensureBundle(
  spec: BundleSpec,
  options: BuildOptions & { readonly force?: boolean } = {},
): Promise<EnsureResult> {
  const started = performance.now();
  const fresh = options.force ? undefined : await freshManifest(spec);
  const manifest = fresh ?? await buildBundle(spec, options);
  return { manifest, built: fresh === undefined, ms: Math.round(performance.now() - started) };
}

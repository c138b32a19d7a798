/**
 * Browser bundles built with `deno bundle`, rebuilt only when their inputs
 * change. The browser UI (`/`) and GraphiQL (`/graphiql`) are both built here.
 *
 * A {@linkcode BundleSpec} names an entry module, the files and directories
 * whose contents decide whether a build is stale (the entry's sources,
 * `deno.json`, `deno.lock`), files copied beside the bundle (the engine's
 * `overlap.wasm`, which the bundled `wasm/mod.ts` fetches relative to its
 * own URL), and a (gitignored) output directory.
 *
 * A build runs `deno bundle --platform browser --minify` into a temporary
 * directory, copies the extra files in, and renames the directory to the
 * first 16 hex digits of a SHA-256 over every output file's name and hash:
 * the **build id**. Files keep the names the page and the bundle use
 * (`main.js`, `main.css`, `overlap.wasm`), so relative URLs between them
 * work, while the URL of every file (`<assets>/<id>/<name>`) changes with any
 * byte of any output, so it can be cached for ever. `manifest.json` is
 * written last, by rename: a reader sees the old manifest or the new one,
 * never half a build. A failed build leaves the previous one in place.
 *
 * The stamp is a SHA-256 over the Deno version, the bundler arguments, the
 * copied files' names and every input file (path and bytes). Hashing the
 * inputs takes milliseconds, so a server checks at every start and only
 * spends a build when needed.
 *
 * @module
 */

/** What to build, and what decides that a build is stale. */
export interface BundleSpec {
  /** A short name for logs and errors (`ui`, `graphiql`). */
  readonly name: string;
  /** The project root (where `deno.json` is): `deno bundle` runs there. */
  readonly root: URL;
  /** The entry module, relative to `root`. */
  readonly entry: string;
  /**
   * Files and directories, relative to `root`, whose contents decide staleness.
   * Directories are read recursively; dotfiles and `*_test.*` files are
   * skipped (the entry never imports them). Copied files count too.
   */
  readonly inputs: readonly string[];
  /** Files, relative to `root`, copied beside the bundle under their base names. */
  readonly copy?: readonly string[];
  /** The output directory (created when missing; keep it gitignored). */
  readonly outDir: URL;
  /** Extensions every build must produce, e.g. `[".js", ".css"]`; anything missing fails the build. */
  readonly expect: readonly string[];
}

/** One built file. */
export interface BundleFile {
  /** Its size in bytes. */
  readonly bytes: number;
  /** SHA-256 of its contents, hex. */
  readonly sha256: string;
}

/** What `manifest.json` in the output directory records about the last build. */
export interface BundleManifest {
  /** The manifest's format version. */
  readonly format: 2;
  /** The spec's name. */
  readonly name: string;
  /** The stamp of the inputs the build was made from. */
  readonly stamp: string;
  /** The build id: the directory holding the files, a hash of their names and contents. */
  readonly id: string;
  /** The Deno version that bundled it. */
  readonly deno: string;
  /** When it was built (ISO 8601). */
  readonly builtAt: string;
  /** Built files by name (`main.js`, `main.css`, `overlap.wasm`). */
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

/** Options of {@linkcode ensureBundle}. */
export interface EnsureOptions extends BuildOptions {
  /** Builds even when the output is up to date. */
  readonly force?: boolean;
  /** Called before a build starts, with why (`missing`, `stale` or `forced`). */
  readonly onBuild?: (why: "missing" | "stale" | "forced") => void;
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
const FORMAT = 2;
const DEFAULT_TIMEOUT_MS = 120_000;
/** A temporary directory left this long by a build that died is removed by the next build. */
const ABANDONED_TMP_MS = 10 * 60_000;
/** Names a build may produce or copy: no separators, no leading dot. */
const FILE_NAME = /^[\w][\w.-]*$/;
const BUILD_ID = /^[0-9a-f]{16}$/;

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

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * Lists the input files of `spec` (its inputs and copied files), relative to
 * its root, sorted.
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
  spec: Pick<BundleSpec, "root" | "inputs" | "copy">,
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
  for (const input of [...spec.inputs, ...spec.copy ?? []]) {
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
 * the bundler arguments, the copied files' names and each input file's path
 * and bytes.
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
 * assert.notEqual(await bundleStamp(spec), await bundleStamp({ ...spec, copy: ["deno.json"] }));
 * ```
 */
export async function bundleStamp(spec: BundleSpec): Promise<string> {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [
    encoder.encode(`overlap-bundle/${FORMAT}\0deno ${Deno.version.deno}\0`),
    encoder.encode(bundleArgs(spec, "<out>").join("\0") + "\0"),
    encoder.encode(`copy\0${(spec.copy ?? []).join("\0")}\0`),
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

/**
 * The build id of a set of files: the first 16 hex digits of a SHA-256 over
 * their names and hashes, in name order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildId } from "./bundle.ts";
 * const a = { bytes: 1, sha256: "a".repeat(64) };
 * assert.match(await buildId({ "main.js": a }), /^[0-9a-f]{16}$/);
 * assert.notEqual(await buildId({ "main.js": a }), await buildId({ "app.js": a }));
 * ```
 */
export async function buildId(files: Readonly<Record<string, BundleFile>>): Promise<string> {
  const lines = Object.keys(files).sort().map((name) => `${name}\0${files[name].sha256}\n`);
  return (await sha256Hex(lines.join(""))).slice(0, 16);
}

function isManifest(value: unknown): value is BundleManifest {
  if (value === null || typeof value !== "object") return false;
  const m = value as Record<string, unknown>;
  if (m.format !== FORMAT || typeof m.stamp !== "string" || typeof m.name !== "string") {
    return false;
  }
  if (typeof m.id !== "string" || !BUILD_ID.test(m.id)) return false;
  if (m.files === null || typeof m.files !== "object") return false;
  return Object.entries(m.files as Record<string, unknown>).every(([name, f]) => {
    const file = f as Record<string, unknown>;
    return FILE_NAME.test(name) && f !== null && typeof f === "object" &&
      typeof file.bytes === "number" && typeof file.sha256 === "string";
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

/** The directory of `manifest`'s files inside `outDir`. */
export function buildDir(outDir: URL, manifest: Pick<BundleManifest, "id">): URL {
  return new URL(`${manifest.id}/`, outDir);
}

/** Whether every file of `manifest` is in `outDir` with its recorded size. */
async function filesPresent(outDir: URL, manifest: BundleManifest): Promise<boolean> {
  for (const [name, file] of Object.entries(manifest.files)) {
    try {
      const info = await Deno.stat(new URL(name, buildDir(outDir, manifest)));
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

/** Runs `deno bundle` for `spec` into `into`. */
async function runBundler(spec: BundleSpec, into: URL, options: BuildOptions): Promise<void> {
  const aborted = () => new BundleError(spec.name, "build aborted");
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const late = () =>
    new BundleError(spec.name, `deno bundle did not finish within ${timeoutMs} ms`);
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(options.deno ?? Deno.execPath(), {
      args: bundleArgs(spec, into.pathname),
      cwd: spec.root,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal,
    }).output();
  } catch (error) {
    if (options.signal?.aborted) throw aborted();
    if (timeout.aborted) throw late();
    throw new BundleError(spec.name, `cannot run deno bundle: ${(error as Error).message}`);
  }
  if (options.signal?.aborted) throw aborted();
  if (timeout.aborted) throw late();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    throw new BundleError(
      spec.name,
      `deno bundle ${spec.entry} exited with code ${out.code}: ${tail(text)}`,
    );
  }
}

/** Copies `spec.copy` into `into`, refusing a name the bundler already produced. */
async function copyExtras(spec: BundleSpec, into: URL): Promise<void> {
  for (const path of spec.copy ?? []) {
    const name = baseName(path);
    if (!FILE_NAME.test(name)) {
      throw new BundleError(spec.name, `copied file ${JSON.stringify(path)} has an unsafe name`);
    }
    const target = new URL(name, into);
    if (await Deno.stat(target).then(() => true, () => false)) {
      throw new BundleError(spec.name, `copied file ${path} would replace the bundler's ${name}`);
    }
    try {
      await Deno.copyFile(new URL(path, spec.root), target);
    } catch (error) {
      throw new BundleError(spec.name, `cannot copy ${path}: ${(error as Error).message}`);
    }
  }
}

/** Hashes the files in `dir`; anything but plain files with safe names fails the build. */
async function describeOutput(spec: BundleSpec, dir: URL): Promise<Record<string, BundleFile>> {
  const files: Record<string, BundleFile> = {};
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !FILE_NAME.test(entry.name)) {
      throw new BundleError(spec.name, `unexpected output ${entry.name} (not a plain file)`);
    }
    const bytes = await Deno.readFile(new URL(entry.name, dir));
    files[entry.name] = { bytes: bytes.length, sha256: await sha256Hex(bytes) };
  }
  for (const ext of spec.expect) {
    if (!Object.keys(files).some((name) => name.endsWith(ext))) {
      throw new BundleError(
        spec.name,
        `deno bundle produced no ${ext} file (got ${Object.keys(files).join(", ") || "nothing"})`,
      );
    }
  }
  return files;
}

/**
 * Builds `spec` now, whatever the manifest says, and returns the new manifest.
 *
 * @throws {BundleError} when `deno bundle` fails or times out, a copied file
 * cannot be read, or an expected output is missing; the message ends with
 * the bundler's last lines.
 *
 * @example
 * ```ts ignore
 * const manifest = await buildBundle(spec);
 * console.log(`${manifest.id}/main.js`, manifest.files["main.js"].bytes);
 * ```
 */
export async function buildBundle(
  spec: BundleSpec,
  options: BuildOptions = {},
): Promise<BundleManifest> {
  if (options.signal?.aborted) throw new BundleError(spec.name, "build aborted");
  const stamp = await bundleStamp(spec);
  await Deno.mkdir(spec.outDir, { recursive: true });
  const token = crypto.randomUUID();
  const tmp = new URL(`.tmp-${token}/`, spec.outDir);
  await Deno.mkdir(tmp);
  try {
    await runBundler(spec, tmp, options);
    await copyExtras(spec, tmp);
    const files = await describeOutput(spec, tmp);
    const id = await buildId(files);
    const manifest: BundleManifest = {
      format: FORMAT,
      name: spec.name,
      stamp,
      id,
      deno: Deno.version.deno,
      builtAt: new Date().toISOString(),
      files,
    };
    const dir = buildDir(spec.outDir, manifest);
    try {
      await Deno.rename(tmp, dir);
    } catch {
      // The directory exists. The same id is the same bytes: another build
      // (another server starting in this checkout) got there first, and its
      // files are kept. A damaged one (a file deleted) is replaced.
      if (!(await filesPresent(spec.outDir, manifest))) {
        await Deno.remove(dir, { recursive: true });
        await Deno.rename(tmp, dir);
      }
    }
    const manifestTmp = new URL(`.tmp-${token}.json`, spec.outDir);
    await Deno.writeTextFile(manifestTmp, JSON.stringify(manifest, null, 2) + "\n");
    await Deno.rename(manifestTmp, new URL(MANIFEST, spec.outDir));
    await removeStale(spec.outDir, manifest);
    return manifest;
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/**
 * Removes earlier builds: everything but the manifest and its build
 * directory. Other builds' temporaries are kept unless abandoned (older than
 * ten minutes: a build that died).
 */
async function removeStale(outDir: URL, manifest: BundleManifest): Promise<void> {
  const keep = new Set([MANIFEST, manifest.id]);
  for await (const entry of Deno.readDir(outDir)) {
    if (keep.has(entry.name)) continue;
    const url = new URL(entry.name, outDir);
    if (entry.name.startsWith(".tmp-")) {
      const info = await Deno.stat(url).catch(() => undefined);
      const age = Date.now() - (info?.mtime?.getTime() ?? Date.now());
      if (age < ABANDONED_TMP_MS) continue;
    }
    await Deno.remove(url, { recursive: true }).catch((error) => {
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
  options: EnsureOptions = {},
): Promise<EnsureResult> {
  const started = performance.now();
  const fresh = options.force ? undefined : await freshManifest(spec);
  if (fresh === undefined) {
    options.onBuild?.(
      options.force ? "forced" : await readManifest(spec.outDir) ? "stale" : "missing",
    );
  }
  const manifest = fresh ?? await buildBundle(spec, options);
  return { manifest, built: fresh === undefined, ms: Math.round(performance.now() - started) };
}

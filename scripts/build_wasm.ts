/**
 * Builds the engine's WebAssembly from `crates/` into `wasm/overlap.wasm`
 * (`deno task wasm`), or checks that the committed build matches the sources
 * (`deno task wasm:check`).
 *
 * The build uses Debian's rustc 1.63 and its wasm32 standard library (see
 * ../shared/TOOLCHAIN.md): rustup's toolchain has no wasm32 target here.
 * Paths are remapped so the output does not depend on where the repository
 * is checked out, which makes a rebuild byte-for-byte comparable.
 *
 * `wasm/overlap.wasm.json` records a hash of every source file that goes into
 * the build and a hash of the output. The check fails when:
 * - a source changed since the recorded build (a Rust change without a rebuild);
 * - the committed `.wasm` is not the recorded output;
 * - a fresh rebuild (when Debian's toolchain is installed) differs from it.
 *
 * @module
 */

const ROOT = new URL("../", import.meta.url);
const CRATES = new URL("crates/", ROOT);
const WASM_OUT = new URL("wasm/overlap.wasm", ROOT);
const MANIFEST = new URL("wasm/overlap.wasm.json", ROOT);
const RUSTC = "/usr/bin/rustc";
const CARGO = "/usr/bin/cargo";

/** What `wasm/overlap.wasm.json` records about a build. */
export interface BuildManifest {
  /** SHA-256 over the sorted source paths and their contents. */
  readonly sourceHash: string;
  /** SHA-256 of `wasm/overlap.wasm`. */
  readonly wasmHash: string;
  /** `rustc --version` of the compiler that built it. */
  readonly rustc: string;
  /** The source files that were hashed, relative to `crates/`. */
  readonly sources: readonly string[];
}

async function sha256(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Lists the files that determine the build, relative to `crates/`: the
 * manifests, the lock file and every Rust source.
 *
 * @example
 * ```ts ignore
 * const files = await sourceFiles();
 * console.log(files.includes("overlap/src/lib.rs"));
 * ```
 */
export async function sourceFiles(dir = CRATES, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const rel = prefix + entry.name;
    if (entry.isDirectory) {
      if (entry.name === "target" || entry.name.startsWith(".")) continue;
      out.push(...await sourceFiles(new URL(entry.name + "/", dir), rel + "/"));
    } else if (/\.(rs|toml)$/.test(entry.name) || entry.name === "Cargo.lock") {
      out.push(rel);
    }
  }
  return out.sort();
}

/**
 * Hashes the build's source files: each path, a NUL, its contents, a NUL.
 *
 * @example
 * ```ts ignore
 * const { hash } = await sourceHash();
 * console.log(hash.length === 64);
 * ```
 */
export async function sourceHash(): Promise<{ hash: string; files: string[] }> {
  const files = await sourceFiles();
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const file of files) {
    parts.push(encoder.encode(file + "\0"));
    // Line endings are normalised so a checkout with CRLF hashes the same.
    const text = (await Deno.readTextFile(new URL(file, CRATES))).replaceAll("\r\n", "\n");
    parts.push(encoder.encode(text + "\0"));
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return { hash: await sha256(all), files };
}

async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: CRATES,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${out.code}):\n${text}`);
  }
  return text;
}

async function haveToolchain(): Promise<boolean> {
  try {
    await Deno.stat(RUSTC);
    await Deno.stat(CARGO);
    await Deno.stat("/usr/lib/rustlib/wasm32-unknown-unknown");
    return true;
  } catch {
    return false;
  }
}

/** Builds the wasm into `targetDir`; returns its bytes and the rustc version. */
async function build(targetDir: string): Promise<{ bytes: Uint8Array; rustc: string }> {
  if (!await haveToolchain()) {
    throw new Error(
      "Debian's Rust toolchain for wasm32 is missing: apt-get install -y rustc cargo " +
        "libstd-rust-dev-wasm32 lld (see ../shared/TOOLCHAIN.md)",
    );
  }
  const cratesPath = decodeURIComponent(CRATES.pathname).replace(/\/$/, "");
  await run(CARGO, [
    "build",
    "--release",
    "--locked",
    "--target",
    "wasm32-unknown-unknown",
    "-p",
    "overlap_wasm",
    "--target-dir",
    targetDir,
  ], {
    RUSTC,
    // Without this, Debian's cargo finds rustup's rustc first (no wasm32 std).
    RUSTFLAGS: `--remap-path-prefix=${cratesPath}=/overlap -C target-feature=+bulk-memory,+simd128`,
    CARGO_HOME: Deno.env.get("CARGO_HOME") ?? `${Deno.env.get("HOME") ?? "/root"}/.cargo`,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
  });
  const bytes = await Deno.readFile(
    `${targetDir}/wasm32-unknown-unknown/release/overlap_wasm.wasm`,
  );
  const rustc = (await run(RUSTC, ["--version"])).trim();
  return { bytes, rustc };
}

async function buildCommand(): Promise<void> {
  const targetDir = decodeURIComponent(new URL("target", CRATES).pathname);
  const { bytes, rustc } = await build(targetDir);
  await Deno.writeFile(WASM_OUT, bytes);
  const { hash, files } = await sourceHash();
  const manifest: BuildManifest = {
    sourceHash: hash,
    wasmHash: await sha256(bytes),
    rustc,
    sources: files,
  };
  await Deno.writeTextFile(MANIFEST, JSON.stringify(manifest, null, 2) + "\n");
  console.log(`wrote wasm/overlap.wasm (${bytes.length} bytes) built by ${rustc}`);
}

async function checkCommand(): Promise<number> {
  const problems: string[] = [];
  let manifest: BuildManifest;
  try {
    manifest = JSON.parse(await Deno.readTextFile(MANIFEST));
  } catch (error) {
    console.error(`wasm:check: cannot read wasm/overlap.wasm.json: ${error}`);
    return 1;
  }
  const { hash } = await sourceHash();
  if (hash !== manifest.sourceHash) {
    problems.push(
      "crates/ changed since wasm/overlap.wasm was built: run `deno task wasm` and commit the result",
    );
  }
  const committed = await Deno.readFile(WASM_OUT);
  if (await sha256(committed) !== manifest.wasmHash) {
    problems.push("wasm/overlap.wasm is not the build recorded in wasm/overlap.wasm.json");
  }
  if (await haveToolchain()) {
    const targetDir = await Deno.makeTempDir({ prefix: "overlap-wasm-check-" });
    try {
      const { bytes, rustc } = await build(targetDir);
      if (await sha256(bytes) !== await sha256(committed)) {
        problems.push(
          `a fresh build with ${rustc} differs from the committed wasm/overlap.wasm ` +
            `(${bytes.length} vs ${committed.length} bytes): run \`deno task wasm\``,
        );
      } else {
        console.log(`wasm:check: a fresh build with ${rustc} is byte-identical`);
      }
    } finally {
      await Deno.remove(targetDir, { recursive: true });
    }
  } else {
    console.log("wasm:check: Debian's wasm32 toolchain is not installed; checked hashes only");
  }
  if (problems.length > 0) {
    for (const p of problems) console.error(`wasm:check: ${p}`);
    return 1;
  }
  console.log("wasm:check: wasm/overlap.wasm matches crates/");
  return 0;
}

if (import.meta.main) {
  if (Deno.args.includes("--check")) {
    Deno.exit(await checkCommand());
  } else {
    await buildCommand();
  }
}

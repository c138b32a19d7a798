import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import {
  BundleError,
  type BundleSpec,
  bundleStamp,
  ensureBundle,
  freshManifest,
  inputFiles,
  readManifest,
} from "./bundle.ts";

/** A tiny project of its own (no npm packages, so no network): an entry importing a stylesheet. */
async function project(files: Record<string, string> = {}): Promise<BundleSpec> {
  const dir = await Deno.makeTempDir({ prefix: "overlap-bundle-" });
  const root = new URL(`file://${dir}/`);
  const all: Record<string, string> = {
    "deno.json": "{}\n",
    "web/main.ts": 'import "./page.css";\nimport { greet } from "./greet.ts";\n' +
      'document.title = greet("bundle");\n',
    "web/greet.ts": "export const greet = (who: string): string => `hello ${who}`;\n",
    "web/page.css": "body { margin: 0; }\n",
    "web/greet_test.ts": "// not an input\n",
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    await Deno.mkdir(new URL(path.slice(0, path.lastIndexOf("/") + 1) || "./", root), {
      recursive: true,
    });
    await Deno.writeTextFile(new URL(path, root), text);
  }
  return {
    name: "tiny",
    root,
    entry: "web/main.ts",
    inputs: ["web/", "deno.json"],
    outDir: new URL("dist/tiny/", root),
    expect: [".js", ".css"],
  };
}

async function cleanup(spec: BundleSpec): Promise<void> {
  await Deno.remove(spec.root, { recursive: true });
}

async function listOut(spec: BundleSpec): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(spec.outDir)) names.push(entry.name);
  return names.sort();
}

Deno.test("inputFiles walks directories, skips tests and dotfiles, and names a missing input", async () => {
  const spec = await project({ "web/.hidden": "x", "web/sub/more.ts": "export {};\n" });
  try {
    assertEquals(await inputFiles(spec), [
      "deno.json",
      "web/greet.ts",
      "web/main.ts",
      "web/page.css",
      "web/sub/more.ts",
    ]);
    await assertRejects(
      () => inputFiles({ ...spec, inputs: ["web/", "nope.ts"] }),
      Deno.errors.NotFound,
      'bundle input "nope.ts" does not exist',
    );
  } finally {
    await cleanup(spec);
  }
});

Deno.test("the stamp changes with an input's bytes, a new input file, and nothing else", async () => {
  const spec = await project();
  try {
    const first = await bundleStamp(spec);
    assertEquals(await bundleStamp(spec), first);
    await Deno.writeTextFile(new URL("README.md", spec.root), "not an input\n");
    await Deno.writeTextFile(new URL("web/greet_test.ts", spec.root), "// changed test\n");
    assertEquals(await bundleStamp(spec), first, "files outside the inputs do not count");
    await Deno.writeTextFile(new URL("web/page.css", spec.root), "body { margin: 1px; }\n");
    const second = await bundleStamp(spec);
    assert(second !== first, "a changed stylesheet changes the stamp");
    await Deno.writeTextFile(new URL("web/extra.ts", spec.root), "export {};\n");
    assert(await bundleStamp(spec) !== second, "a new file in an input directory changes it");
  } finally {
    await cleanup(spec);
  }
});

Deno.test("readManifest: none, garbage, and a manifest naming a path outside the directory are all 'no manifest'", async () => {
  const spec = await project();
  try {
    assertEquals(await readManifest(spec.outDir), undefined);
    await Deno.mkdir(spec.outDir, { recursive: true });
    const path = new URL("manifest.json", spec.outDir);
    await Deno.writeTextFile(path, "{ not json");
    assertEquals(await readManifest(spec.outDir), undefined);
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        format: 1,
        name: "tiny",
        stamp: "x",
        files: { "main.js": { file: "../../etc/passwd", bytes: 1, sha256: "x" } },
      }),
    );
    assertEquals(await readManifest(spec.outDir), undefined);
  } finally {
    await cleanup(spec);
  }
});

Deno.test("ensureBundle builds hashed files once, rebuilds when an input changes, and removes the old files", async () => {
  const spec = await project();
  try {
    const first = await ensureBundle(spec);
    assert(first.built);
    const js = first.manifest.files["main.js"];
    const css = first.manifest.files["main.css"];
    assert(/^main\.[0-9a-f]{16}\.js$/.test(js.file), js.file);
    assert(/^main\.[0-9a-f]{16}\.css$/.test(css.file), css.file);
    assertEquals(await listOut(spec), [css.file, js.file, "manifest.json"].sort());
    const code = await Deno.readTextFile(new URL(js.file, spec.outDir));
    assert(code.includes("hello "), "the bundle holds the imported module");
    assertEquals((await Deno.readFile(new URL(js.file, spec.outDir))).length, js.bytes);
    assertEquals(await readManifest(spec.outDir), first.manifest);

    const again = await ensureBundle(spec);
    assert(!again.built, "an up-to-date output is not rebuilt");
    assertEquals(again.manifest, first.manifest);

    await Deno.writeTextFile(
      new URL("web/greet.ts", spec.root),
      "export const greet = (who: string): string => `bonjour ${who}`;\n",
    );
    assertEquals(await freshManifest(spec), undefined, "stale after an input changed");
    const third = await ensureBundle(spec);
    assert(third.built);
    const newJs = third.manifest.files["main.js"].file;
    assert(newJs !== js.file);
    assertEquals(
      third.manifest.files["main.css"].file,
      css.file,
      "unchanged bytes keep their name",
    );
    assertEquals(await listOut(spec), [css.file, newJs, "manifest.json"].sort());
  } finally {
    await cleanup(spec);
  }
});

Deno.test("a deleted output file makes the build stale", async () => {
  const spec = await project();
  try {
    const { manifest } = await ensureBundle(spec);
    await Deno.remove(new URL(manifest.files["main.css"].file, spec.outDir));
    assertEquals(await freshManifest(spec), undefined);
    assert((await ensureBundle(spec)).built);
  } finally {
    await cleanup(spec);
  }
});

Deno.test("a failing build names the bundler's error and leaves the previous build in place", async () => {
  const spec = await project();
  try {
    const good = await ensureBundle(spec);
    await Deno.writeTextFile(new URL("web/greet.ts", spec.root), "export const = ;\n");
    const error = await assertRejects(() => ensureBundle(spec), BundleError, "bundle tiny: ");
    assert(error.message.includes("exited with code"), error.message);
    assert(error.message.includes("greet.ts"), `the message points at the file: ${error.message}`);
    assertEquals(await readManifest(spec.outDir), good.manifest);
    assertEquals(
      (await listOut(spec)).filter((name) => name.startsWith(".tmp-")),
      [],
      "no temporary directory is left behind",
    );
  } finally {
    await cleanup(spec);
  }
});

Deno.test("a build without an expected output fails", async () => {
  const spec = await project({ "web/main.ts": "document.title = 'no css';\n" });
  try {
    await assertRejects(() => ensureBundle(spec), BundleError, "deno bundle produced no .css file");
    assertEquals(await readManifest(spec.outDir), undefined);
  } finally {
    await cleanup(spec);
  }
});

Deno.test("a build is killed after its timeout, and when aborted", async () => {
  const spec = await project();
  try {
    await assertRejects(
      () => ensureBundle(spec, { timeoutMs: 1 }),
      BundleError,
      "did not finish within 1 ms",
    );
    const abort = new AbortController();
    abort.abort();
    await assertRejects(
      () => ensureBundle(spec, { signal: abort.signal }),
      BundleError,
      "bundle tiny: build aborted",
    );
    assertEquals(await readManifest(spec.outDir), undefined);
  } finally {
    await cleanup(spec);
  }
});

import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import {
  buildDir,
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
    "assets/engine.wasm": "\0asm",
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
    copy: ["assets/engine.wasm"],
    outDir: new URL("dist/tiny/", root),
    expect: [".js", ".css", ".wasm"],
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
      "assets/engine.wasm",
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
    const third = await bundleStamp(spec);
    assert(third !== second, "a new file in an input directory changes it");
    await Deno.writeTextFile(new URL("assets/engine.wasm", spec.root), "\0asm2");
    assert(await bundleStamp(spec) !== third, "a changed copied file changes it");
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
        format: 2,
        name: "tiny",
        stamp: "x",
        id: "0123456789abcdef",
        files: { "../../etc/passwd": { bytes: 1, sha256: "x" } },
      }),
    );
    assertEquals(await readManifest(spec.outDir), undefined);
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        format: 2,
        name: "tiny",
        stamp: "x",
        id: "../..",
        files: { "main.js": { bytes: 1, sha256: "x" } },
      }),
    );
    assertEquals(await readManifest(spec.outDir), undefined, "an id that is a path");
  } finally {
    await cleanup(spec);
  }
});

Deno.test("ensureBundle builds once into a content-hashed directory, rebuilds when an input changes, and removes the old build", async () => {
  const spec = await project();
  try {
    const why: string[] = [];
    const onBuild = (reason: string) => why.push(reason);
    const first = await ensureBundle(spec, { onBuild });
    assert(first.built);
    const { id, files } = first.manifest;
    assert(/^[0-9a-f]{16}$/.test(id), id);
    assertEquals(Object.keys(files).sort(), ["engine.wasm", "main.css", "main.js"]);
    assertEquals(await listOut(spec), [id, "manifest.json"]);
    const dir = buildDir(spec.outDir, first.manifest);
    const code = await Deno.readTextFile(new URL("main.js", dir));
    assert(code.includes("hello "), "the bundle holds the imported module");
    assertEquals((await Deno.readFile(new URL("main.js", dir))).length, files["main.js"].bytes);
    assertEquals(await Deno.readTextFile(new URL("engine.wasm", dir)), "\0asm", "copied as is");
    assertEquals(await readManifest(spec.outDir), first.manifest);

    const again = await ensureBundle(spec, { onBuild });
    assert(!again.built, "an up-to-date output is not rebuilt");
    assertEquals(again.manifest, first.manifest);

    // A change that leaves the output's bytes alone (a comment the minifier
    // drops) is a rebuild with the same id: the same URLs stay cacheable.
    await Deno.writeTextFile(
      new URL("web/greet.ts", spec.root),
      "// a comment\nexport const greet = (who: string): string => `hello ${who}`;\n",
    );
    const same = await ensureBundle(spec, { onBuild });
    assert(same.built);
    assertEquals(same.manifest.id, id, "same bytes, same build id");
    assertEquals(await listOut(spec), [id, "manifest.json"]);

    await Deno.writeTextFile(
      new URL("web/greet.ts", spec.root),
      "export const greet = (who: string): string => `bonjour ${who}`;\n",
    );
    assertEquals(await freshManifest(spec), undefined, "stale after an input changed");
    const third = await ensureBundle(spec, { onBuild });
    assert(third.built);
    assert(third.manifest.id !== id, "new bytes, new build id");
    assertEquals(third.manifest.files["main.css"], files["main.css"], "unchanged bytes");
    assertEquals(await listOut(spec), [third.manifest.id, "manifest.json"]);
    assert((await ensureBundle(spec, { onBuild, force: true })).built);
    assertEquals(why, ["missing", "stale", "stale", "forced"], "each build says why");
  } finally {
    await cleanup(spec);
  }
});

Deno.test("a deleted output file makes the build stale", async () => {
  const spec = await project();
  try {
    const { manifest } = await ensureBundle(spec);
    await Deno.remove(new URL("main.css", buildDir(spec.outDir, manifest)));
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

Deno.test("a copied file that collides with, or is missing from, the build fails it", async () => {
  const spec = await project({ "assets/main.js": "x" });
  try {
    await assertRejects(
      () => ensureBundle({ ...spec, copy: ["assets/gone.wasm"] }),
      Deno.errors.NotFound,
      'bundle input "assets/gone.wasm" does not exist',
    );
    // A copied file may not replace what the bundler made.
    await assertRejects(
      () => ensureBundle({ ...spec, copy: ["assets/main.js"] }),
      BundleError,
      "copied file assets/main.js would replace the bundler's main.js",
    );
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

Deno.test("a build removes temporaries abandoned by a dead build, and keeps a running one's", async () => {
  const spec = await project();
  try {
    await Deno.mkdir(new URL(".tmp-dead/", spec.outDir), { recursive: true });
    await Deno.mkdir(new URL(".tmp-running/", spec.outDir));
    const hourAgo = new Date(Date.now() - 3_600_000);
    await Deno.utime(new URL(".tmp-dead/", spec.outDir), hourAgo, hourAgo);
    const { manifest } = await ensureBundle(spec);
    assertEquals(await listOut(spec), [".tmp-running", manifest.id, "manifest.json"]);
  } finally {
    await cleanup(spec);
  }
});

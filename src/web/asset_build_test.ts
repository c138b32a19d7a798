import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { BundleError, bundleStamp, ensureBundle } from "./asset_build.ts";

/** A tiny project: an entry importing a module, a page and a copied file. */
async function project() {
  const dir = await Deno.makeTempDir({ prefix: "overlap-bundle-" });
  const root = new URL(`file://${dir}/`);
  await Deno.writeTextFile(`${dir}/deno.json`, "{}");
  await Deno.mkdir(`${dir}/ui`);
  await Deno.writeTextFile(`${dir}/ui/main.ts`, 'import { n } from "./n.ts";\nconsole.log(n);\n');
  await Deno.writeTextFile(`${dir}/ui/n.ts`, "export const n = 41;\n");
  await Deno.writeTextFile(`${dir}/ui/main_test.ts`, "// not an input\n");
  await Deno.writeTextFile(
    `${dir}/ui/index.html`,
    '<script type="module" src="%ASSETS%/app.js"></script>',
  );
  await Deno.writeTextFile(`${dir}/ui/data.bin`, "x");
  const spec = {
    name: "t",
    entry: "ui/main.ts",
    inputs: ["ui"],
    outDir: "out",
    copy: ["ui/data.bin"],
    html: "ui/index.html",
    urlPath: "/assets",
  };
  return { dir, root, spec };
}

Deno.test("bundle: built when missing, fresh when nothing changed, rebuilt when an input changes", async () => {
  const { dir, root, spec } = await project();
  try {
    const first = await ensureBundle(spec, root);
    assert(first.built);
    const html = await Deno.readTextFile(`${dir}/out/index.html`);
    assertEquals(html, `<script type="module" src="${first.assetsPath}/app.js"></script>`);
    const js = await Deno.readTextFile(`${dir}/out/${first.assetsPath.split("/").at(-1)}/app.js`);
    assert(js.includes("41"), js);
    assertEquals((await ensureBundle(spec, root)).built, false);
    // Test files are not inputs.
    await Deno.writeTextFile(`${dir}/ui/main_test.ts`, "// changed\n");
    assertEquals((await ensureBundle(spec, root)).built, false);
    await Deno.writeTextFile(`${dir}/ui/n.ts`, "export const n = 42;\n");
    const second = await ensureBundle(spec, root);
    assert(second.built && second.stamp !== first.stamp);
    // Only the current build's files stay.
    const names = [...Deno.readDirSync(`${dir}/out`)].map((e) => e.name).sort();
    assertEquals(names, [second.assetsPath.split("/").at(-1), "index.html", "stamp.json"].sort());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bundle: a failing build is a BundleError naming the entry, and the old output stays", async () => {
  const { dir, root, spec } = await project();
  try {
    const good = await ensureBundle(spec, root);
    await Deno.writeTextFile(`${dir}/ui/n.ts`, "export const n = ;\n");
    await assertRejects(
      () => ensureBundle(spec, root),
      BundleError,
      "deno bundle of ui/main.ts failed",
    );
    assertEquals(await bundleStamp(spec, root) === good.stamp, false);
    await Deno.stat(`${dir}/out/index.html`);
    await assertRejects(
      () => bundleStamp({ ...spec, inputs: ["nope"] }, root),
      BundleError,
      "nope",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

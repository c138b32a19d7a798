import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { acceptsGzip, assetResponse, contentTypeOf, loadAssets } from "./assets.ts";
import { buildDir, buildId, type BundleManifest, sha256Hex } from "./bundle.ts";

/** An output directory written by hand, with a manifest describing it. */
async function output(
  files: Record<string, string>,
): Promise<{ dir: URL; manifest: BundleManifest }> {
  const dir = new URL(`file://${await Deno.makeTempDir({ prefix: "overlap-assets-" })}/`);
  const entries: Record<string, { bytes: number; sha256: string }> = {};
  const contents = new Map<string, Uint8Array>();
  for (const [name, text] of Object.entries(files)) {
    const bytes = new TextEncoder().encode(text);
    contents.set(name, bytes);
    entries[name] = { bytes: bytes.length, sha256: await sha256Hex(bytes) };
  }
  const manifest: BundleManifest = {
    format: 2,
    name: "test",
    stamp: "s",
    id: await buildId(entries),
    deno: Deno.version.deno,
    builtAt: new Date(0).toISOString(),
    files: entries,
  };
  await Deno.mkdir(buildDir(dir, manifest));
  for (const [name, bytes] of contents) {
    await Deno.writeFile(new URL(name, buildDir(dir, manifest)), bytes);
  }
  return { dir, manifest };
}

const SCRIPT = `console.log(${JSON.stringify("overlap ".repeat(500))});\n`;

Deno.test("loadAssets reads each file once, under its build id, with SRI and a smaller gzip", async () => {
  const { dir, manifest } = await output({ "main.js": SCRIPT, "main.css": "a{}" });
  try {
    const assets = await loadAssets(dir, manifest);
    assertEquals(assets.id, manifest.id);
    const js = assets.files.get("main.js")!;
    assertEquals(js.name, "main.js");
    assertEquals(js.contentType, "text/javascript; charset=utf-8");
    assertEquals(new TextDecoder().decode(js.body), SCRIPT);
    assertEquals(js.etag, `"${manifest.files["main.js"].sha256}"`);
    const sri = new Uint8Array(
      await crypto.subtle.digest("SHA-384", new TextEncoder().encode(SCRIPT)),
    );
    assertEquals(js.integrity, `sha384-${btoa(String.fromCharCode(...sri))}`);
    assert(js.gzip !== undefined && js.gzip.length < js.body.length / 10);
    const css = assets.files.get("main.css")!;
    assertEquals(css.contentType, "text/css; charset=utf-8");
    assertEquals(css.gzip, undefined, "a 3-byte file does not shrink: served plain");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadAssets refuses a file that does not match its manifest, and a type that is not served", async () => {
  const { dir, manifest } = await output({ "main.js": SCRIPT });
  try {
    await Deno.writeTextFile(new URL("main.js", buildDir(dir, manifest)), "tampered");
    await assertRejects(() => loadAssets(dir, manifest), TypeError, "does not match its manifest");
    const other = await output({ "notes.txt": "x" });
    await assertRejects(
      () => loadAssets(other.dir, other.manifest),
      TypeError,
      "has a type that is not served",
    );
    await Deno.remove(other.dir, { recursive: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("assetResponse: headers, gzip when accepted, 304 on a matching ETag, no body for HEAD", async () => {
  const { dir, manifest } = await output({ "main.js": SCRIPT });
  try {
    const js = (await loadAssets(dir, manifest)).files.get("main.js")!;
    const url = `http://127.0.0.1/graphiql/assets/${manifest.id}/main.js`;

    const plain = assetResponse(js, new Request(url));
    assertEquals(plain.status, 200);
    assertEquals(plain.headers.get("content-type"), "text/javascript; charset=utf-8");
    assertEquals(plain.headers.get("x-content-type-options"), "nosniff");
    assertEquals(plain.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assertEquals(plain.headers.get("etag"), js.etag);
    assertEquals(plain.headers.get("content-encoding"), null);
    assertEquals(await plain.text(), SCRIPT);

    const zipped = assetResponse(
      js,
      new Request(url, { headers: { "accept-encoding": "gzip, deflate, br" } }),
    );
    assertEquals(zipped.headers.get("content-encoding"), "gzip");
    assertEquals(zipped.headers.get("vary"), "accept-encoding");
    const unzipped = zipped.body!.pipeThrough(new DecompressionStream("gzip"));
    assertEquals(await new Response(unzipped).text(), SCRIPT);

    const cached = assetResponse(
      js,
      new Request(url, { headers: { "if-none-match": `"other", ${js.etag}` } }),
    );
    assertEquals(cached.status, 304);
    assertEquals(await cached.text(), "");

    const head = assetResponse(js, new Request(url, { method: "HEAD" }));
    assertEquals(head.status, 200);
    assertEquals(head.headers.get("content-length"), String(js.body.length));
    assertEquals(await head.text(), "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("acceptsGzip and contentTypeOf", () => {
  assert(acceptsGzip("br;q=1.0, gzip;q=0.8"));
  assert(acceptsGzip("*"));
  assert(!acceptsGzip("identity"));
  assert(!acceptsGzip("gzip;q=0"));
  assert(!acceptsGzip(""));
  assertEquals(contentTypeOf("overlap.wasm"), "application/wasm");
  assertEquals(contentTypeOf("MAIN.CSS"), "text/css; charset=utf-8");
  assertEquals(contentTypeOf("no-extension"), undefined);
  assertEquals(contentTypeOf("page.html"), undefined, "pages are not static assets");
});

import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { acceptsGzip, assetResponse, contentTypeOf, loadAssets } from "./assets.ts";
import { type BundleManifest, sha256Hex } from "./bundle.ts";

/** An output directory written by hand, with a manifest describing it. */
async function output(
  files: Record<string, string>,
): Promise<{ dir: URL; manifest: BundleManifest }> {
  const dir = new URL(`file://${await Deno.makeTempDir({ prefix: "overlap-assets-" })}/`);
  const entries: Record<string, { file: string; bytes: number; sha256: string }> = {};
  for (const [name, text] of Object.entries(files)) {
    const bytes = new TextEncoder().encode(text);
    const sha256 = await sha256Hex(bytes);
    const dot = name.lastIndexOf(".");
    const file = `${name.slice(0, dot)}.${sha256.slice(0, 16)}${name.slice(dot)}`;
    await Deno.writeFile(new URL(file, dir), bytes);
    entries[name] = { file, bytes: bytes.length, sha256 };
  }
  const manifest: BundleManifest = {
    format: 1,
    name: "test",
    stamp: "s",
    deno: Deno.version.deno,
    builtAt: new Date(0).toISOString(),
    files: entries,
  };
  return { dir, manifest };
}

const SCRIPT = `console.log(${JSON.stringify("overlap ".repeat(500))});\n`;

Deno.test("loadAssets reads each file once, by hashed and by bundler name, with SRI and a smaller gzip", async () => {
  const { dir, manifest } = await output({ "main.js": SCRIPT, "main.css": "a{}" });
  try {
    const assets = await loadAssets(dir, manifest);
    const js = assets.byName.get("main.js")!;
    assertEquals(assets.byFile.get(js.file), js);
    assertEquals(js.contentType, "text/javascript; charset=utf-8");
    assertEquals(new TextDecoder().decode(js.body), SCRIPT);
    assertEquals(js.etag, `"${manifest.files["main.js"].sha256}"`);
    const sri = new Uint8Array(
      await crypto.subtle.digest("SHA-384", new TextEncoder().encode(SCRIPT)),
    );
    assertEquals(js.integrity, `sha384-${btoa(String.fromCharCode(...sri))}`);
    assert(js.gzip !== undefined && js.gzip.length < js.body.length / 10);
    const css = assets.byName.get("main.css")!;
    assertEquals(css.contentType, "text/css; charset=utf-8");
    assertEquals(css.gzip, undefined, "a 3-byte file does not shrink: served plain");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadAssets refuses a file that does not match its manifest, and a type that is not served", async () => {
  const { dir, manifest } = await output({ "main.js": SCRIPT });
  try {
    await Deno.writeTextFile(new URL(manifest.files["main.js"].file, dir), "tampered");
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
    const js = (await loadAssets(dir, manifest)).byName.get("main.js")!;
    const url = `http://127.0.0.1/graphiql/assets/${js.file}`;

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

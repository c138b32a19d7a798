/**
 * Serving a built bundle's files from memory: each file is read once,
 * checked against the manifest's hash, gzipped once, and answered with its
 * content type, an ETag, `immutable` caching (the build id in its URL
 * changes with its bytes) and `nosniff`. Requests are answered by exact
 * build id and file name only: a URL never becomes a file system path, so
 * there is nothing to traverse.
 *
 * @module
 */
import { buildDir, type BundleManifest, sha256Hex } from "./bundle.ts";
import { SECURITY_HEADERS } from "./headers.ts";

/** One file ready to serve. */
export interface StaticAsset {
  /** Its name in the build (the last segment of its URL). */
  readonly name: string;
  /** `Content-Type`. */
  readonly contentType: string;
  /** The bytes. */
  readonly body: Uint8Array;
  /** The bytes gzipped, when that is smaller. */
  readonly gzip: Uint8Array | undefined;
  /** A strong ETag (the SHA-256). */
  readonly etag: string;
  /** Subresource Integrity value (`sha384-…`) for `<script integrity>`. */
  readonly integrity: string;
}

/** The files of one build, in memory. */
export interface AssetSet {
  /** The build id (the URL segment before the file name). */
  readonly id: string;
  /** Name (`main.js`) → asset. */
  readonly files: ReadonlyMap<string, StaticAsset>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

/**
 * The `Content-Type` for a file name, by extension; `undefined` for any
 * other (such files are not served).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentTypeOf } from "./assets.ts";
 * assert.equal(contentTypeOf("main.1a2b.js"), "text/javascript; charset=utf-8");
 * assert.equal(contentTypeOf("notes.txt"), undefined);
 * ```
 */
export function contentTypeOf(file: string): string | undefined {
  const dot = file.lastIndexOf(".");
  return dot < 0 ? undefined : CONTENT_TYPES[file.slice(dot).toLowerCase()];
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function sriOf(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-384", bytes as Uint8Array<ArrayBuffer>);
  let binary = "";
  for (const b of new Uint8Array(digest)) binary += String.fromCharCode(b);
  return `sha384-${btoa(binary)}`;
}

/**
 * Reads a build's files into memory.
 *
 * @throws {TypeError} when a file has a type that is not served, or its
 * bytes do not match the manifest (a damaged or half-replaced output).
 *
 * @example
 * ```ts ignore
 * const assets = await loadAssets(spec.outDir, manifest);
 * assets.files.get("main.js")?.integrity; // "sha384-…"
 * ```
 */
export async function loadAssets(outDir: URL, manifest: BundleManifest): Promise<AssetSet> {
  const files = new Map<string, StaticAsset>();
  const dir = buildDir(outDir, manifest);
  for (const [name, entry] of Object.entries(manifest.files)) {
    const contentType = contentTypeOf(name);
    if (contentType === undefined) {
      throw new TypeError(`bundle ${manifest.name}: ${name} has a type that is not served`);
    }
    const body = await Deno.readFile(new URL(name, dir));
    const sha256 = await sha256Hex(body);
    if (sha256 !== entry.sha256) {
      throw new TypeError(
        `bundle ${manifest.name}: ${manifest.id}/${name} does not match its manifest (sha256 ${sha256}, expected ${entry.sha256}); rebuild it`,
      );
    }
    const zipped = await gzip(body);
    files.set(name, {
      name,
      contentType,
      body,
      gzip: zipped.length < body.length ? zipped : undefined,
      etag: `"${sha256}"`,
      integrity: await sriOf(body),
    });
  }
  return { id: manifest.id, files };
}

/**
 * Whether an `Accept-Encoding` value accepts gzip (`gzip` or `*`, not with `q=0`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { acceptsGzip } from "./assets.ts";
 * assert(acceptsGzip("gzip, deflate, br"));
 * assert(!acceptsGzip("gzip;q=0, br"));
 * assert(!acceptsGzip(null));
 * ```
 */
export function acceptsGzip(header: string | null | undefined): boolean {
  if (!header) return false;
  for (const part of header.split(",")) {
    const [coding, ...params] = part.trim().split(";").map((s) => s.trim());
    if (coding !== "gzip" && coding !== "*") continue;
    const q = params.find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/**
 * The response for `asset`: 304 when `If-None-Match` names its ETag, gzip
 * when accepted, no body for HEAD.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assetResponse } from "./assets.ts";
 * const asset = {
 *   name: "a.js", contentType: "text/javascript; charset=utf-8", body: new Uint8Array([59]),
 *   gzip: undefined, etag: '"x"', integrity: "sha384-…",
 * };
 * const res = assetResponse(asset, new Request("http://h/assets/0123456789abcdef/a.js"));
 * assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
 * assert.equal(assetResponse(asset, new Request("http://h/", { headers: { "if-none-match": '"x"' } })).status, 304);
 * ```
 */
export function assetResponse(asset: StaticAsset, request: Request): Response {
  const headers = new Headers({
    ...SECURITY_HEADERS,
    "content-type": asset.contentType,
    "cache-control": "public, max-age=31536000, immutable",
    etag: asset.etag,
    vary: "accept-encoding",
  });
  const match = request.headers.get("if-none-match");
  if (match !== null && match.split(",").some((tag) => tag.trim() === asset.etag)) {
    return new Response(null, { status: 304, headers });
  }
  let body = asset.body;
  if (asset.gzip !== undefined && acceptsGzip(request.headers.get("accept-encoding"))) {
    body = asset.gzip;
    headers.set("content-encoding", "gzip");
  }
  headers.set("content-length", String(body.length));
  const payload = request.method === "HEAD" ? null : body as Uint8Array<ArrayBuffer>;
  return new Response(payload, { status: 200, headers });
}

/**
 * `GetArtifacts`: artifact bytes from `file://` (inside the artifact roots,
 * after resolving symlinks), `http(s)://` (allowed hosts only, no
 * redirects) and `s3://bucket/key` (path-style requests to the configured
 * S3-compatible endpoint, signed with aws4fetch).
 *
 * An artifact over `artifactMaxBytes` gives a `tooLarge` entry (a result,
 * cached), never a failure; nothing over the cap is held in memory.
 *
 * @module
 */
import { ActionFailure, isInside } from "./action.ts";
import type { ActionContext, ActionEntry, WorkerSettings } from "./action.ts";

/** Metadata of one artifact entry. */
export interface ArtifactMeta {
  readonly location: string;
  /** Size in bytes when known (always for `file://`; from Content-Length otherwise). */
  readonly size: number | null;
  /** Over the cap: the body is empty. */
  readonly tooLarge: boolean;
  readonly contentType: string | null;
}

/** Locations fetched at once by one worker. */
const PARALLEL = 8;

/**
 * Runs `GetArtifacts`: one entry per location (in order).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getArtifacts } from "./get_artifacts.ts";
 * const root = await Deno.realPath(await Deno.makeTempDir());
 * await Deno.writeTextFile(`${root}/x.txt`, "42");
 * const [entry] = await getArtifacts({
 *   keys: [`artifact:file://${root}/x.txt`], jobDir: "", progress: () => {},
 *   payload: { locations: [`file://${root}/x.txt`] },
 *   settings: { artifactRoots: [root], logRoots: [], artifactMaxBytes: 100, artifactHosts: [], s3Region: "x" },
 * });
 * assert(entry.meta.size === 2 && new TextDecoder().decode(entry.body as Uint8Array) === "42");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function getArtifacts(context: ActionContext): Promise<ActionEntry[]> {
  const locations = context.payload.locations as string[];
  const out = new Array<ActionEntry>(locations.length);
  let next = 0;
  let done = 0;
  const runOne = async () => {
    while (next < locations.length) {
      const i = next++;
      const { meta, body } = await fetchArtifact(locations[i], context.settings);
      out[i] = { key: context.keys[i], meta: { ...meta }, body };
      done++;
      if (locations.length > 1) context.progress(done / locations.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, locations.length) }, runOne));
  return out;
}

/**
 * Fetches one artifact (see the module doc for the rules per scheme).
 *
 * @throws {ActionFailure} `forbidden`, `not_found`, `invalid` or `action_failed`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fetchArtifact } from "./get_artifacts.ts";
 * const settings = { artifactRoots: ["/nowhere"], logRoots: [], artifactMaxBytes: 1, artifactHosts: [], s3Region: "x" };
 * await assert.rejects(() => fetchArtifact("file:///etc/passwd", settings), { code: "forbidden" });
 * ```
 */
export async function fetchArtifact(
  location: string,
  settings: WorkerSettings,
): Promise<{ meta: ArtifactMeta; body: Uint8Array }> {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new ActionFailure("invalid", `${JSON.stringify(location)} is not a URL`);
  }
  switch (url.protocol) {
    case "file:":
      return await readFileArtifact(location, url, settings);
    case "http:":
    case "https:":
      if (!settings.artifactHosts.includes(url.host)) {
        throw new ActionFailure(
          "forbidden",
          `${location}: host ${url.host} is not in OVERLAP_ARTIFACT_HOSTS`,
        );
      }
      return await fetchLimited(location, await fetch(url, { redirect: "error" }), settings);
    case "s3:":
      return await readS3Artifact(location, url, settings);
    default:
      throw new ActionFailure("invalid", `${location}: unsupported scheme ${url.protocol}`);
  }
}

async function readFileArtifact(
  location: string,
  url: URL,
  settings: WorkerSettings,
): Promise<{ meta: ArtifactMeta; body: Uint8Array }> {
  if (url.host !== "" && url.host !== "localhost") {
    throw new ActionFailure("forbidden", `${location}: file:// URLs must not name a host`);
  }
  // The URL parser has already folded `..` (also %2e%2e); realPath then folds
  // symlinks, so the check below sees where the bytes really are.
  const path = decodeURIComponent(url.pathname);
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      if (!settings.artifactRoots.some((root) => isInside(path, root))) {
        throw new ActionFailure("forbidden", `${location} is outside the artifact roots`);
      }
      throw new ActionFailure("not_found", `${location} does not exist`);
    }
    if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable) {
      throw new ActionFailure("forbidden", `${location} is outside the artifact roots`);
    }
    throw error;
  }
  if (!settings.artifactRoots.some((root) => isInside(real, root))) {
    throw new ActionFailure("forbidden", `${location} is outside the artifact roots`);
  }
  const file = await Deno.open(real);
  try {
    const info = await file.stat();
    if (!info.isFile) throw new ActionFailure("invalid", `${location} is not a regular file`);
    const meta = { location, size: info.size, contentType: null };
    if (info.size > settings.artifactMaxBytes) {
      return { meta: { ...meta, tooLarge: true }, body: new Uint8Array(0) };
    }
    const body = await readAtMost(file.readable, info.size, settings.artifactMaxBytes);
    if (body === null) return { meta: { ...meta, tooLarge: true }, body: new Uint8Array(0) };
    return { meta: { ...meta, size: body.length, tooLarge: false }, body };
  } finally {
    try {
      file.close();
    } catch { /* closed by the readable stream */ }
  }
}

async function readS3Artifact(
  location: string,
  url: URL,
  settings: WorkerSettings,
): Promise<{ meta: ArtifactMeta; body: Uint8Array }> {
  if (settings.s3Endpoint === undefined) {
    throw new ActionFailure("action_failed", `${location}: OVERLAP_S3_ENDPOINT is not set`);
  }
  const bucket = url.host;
  const key = url.pathname.replace(/^\//, "");
  if (bucket === "" || key === "") {
    throw new ActionFailure("invalid", `${location}: expected s3://bucket/key`);
  }
  const accessKeyId = Deno.env.get("AWS_ACCESS_KEY_ID");
  const secretAccessKey = Deno.env.get("AWS_SECRET_ACCESS_KEY");
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new ActionFailure(
      "action_failed",
      `${location}: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set`,
    );
  }
  // Loaded only for s3:// locations: most workers never need it.
  const { AwsClient } = await import("aws4fetch");
  const client = new AwsClient({
    accessKeyId,
    secretAccessKey,
    region: settings.s3Region,
    service: "s3",
  });
  const endpoint = settings.s3Endpoint.replace(/\/+$/, "");
  const path = key.split("/").map(encodeURIComponent).join("/");
  const response = await client.fetch(`${endpoint}/${encodeURIComponent(bucket)}/${path}`, {
    redirect: "error",
  });
  return await fetchLimited(location, response, settings);
}

async function fetchLimited(
  location: string,
  response: Response,
  settings: WorkerSettings,
): Promise<{ meta: ArtifactMeta; body: Uint8Array }> {
  if (!response.ok) {
    await response.body?.cancel();
    const code = response.status === 404
      ? "not_found"
      : response.status === 403 || response.status === 401
      ? "forbidden"
      : "action_failed";
    throw new ActionFailure(code, `${location}: HTTP ${response.status} ${response.statusText}`);
  }
  const length = response.headers.get("content-length");
  const size = length === null ? null : Number(length);
  const contentType = response.headers.get("content-type");
  const tooLarge = { location, size, tooLarge: true, contentType };
  if (size !== null && size > settings.artifactMaxBytes) {
    await response.body?.cancel();
    return { meta: tooLarge, body: new Uint8Array(0) };
  }
  const body = response.body === null
    ? new Uint8Array(0)
    : await readAtMost(response.body, size ?? 0, settings.artifactMaxBytes);
  if (body === null) return { meta: tooLarge, body: new Uint8Array(0) };
  return { meta: { location, size: body.length, tooLarge: false, contentType }, body };
}

/** Reads a stream into one buffer, or `null` (and cancels) once it passes `max` bytes. */
async function readAtMost(
  stream: ReadableStream<Uint8Array>,
  expected: number,
  max: number,
): Promise<Uint8Array | null> {
  let buffer = new Uint8Array(Math.min(Math.max(expected, 1024), max));
  let length = 0;
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      if (length + value.length > max) {
        await reader.cancel();
        return null;
      }
      if (length + value.length > buffer.length) {
        const grown = new Uint8Array(
          Math.min(max, Math.max(buffer.length * 2, length + value.length)),
        );
        grown.set(buffer.subarray(0, length));
        buffer = grown;
      }
      buffer.set(value, length);
      length += value.length;
    }
  } finally {
    reader.releaseLock();
  }
  return buffer.subarray(0, length);
}

/**
 * The `artifacts` pool's actions as methods: `getArtifacts(locations)` and
 * `searchArtifacts(workflowId, name, value)`.
 *
 * @module
 */
import type { CacheClient } from "./client.ts";
import type { CacheFuture } from "./future.ts";
import { keyHash } from "./key_layout.ts";
import { artifactKey } from "./protocol.ts";
import type { Priority } from "./protocol.ts";
import type { ArtifactMeta } from "./actions/get_artifacts.ts";
import type { SearchResult } from "./actions/search_artifacts.ts";

/** One artifact as returned. */
export interface Artifact extends ArtifactMeta {
  /** The bytes (empty when `tooLarge`). */
  readonly content: Uint8Array;
}

/** Per-call options. */
export interface CallOptions {
  readonly priority?: Priority;
  readonly timeoutMs?: number;
}

export type { SearchResult };

const decoder = new TextDecoder();

/**
 * Artifact actions on the `artifacts` pool.
 *
 * @example
 * ```ts ignore
 * const [artifact] = await pools.artifacts.getArtifacts(["s3://bucket/run/1/model.json"]);
 * if (!artifact.tooLarge) console.log(new TextDecoder().decode(artifact.content));
 * ```
 */
export class ArtifactCache {
  /** The pool's client (for stats). */
  readonly client: CacheClient;

  /** Wraps `client` (an `artifacts` pool client). */
  constructor(client: CacheClient) {
    this.client = client;
  }

  /**
   * Fetches artifacts by location (`file://`, `http(s)://`, `s3://`); one
   * key per location, so a partial hit only fetches the rest.
   *
   * @example
   * ```ts ignore
   * const artifacts = await pools.artifacts.getArtifacts(["file:///data/artifacts/u/f/1/a/01/x"]);
   * ```
   */
  getArtifacts(locations: readonly string[], options: CallOptions = {}): CacheFuture<Artifact[]> {
    const keys = locations.map(artifactKey);
    return this.client.request({
      action: "GetArtifacts",
      keys,
      payload: (missing) => ({ locations: missing.map((key) => key.slice("artifact:".length)) }),
      decode: (entries) =>
        entries.map((entry) => ({
          ...(entry.meta as unknown as ArtifactMeta),
          content: entry.body,
        })),
      ...options,
    });
  }

  /**
   * Searches the workflow's artifacts named `name` for `value`. Always runs
   * (the artifact tree may have grown), but identical concurrent searches
   * share one worker. Progress events carry the fraction of files compared.
   *
   * @example
   * ```ts ignore
   * const search = pools.artifacts.searchArtifacts("~u/flow", "accuracy", "0.93");
   * for await (const event of search.events()) console.log(event);
   * ```
   */
  searchArtifacts(
    workflowId: string,
    name: string,
    value: string,
    options: CallOptions = {},
  ): CacheFuture<SearchResult> {
    return this.client.request({
      action: "SearchArtifacts",
      keys: [`search:${workflowId}:${name}:${keyHash(value)}`],
      payload: () => ({ workflowId, name, value }),
      decode: ([entry]) => JSON.parse(decoder.decode(entry.body)) as SearchResult,
      force: true,
      ...options,
    });
  }
}

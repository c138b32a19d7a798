/**
 * GraphQL fields backed by the cache pools, built with graphql-js type
 * constructors so they can be merged into the main schema:
 *
 * - `Query.artifact(location: String!): Artifact`
 * - `Query.dag(workflowId: ID!): DagLayout`
 * - `Query.jobLog(jobId: ID!, stream: String = "stdout", tail: Int, page: Int, pageSize: Int): JobLog`
 * - `Query.jobArtifacts(jobId: ID!): [ArtifactEntry!]`: a job's `file://` artifacts (names and
 *   locations, for `artifact(location)`), listed from the artifact roots by the job_paths layout
 * - `Subscription.searchArtifacts(workflowId: ID!, name: String!, value: String!): SearchArtifactsEvent!`
 * - `Subscription.readArtifacts(locations: [String!]!): ReadArtifactsEvent!`: the pool's progress
 *   while it reads (`fraction`), then one event with the artifacts (`done`), for a progress bar
 * - `Subscription.readJobLog(jobId: ID!, stream: String = "stdout", tail: Int, page: Int, pageSize: Int): ReadJobLogEvent!`:
 *   `jobLog` with the logs pool's progress (bytes read of the bytes the read may take), then one
 *   event with the log (`done`); at most {@linkcode MAX_LOG_READ_LINES} lines
 *
 * Cache errors surface as GraphQL field errors with the cache's message.
 *
 * Read scopes apply as to the rest of the schema: `dag` and `jobLog` answer
 * `null`, `readJobLog` ends with a `null` log, and `searchArtifacts` finds
 * nothing, for a workflow the caller may not read (`context.canRead`, which the server passes; without it nothing is
 * readable). `artifact` serves a `file://` artifact of a readable workflow
 * (by the layout of job_paths.ts); any other location (`http(s)://`,
 * `s3://`, files of no workflow) only to a caller who may read every
 * workflow (`context.readAll`), and is a field error otherwise.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import {
  GraphQLBoolean,
  GraphQLFloat,
  GraphQLID,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLString,
} from "graphql";
import type { GraphQLFieldConfigMap, GraphQLNullableType } from "graphql";
import {
  artifactPath,
  artifactPathWorkflow,
  artifactWorkflow,
  isArtifactName,
  jobArtifactDir,
  parseJobId,
} from "./job_paths.ts";
import type { LogPage } from "./log_cache.ts";
import type { CachePools } from "./pools.ts";
import type { Artifact } from "./artifact_cache.ts";
import type { CacheFuture } from "./future.ts";

/** The fields to merge into the schema's root types. */
export interface CacheFields {
  /** Fields of `Query`. */
  readonly query: GraphQLFieldConfigMap<unknown, unknown>;
  /** Fields of `Subscription`. */
  readonly subscription: GraphQLFieldConfigMap<unknown, unknown>;
}

/** One event of a search subscription. */
export interface SearchArtifactsEvent {
  /** Fraction of candidate files compared (1 when done). */
  readonly fraction: number;
  readonly detail: string | null;
  /** The last event: `jobIds` is set. */
  readonly done: boolean;
  readonly jobIds: readonly string[] | null;
  readonly scanned: number | null;
  readonly truncated: boolean | null;
}

/** Whether the request's caller may read every workflow (the server's `GraphqlContext.readAll`). */
function mayReadAll(context: unknown): boolean {
  return (context as { readAll?: unknown } | null | undefined)?.readAll === true;
}

/** Whether the request's caller may read `workflowId` (the server's `GraphqlContext.canRead`). */
function mayRead(context: unknown, workflowId: string): boolean {
  const canRead = (context as { canRead?: unknown } | null | undefined)?.canRead;
  return typeof canRead === "function" && canRead(workflowId) === true;
}

/**
 * Whether a caller scoped to some workflows may read the `file://` artifact
 * at `location`: it must lie, by the layout of job_paths.ts, in a readable
 * workflow's artifacts, both as written and with symlinks resolved (a link
 * must not lead into another workflow's artifacts).
 */
async function mayReadArtifact(
  context: unknown,
  location: string,
  roots: readonly string[],
): Promise<boolean> {
  const workflowId = artifactWorkflow(location, roots);
  if (workflowId === null || !mayRead(context, workflowId)) return false;
  let real: string;
  try {
    real = await Deno.realPath(artifactPath(location)!);
  } catch {
    return true; // nothing there (yet): the worker answers not_found
  }
  return artifactPathWorkflow(real, roots) === workflowId;
}

const nonNull = <T extends GraphQLNullableType>(type: T) => new GraphQLNonNull(type);
const listOf = <T extends GraphQLNullableType>(type: T) =>
  new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(type)));

const ArtifactType = new GraphQLObjectType<Artifact>({
  name: "Artifact",
  description: "An artifact's bytes, fetched through the artifacts cache pool.",
  fields: {
    location: { type: nonNull(GraphQLString) },
    size: { type: GraphQLFloat, description: "Bytes, when known." },
    tooLarge: {
      type: nonNull(GraphQLBoolean),
      description: "Over OVERLAP_ARTIFACT_MAX_BYTES: no content is returned.",
    },
    contentType: { type: GraphQLString },
    text: {
      type: GraphQLString,
      description: "The content as UTF-8 text; null when it is not valid UTF-8.",
      resolve: (artifact) => {
        try {
          return new TextDecoder("utf-8", { fatal: true }).decode(artifact.content);
        } catch {
          return null;
        }
      },
    },
    contentBase64: {
      type: GraphQLString,
      resolve: (artifact) => Buffer.from(artifact.content).toString("base64"),
    },
  },
});

const DagPointType = new GraphQLObjectType({
  name: "DagPoint",
  fields: { x: { type: nonNull(GraphQLFloat) }, y: { type: nonNull(GraphQLFloat) } },
});

const DagNodeType = new GraphQLObjectType({
  name: "DagNode",
  fields: {
    id: { type: nonNull(GraphQLID) },
    layer: { type: nonNull(GraphQLInt) },
    order: { type: nonNull(GraphQLInt) },
    x: { type: nonNull(GraphQLFloat) },
    y: { type: nonNull(GraphQLFloat) },
  },
});

const DagEdgeType = new GraphQLObjectType({
  name: "DagEdge",
  fields: {
    source: { type: nonNull(GraphQLID) },
    target: { type: nonNull(GraphQLID) },
    reversed: { type: nonNull(GraphQLBoolean), description: "Reversed to break a cycle." },
    points: {
      type: listOf(DagPointType),
      description: "From the source through waypoints (one per layer crossed) to the target.",
    },
  },
});

const DagLayoutType = new GraphQLObjectType({
  name: "DagLayout",
  description: "A layered layout of a workflow's graph.",
  fields: {
    workflowId: { type: nonNull(GraphQLID) },
    version: { type: nonNull(GraphQLString), description: "Version of the graph laid out." },
    layers: { type: nonNull(GraphQLInt) },
    width: { type: nonNull(GraphQLFloat) },
    height: { type: nonNull(GraphQLFloat) },
    crossings: { type: nonNull(GraphQLInt) },
    nodes: { type: listOf(DagNodeType) },
    edges: { type: listOf(DagEdgeType) },
  },
});

const JobLogType = new GraphQLObjectType({
  name: "JobLog",
  fields: {
    jobId: { type: nonNull(GraphQLID) },
    stream: { type: nonNull(GraphQLString) },
    size: { type: nonNull(GraphQLFloat) },
    lines: { type: listOf(GraphQLString) },
    firstLine: { type: GraphQLInt },
    totalLines: { type: GraphQLInt },
    page: { type: GraphQLInt },
    pages: { type: GraphQLInt },
  },
});

const ArtifactEntryType = new GraphQLObjectType({
  name: "ArtifactEntry",
  description: "One artifact file of a job: fetch its content with artifact(location).",
  fields: {
    name: { type: nonNull(GraphQLString) },
    location: { type: nonNull(GraphQLString) },
    size: { type: GraphQLFloat },
  },
});

const ReadArtifactsEventType = new GraphQLObjectType({
  name: "ReadArtifactsEvent",
  fields: {
    fraction: {
      type: nonNull(GraphQLFloat),
      description: "Share of the locations read (1 when done).",
    },
    done: { type: nonNull(GraphQLBoolean) },
    artifacts: {
      type: new GraphQLList(new GraphQLNonNull(ArtifactType)),
      description: "Set on the last event, in the order of the locations.",
    },
  },
});

/** One event of a `readArtifacts` subscription. */
export interface ReadArtifactsEvent {
  readonly fraction: number;
  readonly done: boolean;
  readonly artifacts: Artifact[] | null;
}

/**
 * A cache read as a subscription's events: one per progress event, then
 * one with the result. Ending the subscription cancels the read.
 */
async function* readEvents<T, E>(
  read: CacheFuture<T>,
  progress: (fraction: number, detail: string | null) => E,
  result: (value: T) => E,
): AsyncGenerator<E> {
  try {
    for await (const event of read.events()) {
      yield event.type === "progress"
        ? progress(event.fraction, event.detail ?? null)
        : result(event.value);
    }
  } finally {
    // The client unsubscribed (or the read ended): stop waiting for it.
    read.cancel("the subscription ended");
  }
}

const ReadJobLogEventType = new GraphQLObjectType({
  name: "ReadJobLogEvent",
  fields: {
    fraction: {
      type: nonNull(GraphQLFloat),
      description: "Share of the bytes the read may take that were read (1 when done).",
    },
    detail: { type: GraphQLString, description: "Bytes read, in words (`read N of M bytes`)." },
    done: { type: nonNull(GraphQLBoolean) },
    log: {
      type: JobLogType,
      description: "Set on the last event; null when the job has no log yet, or the caller may " +
        "not read its workflow.",
    },
  },
});

/** One event of a `readJobLog` subscription. */
export interface ReadJobLogEvent {
  readonly fraction: number;
  readonly detail: string | null;
  readonly done: boolean;
  readonly log: LogPage | null;
}

/** The most lines one `readJobLog` returns (`tail` or `pageSize`). */
export const MAX_LOG_READ_LINES = 10_000;

/** The arguments of `jobLog` and `readJobLog`. */
const LOG_ARGS = {
  jobId: { type: nonNull(GraphQLID) },
  stream: { type: GraphQLString, defaultValue: "stdout" },
  tail: { type: GraphQLInt },
  page: { type: GraphQLInt },
  pageSize: { type: GraphQLInt },
};

/** `jobLog`'s and `readJobLog`'s arguments. */
interface LogArgs {
  readonly jobId: string;
  readonly stream: string;
  readonly tail?: number | null;
  readonly page?: number | null;
  readonly pageSize?: number | null;
}

/**
 * Checks `readJobLog`'s arguments at the edge, with what was wrong and what
 * is expected.
 *
 * @throws {TypeError} for a stream or job id that is not one.
 * @throws {RangeError} for a window out of bounds, or both `tail` and `page`.
 */
function checkLogArgs(args: LogArgs): void {
  if (args.stream !== "stdout" && args.stream !== "stderr") {
    throw new TypeError(`stream must be "stdout" or "stderr", got ${JSON.stringify(args.stream)}`);
  }
  if (parseJobId(args.jobId) === null) {
    throw new TypeError(
      `not a job id: ${JSON.stringify(args.jobId)} (expected ~owner/flow//cycle/task/NN)`,
    );
  }
  const within = (name: string, value: number | null | undefined, max: number) => {
    if (value !== null && value !== undefined && (value < 1 || value > max)) {
      throw new RangeError(`${name} must be from 1 to ${max}, got ${value}`);
    }
  };
  within("tail", args.tail, MAX_LOG_READ_LINES);
  within("pageSize", args.pageSize, MAX_LOG_READ_LINES);
  within("page", args.page, 1_000_000_000);
  if (args.tail != null && args.page != null) {
    throw new RangeError("give tail or page, not both");
  }
}

/** The most locations one `readArtifacts` subscription may read. */
export const MAX_READ_ARTIFACTS = 100;

/** The most artifacts `jobArtifacts` lists for one job. */
export const MAX_JOB_ARTIFACTS = 500;

/** One listed artifact. */
export interface ArtifactEntry {
  readonly name: string;
  readonly location: string;
  readonly size: number;
}

/**
 * Lists a job's artifact files under `roots` (by the job_paths layout),
 * sorted by name, at most {@linkcode MAX_JOB_ARTIFACTS}. Only regular
 * files with safe names; a missing directory is no artifacts.
 *
 * @throws {TypeError} for a malformed job id.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listJobArtifacts } from "./graphql_fields.ts";
 * const root = await Deno.realPath(await Deno.makeTempDir());
 * await Deno.mkdir(`${root}/u/f/1/a/01`, { recursive: true });
 * await Deno.writeTextFile(`${root}/u/f/1/a/01/metrics.json`, "{}");
 * const [entry] = await listJobArtifacts("~u/f//1/a/01", [root]);
 * assert.deepEqual(entry, { name: "metrics.json", location: `file://${root}/u/f/1/a/01/metrics.json`, size: 2 });
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function listJobArtifacts(
  jobId: string,
  roots: readonly string[],
): Promise<ArtifactEntry[]> {
  const job = parseJobId(jobId);
  if (job === null) throw new TypeError(`not a job id: ${JSON.stringify(jobId)}`);
  const out: ArtifactEntry[] = [];
  for (const root of roots) {
    const dir = jobArtifactDir(root, job);
    try {
      for await (const entry of Deno.readDir(dir)) {
        if (!entry.isFile || !isArtifactName(entry.name)) continue;
        const { size } = await Deno.stat(`${dir}/${entry.name}`);
        const location = `file://${dir.split("/").map(encodeURIComponent).join("/")}/${
          encodeURIComponent(entry.name)
        }`;
        out.push({ name: entry.name, location, size });
        if (out.length >= MAX_JOB_ARTIFACTS) break;
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).slice(
    0,
    MAX_JOB_ARTIFACTS,
  );
}

const SearchArtifactsEventType = new GraphQLObjectType<SearchArtifactsEvent>({
  name: "SearchArtifactsEvent",
  fields: {
    fraction: { type: nonNull(GraphQLFloat) },
    detail: { type: GraphQLString },
    done: { type: nonNull(GraphQLBoolean) },
    jobIds: { type: new GraphQLList(new GraphQLNonNull(GraphQLID)) },
    scanned: { type: GraphQLInt },
    truncated: { type: GraphQLBoolean },
  },
});

/**
 * Builds the cache-backed fields for `pools`.
 *
 * @example
 * ```ts ignore
 * const fields = cacheFields(pools);
 * const schema = new GraphQLSchema({
 *   query: new GraphQLObjectType({ name: "Query", fields: { ...fields.query } }),
 *   subscription: new GraphQLObjectType({ name: "Subscription", fields: { ...fields.subscription } }),
 * });
 * ```
 */
export function cacheFields(
  pools: Pick<CachePools, "dag" | "artifacts" | "logs" | "artifactRoots">,
): CacheFields {
  /**
   * `jobLog`'s and `readJobLog`'s read: arguments checked at the edge, then
   * null (nothing told) for a workflow the caller may not read.
   */
  const readLog = (args: LogArgs, context: unknown): CacheFuture<LogPage | null> | null => {
    checkLogArgs(args);
    if (!mayRead(context, args.jobId.slice(0, args.jobId.indexOf("//")))) return null;
    return pools.logs.getLogFile(args.jobId, args.stream as "stdout" | "stderr", {
      tail: args.tail ?? undefined,
      page: args.page ?? undefined,
      pageSize: args.pageSize ?? undefined,
    });
  };
  return {
    query: {
      artifact: {
        type: ArtifactType,
        args: { location: { type: nonNull(GraphQLString) } },
        resolve: async (_root, args: { location: string }, context) => {
          if (!mayReadAll(context)) {
            if (!await mayReadArtifact(context, args.location, pools.artifactRoots)) {
              throw new Deno.errors.PermissionDenied(
                `not allowed to read ${args.location}: a token scoped to some workflows may read ` +
                  "only file:// artifacts of those workflows under the artifact roots",
              );
            }
          }
          return (await pools.artifacts.getArtifacts([args.location]))[0];
        },
      },
      dag: {
        type: DagLayoutType,
        args: { workflowId: { type: nonNull(GraphQLID) } },
        resolve: (_root, args: { workflowId: string }, context) =>
          mayRead(context, args.workflowId) ? pools.dag.getDag(args.workflowId) : null,
      },
      jobArtifacts: {
        type: new GraphQLList(new GraphQLNonNull(ArtifactEntryType)),
        description: "A job's file:// artifacts; null for a workflow the caller may not read.",
        args: { jobId: { type: nonNull(GraphQLID) } },
        resolve: (_root, args: { jobId: string }, context) => {
          const cut = args.jobId.indexOf("//");
          if (cut !== -1 && !mayRead(context, args.jobId.slice(0, cut))) return null;
          return listJobArtifacts(args.jobId, pools.artifactRoots);
        },
      },
      jobLog: {
        type: JobLogType,
        description: "A page or the tail of a job's log; null when the job has no log yet.",
        args: LOG_ARGS,
        resolve: (_root, args: LogArgs, context) => readLog(args, context),
      },
    },
    subscription: {
      readArtifacts: {
        type: nonNull(ReadArtifactsEventType),
        args: {
          locations: {
            type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLString))),
          },
        },
        // Checked before the stream starts, so a refusal is an error result
        // for this subscription, not a failure in the middle of a stream.
        subscribe: async (_root: unknown, args: { locations: string[] }, context: unknown) => {
          if (args.locations.length > MAX_READ_ARTIFACTS) {
            throw new RangeError(
              `readArtifacts reads at most ${MAX_READ_ARTIFACTS} locations, got ${args.locations.length}`,
            );
          }
          if (!mayReadAll(context)) {
            for (const location of args.locations) {
              if (!await mayReadArtifact(context, location, pools.artifactRoots)) {
                throw new Deno.errors.PermissionDenied(
                  `not allowed to read ${location}: a token scoped to some workflows may read ` +
                    "only file:// artifacts of those workflows under the artifact roots",
                );
              }
            }
          }
          return readEvents<Artifact[], ReadArtifactsEvent>(
            pools.artifacts.getArtifacts(args.locations),
            (fraction) => ({ fraction, done: false, artifacts: null }),
            (artifacts) => ({ fraction: 1, done: true, artifacts }),
          );
        },
        resolve: (event: unknown) => event,
      },
      readJobLog: {
        type: nonNull(ReadJobLogEventType),
        description: "jobLog with the read's progress: progress events, then the log (done).",
        args: LOG_ARGS,
        // Checked before the stream starts: a refusal is this subscription's error result.
        subscribe: (_root: unknown, args: LogArgs, context: unknown) => {
          const read = readLog(args, context);
          if (read === null) {
            // Like a job without a log: whether it exists is not told.
            return (async function* (): AsyncGenerator<ReadJobLogEvent> {
              yield { fraction: 1, detail: null, done: true, log: null };
            })();
          }
          return readEvents<LogPage | null, ReadJobLogEvent>(
            read,
            (fraction, detail) => ({ fraction, detail, done: false, log: null }),
            (log) => ({ fraction: 1, detail: null, done: true, log }),
          );
        },
        resolve: (event: unknown) => event,
      },
      searchArtifacts: {
        type: nonNull(SearchArtifactsEventType),
        args: {
          workflowId: { type: nonNull(GraphQLID) },
          name: { type: nonNull(GraphQLString) },
          value: { type: nonNull(GraphQLString) },
        },
        subscribe: async function* (
          _root: unknown,
          args: { workflowId: string; name: string; value: string },
          context: unknown,
        ): AsyncGenerator<SearchArtifactsEvent> {
          if (!mayRead(context, args.workflowId)) {
            // Like a workflow without artifacts: whether it exists is not told.
            yield {
              fraction: 1,
              detail: null,
              done: true,
              jobIds: [],
              scanned: 0,
              truncated: false,
            };
            return;
          }
          const search = pools.artifacts.searchArtifacts(args.workflowId, args.name, args.value);
          try {
            for await (const event of search.events()) {
              if (event.type === "progress") {
                yield {
                  fraction: event.fraction,
                  detail: event.detail ?? null,
                  done: false,
                  jobIds: null,
                  scanned: null,
                  truncated: null,
                };
              } else {
                yield {
                  fraction: 1,
                  detail: null,
                  done: true,
                  jobIds: event.value.jobIds,
                  scanned: event.value.scanned,
                  truncated: event.value.truncated,
                };
              }
            }
          } finally {
            // The client unsubscribed (or the search ended): stop waiting for it.
            search.cancel("the subscription ended");
          }
        },
        resolve: (event: unknown) => event,
      },
    },
  };
}

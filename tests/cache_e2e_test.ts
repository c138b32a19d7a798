/**
 * End to end: the cache actions from GraphQL through a running server (the
 * real `startServer` with the cache extension, real cache server and worker
 * subprocesses), on PGlite, and on real PostgreSQL when `TEST_DATABASE_URL`
 * is set. A workflow is ingested over `POST /api/deltas`; `dag`, `jobLog` and
 * `artifact` are queried over `POST /graphql`, `searchArtifacts` is
 * subscribed to with the npm `graphql-ws` client, and `GET /status` shows
 * the pools' hit and miss counts for all of it.
 */
import { createHash } from "node:crypto";
import { type Client, createClient } from "graphql-ws";
import { cacheExtension } from "../src/cache/extension.ts";
import { jobArtifactDir, logFilePath, parseJobId } from "../src/cache/job_paths.ts";
import { assert, assertEquals } from "./assert.ts";
import { serverCases, testConfig, type TestServer, waitFor } from "./server_fixture.ts";

const W = "~u/f";
const task = (name: string) => `${W}//1/${name}`;
const edge = (source: string, target: string) => ({
  id: `${W}//$edge|1/${source}|1/${target}`,
  source: task(source),
  target: task(target),
});

/** The version `GetDag` keys a graph by: sha-256 of the sorted nodes and edges, 32 hex digits. */
function graphVersion(nodes: string[], edges: [string, string][]): string {
  return createHash("sha256").update(JSON.stringify([nodes, edges])).digest("hex").slice(0, 32);
}

const point = (x: number, y: number) => ({ x, y });
/** An expected layout node. */
const node = (name: string, layer: number, order: number, x: number, y: number) => ({
  id: task(name),
  layer,
  order,
  x,
  y,
});
/** An expected routed edge, not reversed, through `points`. */
const route = (source: string, target: string, ...points: [number, number][]) => ({
  source: task(source),
  target: task(target),
  reversed: false,
  points: points.map(([x, y]) => point(x, y)),
});

const DAG_QUERY = `query ($id: ID!) {
  dag(workflowId: $id) {
    workflowId version layers width height crossings
    nodes { id layer order x y }
    edges { source target reversed points { x y } }
  }
}`;

const LOG_QUERY = `query ($job: ID!, $stream: String, $tail: Int, $page: Int, $pageSize: Int) {
  jobLog(jobId: $job, stream: $stream, tail: $tail, page: $page, pageSize: $pageSize) {
    jobId stream size lines firstLine totalLines page pages
  }
}`;

const ARTIFACT_QUERY = `query ($location: String!) {
  artifact(location: $location) { location size tooLarge contentType text contentBase64 }
}`;

const SEARCH = `subscription ($id: ID!, $name: String!, $value: String!) {
  searchArtifacts(workflowId: $id, name: $name, value: $value) {
    fraction detail done jobIds scanned truncated
  }
}`;

const utf8 = (text: string) => new TextEncoder().encode(text).length;

for (const serverCase of serverCases()) {
  Deno.test(`cache e2e (${serverCase.name}): dag, jobLog, artifact and searchArtifacts over a running server`, async (t) => {
    const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "overlap-cache-e2e-" }));
    const artifacts = `${base}/artifacts`;
    const logs = `${base}/logs`;
    await Deno.mkdir(artifacts);
    await Deno.mkdir(logs);
    await Deno.mkdir(`${base}/outside`);
    await Deno.writeTextFile(`${base}/outside/secret`, "secret\n");
    const env = {
      OVERLAP_CACHE_DIR: `${base}/cache`,
      OVERLAP_ARTIFACT_ROOTS: artifacts,
      OVERLAP_LOG_ROOTS: logs,
      OVERLAP_LOG_LEVEL: "error",
    };
    const config = testConfig(env);
    let test: TestServer | undefined;
    let ws: Client | undefined;
    try {
      test = await serverCase.start(env, {
        extend: async (db, log) => [await cacheExtension(config, db, log)],
      });
      const server = test;
      const graphql = async (query: string, variables: Record<string, unknown>) => {
        const response = await server.post("/graphql", { query, variables });
        assertEquals(response.status, 200);
        return response.body;
      };
      const status = async () => {
        const response = await fetch(`${server.server.url}/status`);
        assertEquals(response.status, 200);
        return (await response.json()).cache as Record<string, Record<string, unknown>>;
      };

      await t.step("dag: a known graph in layers; a new edge is a new version", async () => {
        const ingest = await server.post("/api/deltas", {
          workflows: [{
            id: W,
            status: "running",
            taskProxies: ["a", "b", "c", "d"].map((name) => ({ id: task(name) })),
            edges: [edge("a", "b"), edge("a", "c"), edge("b", "d"), edge("c", "d")],
          }],
        });
        assertEquals(ingest.status, 200);
        const nodes = ["a", "b", "c", "d"].map(task);
        const pairs = (names: string[]) =>
          names.map((pair) => [task(pair[0]), task(pair[1])] as [string, string]);
        // The version hashes the graph as the database holds it, sorted.
        const edges1 = pairs(["ab", "ac", "bd", "cd"]);
        // a on top, b and c side by side, d below: two wide, centred.
        const first = {
          data: {
            dag: {
              workflowId: W,
              version: graphVersion(nodes, edges1),
              layers: 3,
              width: 120,
              height: 200,
              crossings: 0,
              nodes: [
                node("a", 0, 0, 60, 0),
                node("b", 1, 0, 0, 100),
                node("c", 1, 1, 120, 100),
                node("d", 2, 0, 60, 200),
              ],
              edges: [
                route("a", "b", [60, 0], [0, 100]),
                route("a", "c", [60, 0], [120, 100]),
                route("b", "d", [0, 100], [60, 200]),
                route("c", "d", [120, 100], [60, 200]),
              ],
            },
          },
        };
        assertEquals(await graphql(DAG_QUERY, { id: W }), first); // miss: laid out by a worker
        assertEquals(await graphql(DAG_QUERY, { id: W }), first); // hit: read from disk in-process

        const added = await server.post("/api/deltas", {
          workflows: [{ id: W, edges: [edge("a", "d")] }],
        });
        assertEquals(added.status, 200);
        const edges2 = pairs(["ab", "ac", "ad", "bd", "cd"]);
        // a→d spans two layers: a waypoint to the right of b and c makes layer 1 three wide.
        const second = {
          data: {
            dag: {
              workflowId: W,
              version: graphVersion(nodes, edges2),
              layers: 3,
              width: 240,
              height: 200,
              crossings: 0,
              nodes: [
                node("a", 0, 0, 120, 0),
                node("b", 1, 0, 0, 100),
                node("c", 1, 1, 120, 100),
                node("d", 2, 0, 120, 200),
              ],
              edges: [
                route("a", "b", [120, 0], [0, 100]),
                route("a", "c", [120, 0], [120, 100]),
                route("a", "d", [120, 0], [240, 100], [120, 200]),
                route("b", "d", [0, 100], [120, 200]),
                route("c", "d", [120, 100], [120, 200]),
              ],
            },
          },
        };
        assert(second.data.dag.version !== first.data.dag.version);
        assertEquals(await graphql(DAG_QUERY, { id: W }), second); // miss: a new version
        assertEquals(await graphql(DAG_QUERY, { id: W }), second); // hit
        const { dag } = await status();
        assertEquals([dag.hits, dag.misses, dag.errors], [2, 2, 0]);
      });

      await t.step(
        "jobLog: exact lines of a tail and a page; a grown log is read again",
        async () => {
          const job = `${W}//1/a/01`;
          const parts = parseJobId(job)!;
          const out = logFilePath(logs, parts, "stdout");
          assertEquals(out, `${logs}/u/f/log/job/1/a/01/job.out`);
          await Deno.mkdir(out.slice(0, out.lastIndexOf("/")), { recursive: true });
          const text = "starting\nstep 1 of 2\nstep 2 of 2\ndone\n";
          await Deno.writeTextFile(out, text);
          await Deno.writeTextFile(logFilePath(logs, parts, "stderr"), "e1\ne2\ne3\n");
          const tail = {
            data: {
              jobLog: {
                jobId: job,
                stream: "stdout",
                size: utf8(text),
                lines: ["step 2 of 2", "done"],
                firstLine: null,
                totalLines: null,
                page: null,
                pages: null,
              },
            },
          };
          assertEquals(await graphql(LOG_QUERY, { job, tail: 2 }), tail); // stream defaults to stdout
          assertEquals(await graphql(LOG_QUERY, { job, stream: "stdout", tail: 2 }), tail); // hit
          assertEquals(
            await graphql(LOG_QUERY, { job, stream: "stderr", page: 2, pageSize: 2 }),
            {
              data: {
                jobLog: {
                  jobId: job,
                  stream: "stderr",
                  size: 9,
                  lines: ["e3"],
                  firstLine: 3,
                  totalLines: 3,
                  page: 2,
                  pages: 2,
                },
              },
            },
          );
          // No log yet: null, answered without a request (neither hit nor miss).
          assertEquals(await graphql(LOG_QUERY, { job: `${W}//1/b/01`, tail: 2 }), {
            data: { jobLog: null },
          });
          await Deno.writeTextFile(out, "exit 0\n", { append: true });
          assertEquals(await graphql(LOG_QUERY, { job, tail: 3 }), {
            data: {
              jobLog: {
                ...tail.data.jobLog,
                size: utf8(text) + 7,
                lines: ["step 2 of 2", "done", "exit 0"],
              },
            },
          });
          const { logs: pool } = await status();
          assertEquals([pool.hits, pool.misses, pool.errors], [1, 3, 0]);
        },
      );

      const jobDir = (job: string) => jobArtifactDir(artifacts, parseJobId(`${W}//1/${job}`)!);
      const score = `${jobDir("a/01")}/score`;

      await t.step(
        "artifact: text inside the roots; outside is refused, the server goes on",
        async () => {
          for (const job of ["a/01", "b/01", "c/01", "c/02", "d/01"]) {
            await Deno.mkdir(jobDir(job), { recursive: true });
          }
          assertEquals(score, `${artifacts}/u/f/1/a/01/score`);
          await Deno.writeTextFile(score, "9\n");
          await Deno.writeTextFile(`${jobDir("b/01")}/score`, "7\n");
          await Deno.writeTextFile(`${jobDir("c/01")}/score`, "9");
          await Deno.writeTextFile(`${jobDir("c/02")}/score`, "90\n");
          await Deno.writeTextFile(`${jobDir("d/01")}/report.txt`, "all good ✓\n");
          const good = {
            data: {
              artifact: {
                location: `file://${score}`,
                size: 2,
                tooLarge: false,
                contentType: null,
                text: "9\n",
                contentBase64: btoa("9\n"),
              },
            },
          };
          assertEquals(await graphql(ARTIFACT_QUERY, { location: `file://${score}` }), good);

          for (
            const location of ["file:///etc/passwd", `file://${artifacts}/../outside/secret`]
          ) {
            const refused = await graphql(ARTIFACT_QUERY, { location });
            assertEquals(refused, {
              data: { artifact: null },
              errors: [{
                message: `cache pool artifacts: GetArtifacts ${
                  JSON.stringify([`artifact:${location}`])
                } failed (forbidden): ActionFailure: ${location} is outside the artifact roots`,
                locations: [{ line: 2, column: 3 }],
                path: ["artifact"],
              }],
            }, location);
          }

          // Still up: a new artifact (a worker run) and a repeated one (a hit).
          const report = `file://${jobDir("d/01")}/report.txt`;
          assertEquals(await graphql(ARTIFACT_QUERY, { location: report }), {
            data: {
              artifact: {
                location: report,
                size: utf8("all good ✓\n"),
                tooLarge: false,
                contentType: null,
                text: "all good ✓\n",
                contentBase64: "YWxsIGdvb2Qg4pyTCg==",
              },
            },
          });
          assertEquals(await graphql(ARTIFACT_QUERY, { location: `file://${score}` }), good);
          const { artifacts: pool } = await status();
          assertEquals([pool.hits, pool.misses, pool.errors], [1, 4, 2]);
        },
      );

      await t.step(
        "searchArtifacts over graphql-ws: progress, then done with the job ids",
        async () => {
          ws = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
          const events: unknown[] = [];
          const ended = Promise.withResolvers<void>();
          ws.subscribe({ query: SEARCH, variables: { id: W, name: "score", value: "9" } }, {
            next: (value) => void events.push(value),
            error: (error) => ended.reject(error),
            complete: () => ended.resolve(),
          });
          await ended.promise;
          const progress = (fraction: number, detail: string | null = null) => ({
            data: {
              searchArtifacts: {
                fraction,
                detail,
                done: false,
                jobIds: null,
                scanned: null,
                truncated: null,
              },
            },
          });
          // Five job directories (a/01, b/01, c/01, c/02, d/01), one progress event per file
          // compared; "9\n" and "9" match, "90\n" and "7\n" do not, d/01 has no score.
          assertEquals(events, [
            progress(0, "5 jobs to scan"),
            progress(0.2),
            progress(0.4),
            progress(0.6),
            progress(0.8),
            progress(1, "2 matches"),
            {
              data: {
                searchArtifacts: {
                  fraction: 1,
                  detail: null,
                  done: true,
                  jobIds: [`${W}//1/a/01`, `${W}//1/c/01`],
                  scanned: 5,
                  truncated: false,
                },
              },
            },
          ]);
        },
      );

      await t.step("GET /status: each pool's hits and misses", async () => {
        // Worker runs are the servers' figures, on each pool's next stats line (≤ 100 ms).
        await waitFor("the pools' stats lines", async () => {
          const now = await status();
          return now.dag.workerRuns === 2 && now.logs.workerRuns === 3 &&
            now.artifacts.workerRuns === 5;
        });
        const cache = await status();
        const figures = (pool: Record<string, unknown>) => ({
          up: pool.up,
          hits: pool.hits,
          misses: pool.misses,
          errors: pool.errors,
          timeouts: pool.timeouts,
          restarts: pool.restarts,
          pending: pool.pending,
        });
        assertEquals(Object.keys(cache).sort(), ["artifacts", "dag", "logs"]);
        // dag: two layouts laid out, each read again; logs: tail, page, grown tail, one hit;
        // artifacts: score, two refusals, report and the search, then score again.
        assertEquals(figures(cache.dag), {
          up: true,
          hits: 2,
          misses: 2,
          errors: 0,
          timeouts: 0,
          restarts: 0,
          pending: 0,
        });
        assertEquals(figures(cache.logs), {
          up: true,
          hits: 1,
          misses: 3,
          errors: 0,
          timeouts: 0,
          restarts: 0,
          pending: 0,
        });
        assertEquals(figures(cache.artifacts), {
          up: true,
          hits: 1,
          misses: 5,
          errors: 2,
          timeouts: 0,
          restarts: 0,
          pending: 0,
        });
        assertEquals(
          [cache.dag.workerErrors, cache.logs.workerErrors, cache.artifacts.workerErrors],
          [0, 0, 2],
        );
      });
    } finally {
      await ws?.dispose();
      await test?.stop();
      await Deno.remove(base, { recursive: true });
    }
  });

  Deno.test(`cache e2e (${serverCase.name}): read scopes apply to dag, jobLog, searchArtifacts and artifact`, async () => {
    const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "overlap-cache-scope-" }));
    const artifacts = `${base}/artifacts`;
    const logs = `${base}/logs`;
    const job = parseJobId(`${W}//1/a/01`)!;
    const out = logFilePath(logs, job, "stdout");
    await Deno.mkdir(out.slice(0, out.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(out, "one\ntwo\n");
    await Deno.mkdir(jobArtifactDir(artifacts, job), { recursive: true });
    await Deno.writeTextFile(`${jobArtifactDir(artifacts, job)}/score`, "9\n");
    // A link in ~u/f's artifacts to a file of another workflow, ~x/g.
    const otherDir = jobArtifactDir(artifacts, parseJobId("~x/g//1/a/01")!);
    await Deno.mkdir(otherDir, { recursive: true });
    await Deno.writeTextFile(`${otherDir}/secret`, "x\n");
    await Deno.symlink(`${otherDir}/secret`, `${jobArtifactDir(artifacts, job)}/link`);
    const tokens = {
      writer: "writer-token-0123456789",
      reader: "reader-token-0123456789",
      outsider: "outsider-token-0123456789",
      ops: "ops-token-0123456789abc",
    };
    const env = {
      OVERLAP_CACHE_DIR: `${base}/cache`,
      OVERLAP_ARTIFACT_ROOTS: artifacts,
      OVERLAP_LOG_ROOTS: logs,
      OVERLAP_LOG_LEVEL: "error",
      OVERLAP_TOKENS: JSON.stringify([
        { name: "writer", token: tokens.writer, scopes: ["write"] },
        { name: "reader", token: tokens.reader, scopes: ["read:~u/*"] },
        { name: "outsider", token: tokens.outsider, scopes: ["read:~x/*"] },
        { name: "ops", token: tokens.ops, scopes: ["operator"] },
      ]),
    };
    const config = testConfig(env);
    let test: TestServer | undefined;
    const clients: Client[] = [];
    try {
      test = await serverCase.start(env, {
        extend: async (db, log) => [await cacheExtension(config, db, log)],
      });
      const server = test;
      const ingest = await server.post("/api/deltas", {
        workflows: [{
          id: W,
          taskProxies: [{ id: task("a") }, { id: task("b") }],
          edges: [edge("a", "b")],
        }],
      }, tokens.writer);
      assertEquals(ingest.status, 200);
      const query = `{
        dag(workflowId: "${W}") { layers nodes { id layer x y } }
        jobLog(jobId: "${W}//1/a/01", tail: 1) { lines }
      }`;
      const search = async (token: string) => {
        const ws = createClient({
          url: server.wsUrl,
          webSocketImpl: WebSocket,
          retryAttempts: 0,
          connectionParams: { token },
        });
        clients.push(ws);
        const events: unknown[] = [];
        const ended = Promise.withResolvers<void>();
        ws.subscribe({ query: SEARCH, variables: { id: W, name: "score", value: "9" } }, {
          next: (value) => void events.push(value),
          error: (error) => ended.reject(error),
          complete: () => ended.resolve(),
        });
        await ended.promise;
        return events.at(-1);
      };
      const done = (jobIds: string[], scanned: number) => ({
        data: {
          searchArtifacts: {
            fraction: 1,
            detail: null,
            done: true,
            jobIds,
            scanned,
            truncated: false,
          },
        },
      });

      assertEquals(await server.post("/graphql", { query }, tokens.reader), {
        status: 200,
        body: {
          data: {
            dag: {
              layers: 2,
              nodes: [
                { id: task("a"), layer: 0, x: 0, y: 0 },
                { id: task("b"), layer: 1, x: 0, y: 100 },
              ],
            },
            jobLog: { lines: ["two"] },
          },
        },
      });
      assertEquals(await search(tokens.reader), done([`${W}//1/a/01`], 1));
      // Outside the token's read scope: as if there were nothing, and no cache request made.
      assertEquals(await server.post("/graphql", { query }, tokens.outsider), {
        status: 200,
        body: { data: { dag: null, jobLog: null } },
      });
      assertEquals(await search(tokens.outsider), done([], 0));
      // artifact: a file of a readable workflow, yes; anything else needs read on every workflow.
      const score = `file://${jobArtifactDir(artifacts, job)}/score`;
      const artifact = (location: string, token: string) =>
        server.post("/graphql", {
          query: "query ($l: String!) { artifact(location: $l) { text } }",
          variables: { l: location },
        }, token);
      assertEquals(await artifact(score, tokens.reader), {
        status: 200,
        body: { data: { artifact: { text: "9\n" } } },
      });
      for (
        const [location, token] of [
          [score, tokens.outsider],
          ["file:///etc/passwd", tokens.reader],
          [`file://${jobArtifactDir(artifacts, job)}/link`, tokens.reader],
          ["s3://bucket/u/f/1/a/01/score", tokens.reader],
        ]
      ) {
        const refused = await artifact(location, token);
        assertEquals(refused.body.data, { artifact: null });
        assertEquals(
          (refused.body.errors as { message: string }[])[0].message,
          `not allowed to read ${location}: a token scoped to some workflows may read only ` +
            "file:// artifacts of those workflows under the artifact roots",
        );
      }

      // The pools' figures are for operators only, in /status and /metrics alike.
      for (const path of ["/status", "/metrics"]) {
        const refused = await fetch(`${server.server.url}${path}`, {
          headers: { authorization: `Bearer ${tokens.reader}` },
        });
        assertEquals([refused.status, await refused.json()], [403, {
          error: "token reader has no operator scope",
        }]);
      }
      const ops = { authorization: `Bearer ${tokens.ops}` };
      const response = await fetch(`${server.server.url}/status`, { headers: ops });
      assertEquals(response.status, 200);
      const cache = (await response.json()).cache as Record<string, Record<string, unknown>>;
      assertEquals(
        [cache.dag.misses, cache.logs.misses, cache.artifacts.misses],
        [1, 1, 2],
      );
      const metrics = await (await fetch(`${server.server.url}/metrics`, { headers: ops })).text();
      const misses = [...metrics.matchAll(/^overlap_cache_misses_total\{pool="(\w+)"\} (\d+)$/gm)]
        .map(([, pool, n]) => [pool, Number(n)]);
      assertEquals(Object.fromEntries(misses), { dag: 1, artifacts: 2, logs: 1 });
      assert(/^overlap_cache_up\{pool="artifacts"\} 1$/m.test(metrics), "the artifacts pool is up");
    } finally {
      for (const ws of clients) await ws.dispose();
      await test?.stop();
      await Deno.remove(base, { recursive: true });
    }
  });
}

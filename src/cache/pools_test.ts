/**
 * The three pools started from a real configuration, with real data:
 * GetDag from PGlite tables, GetLogFile from a log tree, GetArtifacts from
 * file://, http:// (a loopback server) and s3:// (s3rver on loopback),
 * path-traversal refusals, SearchArtifacts with progress, GET /status figures.
 */
import { PGlite } from "@electric-sql/pglite";
import S3rver from "s3rver";
import { AwsClient } from "aws4fetch";
import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { loadConfig } from "../config.ts";
import { silentLogger } from "../log.ts";
import type { Queryable } from "../db/database.ts";
import { CacheActionError } from "./errors.ts";
import { startCachePools } from "./pools.ts";

const W = "~u/flow";
const t = (name: string) => `${W}//1/${name}`;

Deno.test("pools: dag, logs and artifacts with real data", async (test) => {
  const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "overlap-pools-" }));
  const artifacts = `${base}/artifacts`;
  const logs = `${base}/logs`;
  await Deno.mkdir(`${artifacts}/u/flow/1/a/01`, { recursive: true });
  await Deno.mkdir(`${logs}/u/flow/log/job/1/a/01`, { recursive: true });
  await Deno.mkdir(`${base}/outside`);
  await Deno.writeTextFile(`${base}/outside/secret`, "secret");

  const s3 = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory: `${base}/s3`,
    configureBuckets: [{ name: "bkt", configs: [] }],
  });
  const { port: s3Port } = await s3.run();
  const s3Endpoint = `http://127.0.0.1:${s3Port}`;
  const aws = new AwsClient({
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    region: "us-east-1",
    service: "s3",
  });
  const put = await aws.fetch(`${s3Endpoint}/bkt/run/1/model.json`, {
    method: "PUT",
    body: '{"accuracy":0.93}',
  });
  await put.body?.cancel();
  assertEquals(put.status, 200);

  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const path = new URL(request.url).pathname;
    return path === "/a.txt" ? new Response("over http") : new Response("no", { status: 404 });
  });
  const httpHost = `127.0.0.1:${http.addr.port}`;

  const pg = await PGlite.create();
  await pg.exec(`
    create table task_proxies (id text primary key, workflow_id text not null, name text);
    create table edges (id text primary key, workflow_id text not null, source text, target text);
  `);
  const db: Queryable = {
    query: async (sql, params) => (await pg.query(sql, params as unknown[])).rows as never,
  };
  const addEdge = (source: string, target: string) =>
    pg.query("insert into edges values ($1, $2, $3, $4)", [
      `${W}//$edge|${source}|${target}`,
      W,
      t(source),
      t(target),
    ]);
  for (const name of ["a", "b", "c", "d"]) {
    await pg.query("insert into task_proxies values ($1, $2, $3)", [t(name), W, name]);
  }
  for (const [s, e] of [["a", "b"], ["a", "c"], ["b", "d"], ["c", "d"], ["a", "d"]]) {
    await addEdge(s, e);
  }

  const config = loadConfig(
    new Map([
      ["OVERLAP_CACHE_DIR", `${base}/cache`],
      ["OVERLAP_ARTIFACT_ROOTS", artifacts],
      ["OVERLAP_LOG_ROOTS", logs],
      ["OVERLAP_ARTIFACT_MAX_BYTES", "1000"],
      ["OVERLAP_ARTIFACT_HOSTS", httpHost],
      ["OVERLAP_S3_ENDPOINT", s3Endpoint],
      ["AWS_ACCESS_KEY_ID", "S3RVER"],
      ["AWS_SECRET_ACCESS_KEY", "S3RVER"],
      ["OVERLAP_LOG_LEVEL", "error"],
    ]),
  );
  const pools = await startCachePools(config, db, silentLogger, { serverStderr: () => {} });
  try {
    await test.step("GetDag lays out a known graph in the expected layers", async () => {
      const first = pools.dag.getDag(W);
      const dag = await first;
      assertEquals(first.hit, false);
      const layers = Object.fromEntries(dag.nodes.map((node) => [node.id, node.layer]));
      assertEquals(layers, { [t("a")]: 0, [t("b")]: 1, [t("c")]: 1, [t("d")]: 2 });
      assertEquals(dag.crossings, 0);
      const long = dag.edges.find((edge) => edge.source === t("a") && edge.target === t("d"))!;
      assertEquals(long.points.length, 3); // through a waypoint in layer 1
      const again = pools.dag.getDag(W);
      assertEquals((await again).version, dag.version);
      assertEquals(again.hit, true);
      await addEdge("d", "e"); // a changed graph is a new version, so a miss
      const changed = pools.dag.getDag(W);
      const next = await changed;
      assertEquals(changed.hit, false);
      assert(next.version !== dag.version);
      assertEquals(next.nodes.find((node) => node.id === t("e"))?.layer, 3);
    });

    await test.step("GetLogFile pages and tails, new content is a new key", async () => {
      const job = `${W}//1/a/01`;
      const path = `${logs}/u/flow/log/job/1/a/01/job.out`;
      await Deno.writeTextFile(path, "l1\nl2\nl3\nl4\nl5\n");
      const tail = await pools.logs.getLogFile(job, "stdout", { tail: 2 });
      assertEquals(tail?.lines, ["l4", "l5"]);
      const page = await pools.logs.getLogFile(job, "stdout", { page: 2, pageSize: 2 });
      assertEquals([page?.lines, page?.totalLines, page?.pages], [["l3", "l4"], 5, 3]);
      assertEquals(await pools.logs.getLogFile(job, "stderr"), null);
      await Deno.writeTextFile(path, "l6\n", { append: true });
      assertEquals((await pools.logs.getLogFile(job, "stdout", { tail: 1 }))?.lines, ["l6"]);
    });

    await test.step("GetArtifacts reads file:// inside the roots, caps size", async () => {
      await Deno.writeTextFile(`${artifacts}/u/flow/1/a/01/x.txt`, "hello");
      await Deno.writeFile(`${artifacts}/u/flow/1/a/01/big.bin`, new Uint8Array(2000));
      const [x, big] = await pools.artifacts.getArtifacts([
        `file://${artifacts}/u/flow/1/a/01/x.txt`,
        `file://${artifacts}/u/flow/1/a/01/big.bin`,
      ]);
      assertEquals(new TextDecoder().decode(x.content), "hello");
      assertEquals([big.tooLarge, big.size, big.content.length], [true, 2000, 0]);
    });

    await test.step("path traversal and symlink escapes are refused", async () => {
      await Deno.symlink(`${base}/outside/secret`, `${artifacts}/u/flow/1/a/01/link`);
      for (
        const location of [
          `file://${artifacts}/../outside/secret`,
          `file://${artifacts}/%2e%2e/outside/secret`,
          `file://${artifacts}/u/flow/1/a/01/link`,
          `file://${base}/outside/secret`,
          `file://otherhost${artifacts}/u/flow/1/a/01/x.txt`,
        ]
      ) {
        const error = await assertRejects(
          () => Promise.resolve(pools.artifacts.getArtifacts([location])),
          CacheActionError,
        );
        assertEquals(error.code, "forbidden", location);
      }
    });

    await test.step("http:// from an allowed host only", async () => {
      const [artifact] = await pools.artifacts.getArtifacts([`http://${httpHost}/a.txt`]);
      assertEquals(new TextDecoder().decode(artifact.content), "over http");
      const error = await assertRejects(
        () =>
          Promise.resolve(
            pools.artifacts.getArtifacts([`http://localhost:${http.addr.port}/a.txt`]),
          ),
        CacheActionError,
      );
      assertEquals(error.code, "forbidden");
    });

    await test.step("s3:// through s3rver", async () => {
      const [model] = await pools.artifacts.getArtifacts(["s3://bkt/run/1/model.json"]);
      assertEquals(new TextDecoder().decode(model.content), '{"accuracy":0.93}');
      const missing = await assertRejects(
        () => Promise.resolve(pools.artifacts.getArtifacts(["s3://bkt/run/1/none.json"])),
        CacheActionError,
        "404",
      );
      assertEquals(missing.code, "not_found");
    });

    await test.step("SearchArtifacts streams progress, then the matching jobs", async () => {
      for (const [task, value] of [["a", "0.93"], ["b", "0.5"], ["c", "0.93\n"]]) {
        await Deno.mkdir(`${artifacts}/u/flow/2/${task}/01`, { recursive: true });
        await Deno.writeTextFile(`${artifacts}/u/flow/2/${task}/01/accuracy`, value);
      }
      const search = pools.artifacts.searchArtifacts(W, "accuracy", "0.93");
      const fractions: number[] = [];
      let jobIds: readonly string[] = [];
      for await (const event of search.events()) {
        if (event.type === "progress") fractions.push(event.fraction);
        else jobIds = event.value.jobIds;
      }
      assertEquals(fractions[0], 0);
      assertEquals(fractions.at(-1), 1);
      assertEquals(jobIds, [`${W}//2/a/01`, `${W}//2/c/01`]);
    });

    await test.step("status() has every pool's figures", () => {
      const status = pools.status();
      assertEquals(Object.keys(status).sort(), ["artifacts", "dag", "logs"]);
      assertEquals(status.dag.hits, 1);
      assertEquals(status.dag.misses, 2);
      assert(status.artifacts.errors >= 7 && status.artifacts.up);
      assertEquals(status.logs.maxBytes, config.cachePools.logs.maxBytes);
    });
  } finally {
    await pools.close();
    await pg.close();
    await http.shutdown();
    await s3.close();
    await Deno.remove(base, { recursive: true });
  }
});

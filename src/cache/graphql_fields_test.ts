/**
 * The cache fields in a tiny schema, executed against real pools: a query
 * for artifact, dag and jobLog, and the searchArtifacts subscription.
 */
import { GraphQLObjectType, GraphQLSchema, parse, subscribe } from "graphql";
import { graphql } from "graphql";
import { assert, assertEquals } from "../../tests/assert.ts";
import { loadConfig } from "../config.ts";
import { silentLogger } from "../log.ts";
import type { Queryable } from "../db/database.ts";
import { cacheFields } from "./graphql_fields.ts";
import { startCachePools } from "./pools.ts";

Deno.test("graphql: artifact, dag, jobLog and the searchArtifacts, readArtifacts and readJobLog subscriptions", async () => {
  const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "overlap-gql-" }));
  await Deno.mkdir(`${base}/art/u/f/1/a/01`, { recursive: true });
  await Deno.writeTextFile(`${base}/art/u/f/1/a/01/score`, "9");
  await Deno.mkdir(`${base}/logs/u/f/log/job/1/a/01`, { recursive: true });
  await Deno.writeTextFile(`${base}/logs/u/f/log/job/1/a/01/job.err`, "e1\ne2\ne3\n");
  // The graph read is not what is under test here: a fake Queryable returns the rows.
  const db: Queryable = {
    query: (sql) =>
      Promise.resolve(
        sql.includes("from edges")
          ? [{ source: "~u/f//1/a", target: "~u/f//1/b" }]
          : [{ id: "~u/f//1/a" }, { id: "~u/f//1/b" }],
      ) as never,
  };
  const config = loadConfig(
    new Map([
      ["OVERLAP_CACHE_DIR", `${base}/cache`],
      ["OVERLAP_ARTIFACT_ROOTS", `${base}/art`],
      ["OVERLAP_LOG_ROOTS", `${base}/logs`],
      ["OVERLAP_LOG_LEVEL", "error"],
    ]),
  );
  const pools = await startCachePools(config, db, silentLogger, { serverStderr: () => {} });
  try {
    const fields = cacheFields(pools);
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({ name: "Query", fields: { ...fields.query } }),
      subscription: new GraphQLObjectType({ name: "Subscription", fields: fields.subscription }),
    });
    const result = await graphql({
      schema,
      source: `query ($loc: String!) {
        artifact(location: $loc) { location size tooLarge text contentBase64 }
        dag(workflowId: "~u/f") { layers nodes { id layer x y } edges { source target points { x y } } }
        jobLog(jobId: "~u/f//1/a/01", stream: "stderr", tail: 2) { lines size }
        none: jobLog(jobId: "~u/f//1/a/02") { lines }
        jobArtifacts(jobId: "~u/f//1/a/01") { name location size }
        noArtifacts: jobArtifacts(jobId: "~u/f//1/a/02") { name }
      }`,
      variableValues: { loc: `file://${base}/art/u/f/1/a/01/score` },
      contextValue: { canRead: () => true, readAll: true },
    });
    assertEquals(result.errors, undefined);
    // graphql-js returns null-prototype objects; compare plain ones.
    const data = JSON.parse(JSON.stringify(result.data)) as Record<string, Record<string, unknown>>;
    assertEquals(data.artifact, {
      location: `file://${base}/art/u/f/1/a/01/score`,
      size: 1,
      tooLarge: false,
      text: "9",
      contentBase64: "OQ==",
    });
    assertEquals(data.dag.layers, 2);
    assertEquals((data.dag.nodes as { layer: number }[]).map((node) => node.layer), [0, 1]);
    assertEquals(data.jobLog, { lines: ["e2", "e3"], size: 9 });
    assertEquals(data.none, null);
    assertEquals(data.jobArtifacts, [
      { name: "score", location: `file://${base}/art/u/f/1/a/01/score`, size: 1 },
    ]);
    assertEquals(data.noArtifacts, []);

    // jobLog's arguments are checked at the edge, as readJobLog's are.
    for (
      const [args, message] of [
        [`tail: 10001`, "tail must be from 1 to 10000, got 10001"],
        [`pageSize: 0`, "pageSize must be from 1 to 10000, got 0"],
        [`tail: 5, page: 2`, "give tail or page, not both"],
        [`stream: "stdin"`, 'stream must be "stdout" or "stderr", got "stdin"'],
      ]
    ) {
      const refused = await graphql({
        schema,
        source: `{ jobLog(jobId: "~u/f//1/a/01", ${args}) { lines } }`,
        contextValue: { canRead: () => true, readAll: true },
      });
      assertEquals(refused.errors?.map((error) => error.message), [message], args);
    }
    const notJob = await graphql({
      schema,
      source: `{ jobLog(jobId: "~u/f") { lines } }`,
      contextValue: { canRead: () => true, readAll: true },
    });
    assertEquals(notJob.errors?.[0].message.startsWith('not a job id: "~u/f"'), true);

    const bad = await graphql({
      schema,
      source: `{ artifact(location: "file:///etc/passwd") { size } }`,
      contextValue: { canRead: () => true, readAll: true },
    });
    assert(bad.errors?.[0].message.includes("forbidden"));

    const stream = await subscribe({
      schema,
      document: parse(`subscription {
        searchArtifacts(workflowId: "~u/f", name: "score", value: "9") { fraction done jobIds }
      }`),
      contextValue: { canRead: () => true, readAll: true },
    });
    assert(Symbol.asyncIterator in stream);
    const events: ({ done?: boolean } | undefined)[] = [];
    for await (const event of stream) {
      events.push(JSON.parse(JSON.stringify(event.data?.searchArtifacts)));
    }
    assertEquals(events.at(-1), { fraction: 1, done: true, jobIds: ["~u/f//1/a/01"] });
    assert(events.length >= 2 && events.slice(0, -1).every((event) => event?.done === false));

    // readArtifacts: progress (two locations), then the artifacts in order.
    await Deno.writeTextFile(`${base}/art/u/f/1/a/01/loss`, "0.1");
    const read = await subscribe({
      schema,
      document: parse(`subscription ($l: [String!]!) {
        readArtifacts(locations: $l) { fraction done artifacts { location text } }
      }`),
      variableValues: {
        l: [`file://${base}/art/u/f/1/a/01/loss`, `file://${base}/art/u/f/1/a/01/score`],
      },
      contextValue: { canRead: () => true, readAll: false },
    });
    assert(Symbol.asyncIterator in read);
    const reads: { fraction: number; done: boolean; artifacts: unknown }[] = [];
    for await (const event of read) {
      reads.push(JSON.parse(JSON.stringify(event.data?.readArtifacts)));
    }
    assertEquals(reads.at(-1), {
      fraction: 1,
      done: true,
      artifacts: [
        { location: `file://${base}/art/u/f/1/a/01/loss`, text: "0.1" },
        { location: `file://${base}/art/u/f/1/a/01/score`, text: "9" },
      ],
    });
    assert(reads.slice(0, -1).every((e) => !e.done && e.fraction < 1 && e.artifacts === null));
    const refused = await subscribe({
      schema,
      document: parse(`subscription { readArtifacts(locations: ["file:///etc/passwd"]) { done } }`),
      contextValue: { canRead: () => true, readAll: false },
    });
    assert(!(Symbol.asyncIterator in refused), "refused before any stream starts");
    assert(JSON.stringify(refused).includes("not allowed to read file:///etc/passwd"));

    // readJobLog: the logs pool's progress (bytes read), then the log.
    const big = Array.from({ length: 30_000 }, (_, i) => `progress line ${i}`).join("\n") + "\n";
    await Deno.mkdir(`${base}/logs/u/f/log/job/1/a/02`, { recursive: true });
    await Deno.writeTextFile(`${base}/logs/u/f/log/job/1/a/02/job.out`, big);
    const size = new TextEncoder().encode(big).length;
    const readLog = async (args: string, context: unknown = { canRead: () => true }) => {
      const result = await subscribe({
        schema,
        document: parse(`subscription { readJobLog(${args}) {
          fraction detail done log { lines size totalLines page pages } } }`),
        contextValue: context,
      });
      if (!(Symbol.asyncIterator in result)) return result;
      const events: Record<string, unknown>[] = [];
      for await (const event of result) {
        assertEquals(event.errors, undefined);
        events.push(JSON.parse(JSON.stringify(event.data?.readJobLog)));
      }
      return events;
    };
    const logEvents = await readLog(`jobId: "~u/f//1/a/02", page: 3, pageSize: 1000`);
    assert(Array.isArray(logEvents), JSON.stringify(logEvents));
    const last = logEvents.at(-1)!;
    assertEquals(last.done, true);
    assertEquals(last.fraction, 1);
    const log = last.log as { lines: string[]; size: number; totalLines: number; pages: number };
    assertEquals([log.lines[0], log.lines.length, log.size, log.totalLines, log.pages], [
      "progress line 2000",
      1000,
      size,
      30_000,
      30,
    ]);
    const progress = logEvents.slice(0, -1);
    assert(progress.length >= 3, `progress before the log: ${JSON.stringify(progress)}`);
    assert(progress.every((e) => e.done === false && e.log === null));
    assertEquals(progress[0].fraction, 0);
    assertEquals(progress.at(-1)!.detail, `read ${size} of ${size} bytes`);
    // The same read again is a cache hit: the log at once, no progress.
    assertEquals(
      (await readLog(`jobId: "~u/f//1/a/02", page: 3, pageSize: 1000`) as unknown[]).length,
      1,
    );
    // No log yet, and a workflow the caller may not read: a null log either way.
    assertEquals(await readLog(`jobId: "~u/f//1/a/03", tail: 5`), [
      { fraction: 1, detail: null, done: true, log: null },
    ]);
    assertEquals(
      await readLog(`jobId: "~u/f//1/a/02", tail: 5`, { canRead: () => false }),
      [{ fraction: 1, detail: null, done: true, log: null }],
    );
    // Refused before any stream starts, saying what was wrong.
    for (
      const [args, message] of [
        [`jobId: "~u/f//1/a/02", tail: 10001`, "tail must be from 1 to 10000, got 10001"],
        [`jobId: "~u/f//1/a/02", pageSize: 0`, "pageSize must be from 1 to 10000, got 0"],
        [`jobId: "~u/f//1/a/02", tail: 1, page: 1`, "give tail or page, not both"],
        [`jobId: "~u/f//1/a/02", stream: "stdin"`, 'stream must be "stdout" or "stderr"'],
        [`jobId: "~u/f//../a/02"`, 'not a job id: "~u/f//../a/02"'],
      ]
    ) {
      const refusal = await readLog(args);
      assert(!Array.isArray(refusal), args);
      const said = refusal.errors?.map((e) => e.message).join("; ") ?? "";
      assert(said.includes(message), `${args}: ${said}`);
    }

    // A workflow outside the caller's read scope: null, and a search that finds nothing.
    const outside = { canRead: (id: string) => id !== "~u/f", readAll: false };
    const hidden = await graphql({
      schema,
      source: `{
        dag(workflowId: "~u/f") { layers }
        jobLog(jobId: "~u/f//1/a/01", stream: "stderr", tail: 2) { lines }
        jobArtifacts(jobId: "~u/f//1/a/01") { name }
      }`,
      contextValue: outside,
    });
    assertEquals(JSON.parse(JSON.stringify(hidden)), {
      data: { dag: null, jobLog: null, jobArtifacts: null },
    });
    const hiddenSearch = await subscribe({
      schema,
      document: parse(`subscription {
        searchArtifacts(workflowId: "~u/f", name: "score", value: "9") { done jobIds scanned }
      }`),
      contextValue: outside,
    });
    assert(Symbol.asyncIterator in hiddenSearch);
    const hiddenEvents = [];
    for await (const event of hiddenSearch) {
      hiddenEvents.push(JSON.parse(JSON.stringify(event.data?.searchArtifacts)));
    }
    assertEquals(hiddenEvents, [{ done: true, jobIds: [], scanned: 0 }]);
  } finally {
    await pools.close();
    await Deno.remove(base, { recursive: true });
  }
});

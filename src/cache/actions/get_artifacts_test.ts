import { assertEquals, assertRejects } from "../../../tests/assert.ts";
import { fetchArtifact } from "./get_artifacts.ts";
import { ActionFailure } from "./action.ts";
import type { WorkerSettings } from "./action.ts";

Deno.test("file:// artifacts: inside roots only, size capped, clear failures", async () => {
  const base = await Deno.realPath(await Deno.makeTempDir());
  const root = `${base}/root`;
  await Deno.mkdir(`${root}/d`, { recursive: true });
  await Deno.writeTextFile(`${root}/d/ok`, "ok");
  await Deno.writeFile(`${root}/d/big`, new Uint8Array(11));
  await Deno.writeTextFile(`${base}/secret`, "s");
  const settings: WorkerSettings = {
    artifactRoots: [root],
    logRoots: [],
    artifactMaxBytes: 10,
    artifactHosts: ["127.0.0.1:1"],
    s3Region: "x",
  };
  try {
    assertEquals((await fetchArtifact(`file://${root}/d/ok`, settings)).meta.size, 2);
    const big = await fetchArtifact(`file://${root}/d/big`, settings);
    assertEquals([big.meta.tooLarge, big.body.length], [true, 0]);
    const failures: [string, string][] = [
      [`file://${root}/../secret`, "forbidden"],
      [`file://${root}/d/missing`, "not_found"],
      [`file://${root}/d`, "invalid"],
      [`ftp://host/x`, "invalid"],
      [`not a url`, "invalid"],
      [`http://example.com/x`, "forbidden"],
      [`s3://bucket/key`, "action_failed"], // no endpoint configured
    ];
    for (const [location, code] of failures) {
      const error = await assertRejects(() => fetchArtifact(location, settings), ActionFailure);
      assertEquals(error.code, code, location);
    }
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("http(s):// bodies over the cap are not buffered past it", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const path = new URL(request.url).pathname;
    // A chunked body (no Content-Length) that is larger than the cap.
    if (path === "/chunked") {
      return new Response(ReadableStream.from([new Uint8Array(6), new Uint8Array(6)]));
    }
    if (path === "/redirect") return Response.redirect("http://example.com/", 302);
    return new Response("small");
  });
  const settings: WorkerSettings = {
    artifactRoots: [],
    logRoots: [],
    artifactMaxBytes: 10,
    artifactHosts: [`127.0.0.1:${server.addr.port}`],
    s3Region: "x",
  };
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    assertEquals((await fetchArtifact(`${base}/small`, settings)).meta.size, 5);
    const chunked = await fetchArtifact(`${base}/chunked`, settings);
    assertEquals([chunked.meta.tooLarge, chunked.body.length], [true, 0]);
    await assertRejects(() => fetchArtifact(`${base}/redirect`, settings), TypeError);
  } finally {
    await server.shutdown();
  }
});

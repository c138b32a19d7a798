import { assertEquals } from "../../tests/assert.ts";
import { ArtifactCache } from "./artifact_cache.ts";
import type { CacheClient, RequestSpec } from "./client.ts";

Deno.test("getArtifacts keys each location; a partial miss asks only for the missing ones", () => {
  let seen: RequestSpec<unknown> | undefined;
  const client = {
    request: (spec: RequestSpec<unknown>) => (seen = spec),
  } as unknown as CacheClient;
  new ArtifactCache(client).getArtifacts(["file:///a", "s3://b/k"]);
  assertEquals(seen?.keys, ["artifact:file:///a", "artifact:s3://b/k"]);
  assertEquals(seen?.payload(["artifact:s3://b/k"]), { locations: ["s3://b/k"] });
  new ArtifactCache(client).searchArtifacts("~u/f", "n", "v");
  assertEquals([seen?.action, seen?.force], ["SearchArtifacts", true]);
});

import { assert, assertEquals } from "../../tests/assert.ts";
import { CacheActionError, CacheServerError, CacheTimeoutError, describeKeys } from "./errors.ts";

Deno.test("errors name the pool, action and keys", () => {
  assertEquals(describeKeys(["a", "b", "c", "d", "e"]), '["a", "b", "c", and 2 more]');
  const timeout = new CacheTimeoutError("dag", "GetDag", ["k"], 10);
  assert(timeout.message.startsWith('cache pool dag: GetDag ["k"] timed out after 10 ms'));
  const server = new CacheServerError("logs", "GetLogFile", ["k"], "gone");
  assert(server instanceof Error && server.name === "CacheServerError");
  const action = new CacheActionError("artifacts", "GetArtifacts", ["k"], "not_found", "missing");
  assertEquals([action.code, action.name], ["not_found", "CacheActionError"]);
});

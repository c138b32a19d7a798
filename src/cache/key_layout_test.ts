import { assert, assertEquals } from "../../tests/assert.ts";
import { entryPath, keyHash } from "./key_layout.ts";

Deno.test("paths are sharded by the key's hash", () => {
  const hash = keyHash("artifact:s3://b/k");
  assert(/^[0-9a-f]{64}$/.test(hash));
  assertEquals(entryPath("/r", hash), `/r/keys/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`);
});

import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { decodeEntry, encodeEntry, entryPath, keyHash, readEntry } from "./key_layout.ts";

Deno.test("entries round-trip, including keys with newlines and binary bodies", () => {
  const body = new Uint8Array([0, 10, 255, 10]);
  const entry = decodeEntry(encodeEntry("a\nkey", { n: 1 }, body));
  assertEquals([entry.key, entry.meta, [...entry.body]], ["a\nkey", { n: 1 }, [0, 10, 255, 10]]);
  assertThrows(() => decodeEntry(new TextEncoder().encode('{"key":1}\n')), TypeError);
});

Deno.test("paths are sharded by the key's hash", () => {
  const hash = keyHash("artifact:s3://b/k");
  assert(/^[0-9a-f]{64}$/.test(hash));
  assertEquals(entryPath("/r", hash), `/r/keys/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`);
});

Deno.test("readEntry reads large entries asynchronously", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/big`, encodeEntry("big", {}, new Uint8Array(300_000)));
    const pending = readEntry(`${dir}/big`);
    assert(pending instanceof Promise);
    assertEquals((await pending)?.body.length, 300_000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

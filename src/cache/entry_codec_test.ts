import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { decodeEntry, encodeEntry, readEntry } from "./entry_codec.ts";
Deno.test("entries round-trip, including keys with newlines and binary bodies", () => {
  const body = new Uint8Array([0, 10, 255, 10]);
  const entry = decodeEntry(encodeEntry("a\nkey", { n: 1 }, body));
  assertEquals([entry.key, entry.meta, [...entry.body]], ["a\nkey", { n: 1 }, [0, 10, 255, 10]]);
  assertThrows(() => decodeEntry(new TextEncoder().encode('{"key":1}\n')), TypeError);
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

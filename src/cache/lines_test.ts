import { assertEquals } from "../../tests/assert.ts";
import { readLines } from "./lines.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

async function collect(chunks: Uint8Array[], max?: number) {
  const out = [];
  for await (const line of readLines(ReadableStream.from(chunks), max)) out.push(line);
  return out;
}

Deno.test("readLines splits across chunk boundaries and keeps a last unterminated line", async () => {
  assertEquals(await collect([bytes("a\nb"), bytes("c\n\nd")]), ["a", "bc", "", "d"]);
});

Deno.test("readLines decodes multi-byte characters split between chunks", async () => {
  const all = bytes("é€\n");
  assertEquals(await collect([all.subarray(0, 1), all.subarray(1, 4), all.subarray(4)]), ["é€"]);
});

Deno.test("readLines drops an overlong line and goes on", async () => {
  assertEquals(await collect([bytes("12345"), bytes("6789\nok\n123456789")], 4), [
    { overlong: 9 },
    "ok",
    { overlong: 9 },
  ]);
});

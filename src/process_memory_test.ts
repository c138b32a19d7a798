import { assert, assertEquals } from "../tests/assert.ts";
import { processMemory } from "./process_memory.ts";

Deno.test("process memory: the four figures, in bytes, consistent with Deno.memoryUsage", () => {
  const memory = processMemory();
  assertEquals(Object.keys(memory).sort(), [
    "externalBytes",
    "heapTotalBytes",
    "heapUsedBytes",
    "rssBytes",
  ]);
  for (const value of Object.values(memory)) assert(Number.isSafeInteger(value) && value > 0);
  assert(memory.heapUsedBytes <= memory.heapTotalBytes);
  // Allocating 64 MiB outside the heap shows in externalBytes.
  const buffer = new ArrayBuffer(64 * 1024 * 1024);
  assert(processMemory().externalBytes >= memory.externalBytes + buffer.byteLength);
});

import { assert, assertEquals } from "../../tests/assert.ts";
import type { Reply, Request } from "./pglite_protocol.ts";

Deno.test("worker: refuses work before open, reports a failed open, then opens", async () => {
  const worker = new Worker(new URL("./pglite_worker.ts", import.meta.url), { type: "module" });
  const replies = new Map<number, Reply>();
  const waiting = new Map<number, () => void>();
  worker.onmessage = ({ data }: MessageEvent<Reply>) => {
    if (data.type === "notify") return;
    replies.set(data.id, data);
    waiting.get(data.id)?.();
  };
  const ask = (request: Request & { id: number }) =>
    new Promise<Reply>((resolve) => {
      waiting.set(request.id, () => resolve(replies.get(request.id)!));
      worker.postMessage(request);
    });
  const dir = await Deno.makeTempDir();
  try {
    const early = await ask({ op: "query", id: 1, sql: "select 1", params: [], tx: null });
    assert(early.type === "failed");
    assertEquals(
      [early.error.name, early.error.message],
      ["TypeError", '"query" before the database is open'],
    );

    await Deno.mkdir(`${dir}/pg`);
    await Deno.writeTextFile(`${dir}/pg/PG_VERSION`, "9\n"); // not a PGlite data directory
    const broken = await ask({ op: "open", id: 2, location: `${dir}/pg` });
    assert(broken.type === "failed", "a data directory PGlite cannot use fails the open");

    assertEquals(await ask({ op: "open", id: 3, location: null }), {
      type: "done",
      id: 3,
      result: null,
    });
    // int8 parses to a number inside the worker: parsers cannot be sent.
    assertEquals(
      await ask({ op: "query", id: 4, sql: "select $1::int8 as n", params: [7], tx: null }),
      { type: "done", id: 4, result: [{ n: 7 }] },
    );
    assertEquals(await ask({ op: "close", id: 5 }), { type: "done", id: 5, result: null });
  } finally {
    worker.terminate();
    await Deno.remove(dir, { recursive: true });
  }
});

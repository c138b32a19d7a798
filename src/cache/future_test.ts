import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { CacheFuture } from "./future.ts";
import type { FutureControl } from "./future.ts";

Deno.test("events() yields progress as it comes, then the result; settles once", async () => {
  let control!: FutureControl<string>;
  const future = new CacheFuture<string>((c) => control = c);
  const seen: string[] = [];
  const reading = (async () => {
    for await (const event of future.events()) {
      seen.push(event.type === "progress" ? String(event.fraction) : event.value);
    }
  })();
  control.progress(0.25);
  await Promise.resolve();
  control.progress(0.75);
  control.resolve("done", false);
  control.resolve("again", true);
  control.progress(0.9);
  await reading;
  assertEquals(seen, ["0.25", "0.75", "done"]);
  assertEquals([await future, future.hit], ["done", false]);
});

Deno.test("a rejection reaches await and events(); cancel calls the registered canceller", async () => {
  let reason = "";
  const future = new CacheFuture<number>((control) => {
    control.onCancel((why) => {
      reason = why;
      control.reject(new Error(`cancelled: ${why}`));
    });
  });
  future.cancel("test");
  assertEquals(reason, "test");
  await assertRejects(() => Promise.resolve(future), Error, "cancelled: test");
  await assertRejects(async () => {
    for await (const _ of future.events()) { /* throws */ }
  }, Error);
  assert(future.settled && future.hit === undefined);
});

Deno.test("an executor that throws rejects the future", async () => {
  const future = new CacheFuture<number>(() => {
    throw new RangeError("bad");
  });
  await assertRejects(() => Promise.resolve(future), RangeError, "bad");
});

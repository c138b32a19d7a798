import assert from "node:assert/strict";
import { EventChannel } from "./event_channel.ts";

Deno.test("every subscriber gets every event published after it joined, in order", async () => {
  const channel = new EventChannel<string>();
  channel.publish("before");
  const a = channel.subscribe("snapshot");
  channel.publish("x");
  const b = channel.subscribe();
  const pendingB = b.next(); // waits: nothing queued yet for b
  channel.publish("y");
  assert.deepEqual(await pendingB, { value: "y", done: false });
  assert.deepEqual(
    [(await a.next()).value, (await a.next()).value, (await a.next()).value],
    ["snapshot", "x", "y"],
  );
  assert.equal(channel.size, 2);
  const waiting = a.next();
  await a.return!();
  assert.deepEqual(await waiting, { value: undefined, done: true });
  assert.deepEqual(await a.next(), { value: undefined, done: true });
  channel.publish("z");
  assert.equal(channel.size, 1);
  await assert.rejects(() => b.throw!(new RangeError("stop")), RangeError);
  assert.equal(channel.size, 0);
});

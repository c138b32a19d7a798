import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { RequestGate } from "./request_gate.ts";

Deno.test("RequestGate: idle waits for every request in flight, also ones entered later", async () => {
  const gate = new RequestGate();
  await gate.idle(); // nothing in flight: resolves at once
  assert(gate.enter() && gate.enter());
  const order: string[] = [];
  const idle = gate.idle().then(() => order.push("idle"));
  gate.leave();
  await Promise.resolve();
  assert(gate.enter()); // still open: a third one comes in before the last leaves
  gate.leave();
  order.push("second left");
  await Promise.resolve();
  assertEquals(order, ["second left"]);
  gate.close();
  assertEquals([gate.enter(), gate.inFlight, gate.closed], [false, 1, true]);
  gate.leave();
  await idle;
  assertEquals(order, ["second left", "idle"]);
  assertThrows(() => gate.leave(), RangeError, "without a matching enter()");
});

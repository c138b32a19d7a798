import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { EventBus } from "./bus.ts";

type Events = { a: number; b: string };

Deno.test("handlers run in subscription order with the payload", () => {
  const bus = new EventBus<Events>();
  const seen: string[] = [];
  bus.on("a", (n) => seen.push(`first ${n}`));
  bus.on("a", (n) => seen.push(`second ${n}`));
  bus.on("b", (s) => seen.push(`b ${s}`));
  assertEquals(bus.emit("a", 1), 2);
  assertEquals(seen, ["first 1", "second 1"]);
});

Deno.test("unsubscribing during an emit does not skip or repeat handlers of that emit", () => {
  const bus = new EventBus<Events>();
  const seen: string[] = [];
  const offFirst = bus.on("a", () => {
    seen.push("first");
    offFirst();
    bus.on("a", () => seen.push("late"));
  });
  bus.on("a", () => seen.push("second"));
  bus.emit("a", 0);
  assertEquals(seen, ["first", "second"]);
  bus.emit("a", 0);
  assertEquals(seen, ["first", "second", "second", "late"]);
  assertEquals(bus.listenerCount("a"), 2);
});

Deno.test("a throwing handler does not stop the others; its error is rethrown after", () => {
  const bus = new EventBus<Events>();
  const seen: number[] = [];
  bus.on("a", () => {
    throw new RangeError("bad");
  });
  bus.on("a", (n) => seen.push(n));
  assertThrows(() => bus.emit("a", 7), RangeError, "bad");
  assertEquals(seen, [7]);
});

Deno.test("two throwing handlers give one AggregateError naming the event", () => {
  const bus = new EventBus<Events>();
  bus.on("b", () => {
    throw new Error("x");
  });
  bus.on("b", () => {
    throw new Error("y");
  });
  const error = assertThrows(() => bus.emit("b", ""), AggregateError, '2 handlers of "b" threw');
  assertEquals(error.errors.length, 2);
});

Deno.test("onError receives handler errors instead of emit throwing", () => {
  const errors: string[] = [];
  const bus = new EventBus<Events>((error, event) => errors.push(`${event} ${error}`));
  bus.on("a", () => {
    throw new Error("boom");
  });
  assertEquals(bus.emit("a", 1), 1);
  assertEquals(errors, ["a Error: boom"]);
});

Deno.test("emit with no handlers returns 0", () => {
  const bus = new EventBus<Events>();
  assert(bus.emit("a", 1) === 0);
  assertEquals(bus.listenerCount("b"), 0);
});

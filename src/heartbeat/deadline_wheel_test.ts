import fc from "fast-check";
import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { DeadlineWheel } from "./deadline_wheel.ts";

type Op =
  | { op: "set"; key: number; deadline: number }
  | { op: "postpone"; key: number; deadline: number }
  | { op: "delete"; key: number }
  | { op: "expire"; advance: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("set" as const),
    key: fc.nat(20),
    // Around the span, sometimes far beyond one turn, sometimes in the past.
    deadline: fc.integer({ min: -500, max: 5_000 }),
  }),
  fc.record({
    op: fc.constant("postpone" as const),
    key: fc.nat(20),
    deadline: fc.integer({ min: -500, max: 5_000 }),
  }),
  fc.record({ op: fc.constant("delete" as const), key: fc.nat(20) }),
  fc.record({ op: fc.constant("expire" as const), advance: fc.integer({ min: -50, max: 1_500 }) }),
);

Deno.test("the wheel expires exactly what a linear scan expires (property)", () => {
  fc.assert(
    fc.property(
      fc.array(opArb, { maxLength: 200 }),
      fc.integer({ min: 1, max: 100 }),
      (ops, granularityMs) => {
        const wheel = new DeadlineWheel<string>({ spanMs: 1_000, granularityMs });
        const model = new Map<string, number>();
        let now = 0;
        for (const step of ops) {
          if (step.op === "set") {
            // Deadlines relative to the clock, as heartbeats are.
            const key = `k${step.key}`;
            wheel.set(key, now + step.deadline, key);
            model.set(key, now + step.deadline);
          } else if (step.op === "postpone") {
            const key = `k${step.key}`;
            const known = model.get(key);
            assertEquals(wheel.postpone(key, now + step.deadline), known !== undefined);
            if (known !== undefined) model.set(key, Math.max(known, now + step.deadline));
          } else if (step.op === "delete") {
            assertEquals(wheel.delete(`k${step.key}`), model.delete(`k${step.key}`));
          } else {
            now += step.advance;
            const expected = [...model].filter(([, d]) => d < now).map(([k]) => k).sort();
            for (const key of expected) model.delete(key);
            assertEquals(wheel.expire(now).map((due) => due.value).sort(), expected);
          }
          assertEquals(wheel.size, model.size);
        }
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("an item is due strictly after its deadline, not at it", () => {
  const wheel = new DeadlineWheel<string>({ spanMs: 90_000 });
  wheel.set("a", 1_000_000, "a");
  assertEquals(wheel.expire(999_999), []);
  assertEquals(wheel.expire(1_000_000), []);
  assertEquals(wheel.expire(1_000_001), [{ key: "a", value: "a", deadline: 1_000_000 }]);
});

Deno.test("a deadline many turns ahead waits for its own turn", () => {
  const wheel = new DeadlineWheel<string>({ spanMs: 100, granularityMs: 10 });
  const far = 10 * wheel.slotCount * 10 + 5;
  wheel.set("far", far, "far");
  for (let now = 0; now < far; now += 7) assertEquals(wheel.expire(now), []);
  assertEquals(wheel.expire(far + 1).map((due) => due.key), ["far"]);
});

Deno.test("a jump of the clock by more than a turn visits each slot once", () => {
  const wheel = new DeadlineWheel<number>({ spanMs: 100, granularityMs: 10 });
  wheel.expire(0);
  for (let i = 0; i < 50; i++) wheel.set(`k${i}`, i * 10, i);
  assertEquals(wheel.expire(1e9).length, 50);
  assertEquals(wheel.size, 0);
});

Deno.test("get, deadline and set of a known key update in place", () => {
  const wheel = new DeadlineWheel<{ n: number }>({ spanMs: 1000 });
  wheel.set("a", 10, { n: 1 });
  wheel.set("a", 20, { n: 2 });
  assertEquals(wheel.size, 1);
  assertEquals(wheel.get("a"), { n: 2 });
  assertEquals(wheel.postpone("a", 15), true);
  assertEquals(wheel.deadline("a"), 20);
  assertEquals(wheel.postpone("a", 25), true);
  assertEquals(wheel.deadline("a"), 25);
  assertEquals(wheel.postpone("b", 25), false);
  assertEquals(wheel.deadline("b"), undefined);
});

Deno.test("bad spans, granularities and deadlines are refused with the value", () => {
  assertThrows(
    () => new DeadlineWheel({ spanMs: 0 }),
    RangeError,
    "spanMs must be a positive number of ms, got 0",
  );
  assertThrows(
    () => new DeadlineWheel({ spanMs: 10, granularityMs: -1 }),
    RangeError,
    "granularityMs must be a positive number of ms, got -1",
  );
  const wheel = new DeadlineWheel<null>({ spanMs: 10 });
  assertThrows(
    () => wheel.set("x", NaN, null),
    RangeError,
    'the deadline of "x" must be a number, got NaN',
  );
});

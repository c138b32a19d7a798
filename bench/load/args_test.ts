import assert from "node:assert/strict";
import { parseLoadArgs } from "./args.ts";

Deno.test("defaults reproduce the single run of the README", () => {
  const args = parseLoadArgs([]);
  assert.equal(args.mode, "single");
  assert.deepEqual(
    [args.clients, args.cohorts, args.rate, args.seconds, args.touch, args.workers],
    [2000, 50, 50, 30, 10, 1],
  );
});

Deno.test("sweep and peer steps default to 10 s; lists and touch follow the flags", () => {
  const sweep = parseLoadArgs(["--sweep", "--sweep-rates", "200,10", "--instances", "2"]);
  assert.equal(sweep.seconds, 10);
  assert.deepEqual(sweep.sweepRates, [10, 200]);
  assert.deepEqual(sweep.instances, [2]);
  assert.equal(parseLoadArgs(["--peer", "--seconds", "5"]).seconds, 5);
  assert.equal(parseLoadArgs(["--peer"]).rate, 10);
  assert.equal(parseLoadArgs(["--peer"]).keepUpMs, 1000);
  assert.equal(parseLoadArgs(["--cohorts", "4"]).touch, 4);
});

Deno.test("bad flags are refused with the flag's name", () => {
  assert.throws(() => parseLoadArgs(["--clients", "-3"]), {
    name: "TypeError",
    message: /--clients/,
  });
  assert.throws(() => parseLoadArgs(["--rate"]), { name: "TypeError", message: /--rate/ });
  assert.throws(() => parseLoadArgs(["--clientz", "3"]), {
    name: "TypeError",
    message: /unknown flag/,
  });
  assert.throws(() => parseLoadArgs(["--peer", "--sweep"]), TypeError);
  assert.throws(() => parseLoadArgs(["--peer-transport", "uws"]), { message: /ws, deno or both/ });
  assert.throws(() => parseLoadArgs(["--sweep-clients", "1000,x"]), { message: /--sweep-clients/ });
});

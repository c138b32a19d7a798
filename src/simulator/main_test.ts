import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { parseSimulatorArgs } from "./main.ts";

Deno.test("the URL and token come from the flags, else the environment, else host and port", () => {
  const env = new Map([["OVERLAP_HOST", "0.0.0.0"], ["OVERLAP_PORT", "8081"]]);
  assertEquals(parseSimulatorArgs([], env).url, "http://127.0.0.1:8081");
  env.set("OVERLAP_SIMULATOR_URL", "http://overlap:80");
  env.set("OVERLAP_SIMULATOR_TOKEN", "t1");
  assertEquals(parseSimulatorArgs([], env), {
    url: "http://overlap:80",
    token: "t1",
    seed: undefined,
    cycles: undefined,
  });
  assertEquals(
    parseSimulatorArgs(["--url", "http://x:1", "--token", "t2", "--cycles", "4"], env),
    { url: "http://x:1", token: "t2", seed: undefined, cycles: 4 },
  );
});

Deno.test("bad options are refused with what was expected", () => {
  const env = new Map<string, string>();
  assertThrows(
    () => parseSimulatorArgs(["--seed", "x"], env),
    TypeError,
    '--seed must be a whole number, got "x"',
  );
  assertThrows(() => parseSimulatorArgs(["--url"], env), TypeError, "--url needs a value");
  assertThrows(
    () => parseSimulatorArgs(["--fast", "1"], env),
    TypeError,
    'unknown option "--fast"',
  );
});

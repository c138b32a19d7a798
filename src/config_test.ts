import { assertEquals, assertThrows } from "../tests/assert.ts";
import { DEFAULTS, loadConfig } from "./config.ts";

const env = (entries: Record<string, string>) => new Map(Object.entries(entries));

Deno.test("loadConfig uses loopback and port 8080 by default", () => {
  assertEquals(loadConfig(env({})), DEFAULTS);
  assertEquals(DEFAULTS.host, "127.0.0.1");
  assertEquals(DEFAULTS.port, 8080);
});

Deno.test("loadConfig reads OVERLAP_HOST and OVERLAP_PORT", () => {
  assertEquals(loadConfig(env({ OVERLAP_HOST: "::1", OVERLAP_PORT: "0" })), {
    host: "::1",
    port: 0,
  });
});

Deno.test("loadConfig refuses a bad port with a message naming the variable", () => {
  for (const bad of ["-1", "65536", "80a", "8.5"]) {
    assertThrows(
      () => loadConfig(env({ OVERLAP_PORT: bad })),
      TypeError,
      "OVERLAP_PORT must be a whole number from 0 to 65535",
    );
  }
});

Deno.test("loadConfig refuses a host that is not a host", () => {
  assertThrows(
    () => loadConfig(env({ OVERLAP_HOST: "http://x" })),
    TypeError,
    "OVERLAP_HOST must be a host name or IP address",
  );
});

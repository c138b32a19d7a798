import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { contentSecurityPolicy, SECURITY_HEADERS, webSocketOrigins } from "./headers.ts";

Deno.test("contentSecurityPolicy joins directives and refuses a source that could break out", () => {
  assertEquals(
    contentSecurityPolicy({
      "default-src": ["'none'"],
      "connect-src": ["'self'", "ws://127.0.0.1:8080"],
    }),
    "default-src 'none'; connect-src 'self' ws://127.0.0.1:8080",
  );
  assertThrows(
    () => contentSecurityPolicy({ "connect-src": ["ws://a; script-src *"] }),
    TypeError,
    "holds a separator or space",
  );
  assertThrows(() => contentSecurityPolicy({ "img-src": ["a,b"] }), TypeError);
  assertThrows(() => contentSecurityPolicy({ "img-src": ["a\nb"] }), TypeError);
});

Deno.test("webSocketOrigins takes names, IPv4 and bracketed IPv6 with ports, and nothing else", () => {
  assertEquals(webSocketOrigins("localhost"), ["ws://localhost", "wss://localhost"]);
  assertEquals(webSocketOrigins("[::1]:8183"), ["ws://[::1]:8183", "wss://[::1]:8183"]);
  assertEquals(webSocketOrigins("overlap.example.org:443"), [
    "ws://overlap.example.org:443",
    "wss://overlap.example.org:443",
  ]);
  for (
    const bad of [undefined, null, "", "a b", "host/path", "h:port", "h:123456", "*", "'self'"]
  ) {
    assertEquals(webSocketOrigins(bad), [], String(bad));
  }
});

Deno.test("SECURITY_HEADERS say nosniff, no referrer, no framing", () => {
  assertEquals(SECURITY_HEADERS["x-content-type-options"], "nosniff");
  assertEquals(SECURITY_HEADERS["referrer-policy"], "no-referrer");
  assertEquals(SECURITY_HEADERS["x-frame-options"], "DENY");
});

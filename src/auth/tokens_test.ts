import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { bearerToken, createAccess, globMatcher, isLoopback, parseTokens } from "./tokens.ts";

Deno.test("parseTokens refuses malformed entries with the path and the expectation", () => {
  const cases: Array<[string, string]> = [
    ["{", "OVERLAP_TOKENS is not valid JSON"],
    ["{}", "OVERLAP_TOKENS must be a JSON array"],
    ["[1]", "OVERLAP_TOKENS[0] must be an object"],
    [
      '[{"name":"a b","token":"0123456789abcdef","scopes":["read"]}]',
      "OVERLAP_TOKENS[0].name must be",
    ],
    [
      '[{"name":"a","token":"short","scopes":["read"]}]',
      "OVERLAP_TOKENS[0].token must be a string of at least 16",
    ],
    [
      '[{"name":"a","token":"0123456789abcdef","scopes":[]}]',
      "OVERLAP_TOKENS[0].scopes must be a non-empty array",
    ],
    ['[{"name":"a","token":"0123456789abcdef","scopes":["admin"]}]', '"admin" is not a scope'],
    [
      '[{"name":"a","token":"0123456789abcdef","scopes":["read"]},{"name":"a","token":"0123456789abcdeg","scopes":["read"]}]',
      'OVERLAP_TOKENS[1].name "a" is used twice',
    ],
  ];
  for (const [text, message] of cases) {
    assertThrows(() => parseTokens(text, "OVERLAP_TOKENS"), TypeError, message);
  }
});

Deno.test("globMatcher: * matches any run, other characters literally", () => {
  const match = globMatcher("~alice/*.v2");
  assert(match("~alice/x.v2") && match("~alice/a/b.v2"));
  assert(!match("~alice/xxv2") && !match("~bob/x.v2"));
  assert(globMatcher("~a/f")("~a/f") && !globMatcher("~a/f")("~a/fg"));
});

Deno.test("createAccess: scopes give read and write per workflow pattern", async () => {
  const access = await createAccess([
    { name: "ui", token: "ui-token-0123456789", scopes: ["read:~alice/*", "read:~team/shared"] },
    { name: "sched", token: "sched-token-0123456789", scopes: ["write:~alice/*", "read"] },
  ]);
  assert(!access.open);
  const ui = await access.authenticate("ui-token-0123456789");
  const sched = await access.authenticate("sched-token-0123456789");
  assert(ui.ok && sched.ok);
  assertEquals([
    ui.principal.read("~alice/f"),
    ui.principal.read("~team/shared"),
    ui.principal.read("~bob/f"),
  ], [
    true,
    true,
    false,
  ]);
  assertEquals([ui.principal.canWrite, sched.principal.canWrite], [false, true]);
  assertEquals([sched.principal.write("~alice/x"), sched.principal.write("~bob/x")], [true, false]);
  assertEquals([ui.principal.readAll, sched.principal.readAll, sched.principal.readKey], [
    false,
    true,
    "*",
  ]);
  assertEquals(await access.authenticate(undefined), { ok: false, reason: "no token" });
  assertEquals(await access.authenticate("nope-nope-nope-nope"), {
    ok: false,
    reason: "unknown token",
  });
});

Deno.test("createAccess with no tokens is open", async () => {
  const access = await createAccess([]);
  assert(access.open);
  const auth = await access.authenticate(undefined);
  assert(auth.ok && auth.principal.readAll && auth.principal.canWrite);
});

Deno.test("bearerToken and isLoopback", () => {
  assertEquals(bearerToken("Bearer abc"), "abc");
  assertEquals(bearerToken("bearer  abc "), "abc");
  assertEquals(bearerToken("Basic abc"), undefined);
  assertEquals(bearerToken(null), undefined);
  assert(isLoopback("127.0.0.1") && isLoopback("::1") && isLoopback("localhost"));
  assert(!isLoopback("0.0.0.0") && !isLoopback("10.0.0.1"));
});

Deno.test("createAccess: the operator scope grants the server's figures and nothing else", async () => {
  const access = await createAccess([
    { name: "ops", token: "ops-token-0123456789", scopes: ["operator"] },
    { name: "ui", token: "ui-token-0123456789", scopes: ["read", "write"] },
  ]);
  const ops = await access.authenticate("ops-token-0123456789");
  const ui = await access.authenticate("ui-token-0123456789");
  assert(ops.ok && ui.ok);
  assertEquals(
    [
      ops.principal.operator,
      ops.principal.readKey,
      ops.principal.canWrite,
      ops.principal.read("~a/f"),
    ],
    [true, "", false, false],
  );
  assertEquals(ui.principal.operator, false);
  const open = await (await createAccess([])).authenticate(undefined);
  assert(open.ok && open.principal.operator, "an open server has no operators to tell apart");
  assertThrows(
    () => parseTokens('[{"name":"a","token":"0123456789abcdef","scopes":["operator:x"]}]', "T"),
    TypeError,
    "expected read, read:<pattern>, write, write:<pattern> or operator",
  );
});

Deno.test("parseTokens: expires must be ISO 8601 with a time zone", () => {
  const entry = (expires: unknown) =>
    JSON.stringify([{ name: "a", token: "0123456789abcdef", scopes: ["read"], expires }]);
  assertEquals(parseTokens(entry("2026-12-31T18:00:00Z"), "T")[0].expires, "2026-12-31T18:00:00Z");
  assertEquals(parseTokens(entry("2026-12-31"), "T")[0].expires, "2026-12-31");
  assertEquals(
    parseTokens(entry("2026-12-31T18:00:00.5+01:00"), "T")[0].expires,
    "2026-12-31T18:00:00.5+01:00",
  );
  for (const bad of ["2026-12-31T18:00:00", "tomorrow", 1767196800, "2026-13-45T00:00:00Z"]) {
    assertThrows(
      () => parseTokens(entry(bad), "T"),
      TypeError,
      "T[0].expires must be an ISO 8601 time with a time zone",
    );
  }
});

Deno.test("createAccess: an expired token is refused with its name and expiry, by the injected clock", async () => {
  let now = Date.UTC(2026, 0, 1);
  const access = await createAccess([
    {
      name: "temp",
      token: "temp-token-0123456789",
      scopes: ["read"],
      expires: "2026-01-01T00:10:00Z",
    },
    { name: "forever", token: "forever-token-0123456789", scopes: ["read"] },
  ], { now: () => now });
  const before = await access.authenticate("temp-token-0123456789");
  assert(before.ok);
  assertEquals(before.principal.expiresAt, Date.UTC(2026, 0, 1, 0, 10));
  assertEquals(access.now(), now);
  now = Date.UTC(2026, 0, 1, 0, 10);
  assertEquals(await access.authenticate("temp-token-0123456789"), {
    ok: false,
    reason: "token temp expired at 2026-01-01T00:10:00.000Z",
    expiredAt: Date.UTC(2026, 0, 1, 0, 10),
  });
  const forever = await access.authenticate("forever-token-0123456789");
  assert(forever.ok && forever.principal.expiresAt === undefined);
});

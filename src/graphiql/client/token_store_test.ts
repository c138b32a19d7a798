import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import {
  checkToken,
  forgetToken,
  MAX_TOKEN_LENGTH,
  readToken,
  saveToken,
  TOKEN_KEY,
} from "./token_store.ts";

Deno.test("checkToken trims and refuses empty, too long, spaced and non-ASCII tokens", () => {
  assertEquals(checkToken("\t abc-DEF_123.~+/= \n"), "abc-DEF_123.~+/=");
  assertThrows(() => checkToken("   "), TypeError, "the token is empty");
  assertThrows(
    () => checkToken("x".repeat(MAX_TOKEN_LENGTH + 1)),
    TypeError,
    `at most ${MAX_TOKEN_LENGTH} are accepted`,
  );
  assertEquals(checkToken("x".repeat(MAX_TOKEN_LENGTH)).length, MAX_TOKEN_LENGTH);
  assertThrows(() => checkToken("Bearer abc"), TypeError, "expected one word of printable ASCII");
  assertThrows(() => checkToken("abc\u0000def"), TypeError);
  assertThrows(() => checkToken("tökén"), TypeError);
});

// Deno implements the Web Storage API: this is the same sessionStorage contract browsers have.
Deno.test("the token lives in sessionStorage under one key, and only there", () => {
  sessionStorage.clear();
  localStorage.removeItem(TOKEN_KEY);
  assertEquals(readToken(sessionStorage), undefined);
  assertEquals(saveToken(sessionStorage, "  0123456789abcdef "), "0123456789abcdef");
  assertEquals(sessionStorage.getItem(TOKEN_KEY), "0123456789abcdef");
  assertEquals(readToken(sessionStorage), "0123456789abcdef");
  assertEquals(localStorage.getItem(TOKEN_KEY), null);
  assertThrows(() => saveToken(sessionStorage, "two words"), TypeError);
  assertEquals(readToken(sessionStorage), "0123456789abcdef", "a refused token changes nothing");
  forgetToken(sessionStorage);
  assertEquals(sessionStorage.getItem(TOKEN_KEY), null);
  sessionStorage.setItem(TOKEN_KEY, "not a token");
  assertEquals(readToken(sessionStorage), undefined, "a damaged stored value is ignored");
  sessionStorage.clear();
});

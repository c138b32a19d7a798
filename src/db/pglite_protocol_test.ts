import { assert, assertEquals } from "../../tests/assert.ts";
import {
  DATABASE_ERROR_FIELDS,
  DatabaseError,
  decodeError,
  encodeError,
  type WireError,
} from "./pglite_protocol.ts";

/** What `postMessage` does to a message: a structured clone. */
const cross = (wire: WireError): WireError => structuredClone(wire);

Deno.test("errors: a PostgreSQL error keeps every field and comes back a DatabaseError", () => {
  // Shaped like PGlite's: name "error", fields as own properties.
  const original = Object.assign(new Error("duplicate key value violates unique constraint"), {
    name: "error",
    length: 120,
    params: ["not sent"],
  }) as unknown as Error & Record<string, unknown>;
  for (const key of DATABASE_ERROR_FIELDS) original[key] = `${key} value`;
  original.code = "23505";
  const decoded = decodeError(cross(encodeError(original)));
  assert(decoded instanceof DatabaseError);
  assertEquals(decoded.name, "DatabaseError");
  assertEquals(decoded.message, original.message);
  assertEquals(decoded.code, "23505");
  for (const key of DATABASE_ERROR_FIELDS.filter((key) => key !== "code")) {
    assertEquals(decoded[key], `${key} value`, key);
  }
  assertEquals((decoded as unknown as Record<string, unknown>).params, undefined);
  assertEquals(decoded.stack, original.stack);
});

Deno.test("errors: built-in classes stay themselves; other names are kept on an Error", () => {
  for (const Class of [Error, TypeError, RangeError, SyntaxError, ReferenceError, URIError]) {
    const decoded = decodeError(cross(encodeError(new Class("m"))));
    assertEquals([decoded.constructor, decoded.name, decoded.message], [Class, Class.name, "m"]);
  }
  const runtime = decodeError(cross(encodeError(new WebAssembly.RuntimeError("unreachable"))));
  assertEquals([runtime.constructor, runtime.name, runtime.message], [
    Error,
    "RuntimeError",
    "unreachable",
  ]);
  // Fields without a SQLSTATE do not make a DatabaseError.
  const hinted = decodeError(cross(encodeError(Object.assign(new TypeError("t"), { hint: "h" }))));
  assert(hinted instanceof TypeError && !(hinted instanceof DatabaseError));
});

Deno.test("errors: causes travel, up to four deep; non-errors are described", () => {
  let chain: Error = new RangeError("root");
  for (let depth = 1; depth <= 6; depth++) chain = new Error(`level ${depth}`, { cause: chain });
  let decoded: unknown = decodeError(cross(encodeError(chain)));
  const messages: string[] = [];
  while (decoded instanceof Error) {
    messages.push(decoded.message);
    decoded = decoded.cause;
  }
  assertEquals(messages, ["level 6", "level 5", "level 4", "level 3", "level 2"]);

  const thrown = decodeError(cross(encodeError("a string")));
  assertEquals([thrown.name, thrown.message], ["Error", "non-Error thrown: a string"]);
});

/**
 * Test assertions. `jsr:@std/assert` is unreachable from our machines, so
 * these wrap `node:assert/strict`, which Deno ships, in the std vocabulary.
 *
 * @module
 */
import nodeAssert from "node:assert/strict";

/**
 * Asserts that `condition` is truthy.
 *
 * @example
 * ```ts
 * import { assert } from "./assert.ts";
 * assert(1 + 1 === 2);
 * ```
 */
export function assert(condition: unknown, message?: string): asserts condition {
  nodeAssert.ok(condition, message);
}

/**
 * Asserts deep, strict equality (own enumerable keys, prototypes, Maps, Sets).
 *
 * @example
 * ```ts
 * import { assertEquals } from "./assert.ts";
 * assertEquals({ a: [1] }, { a: [1] });
 * ```
 */
export function assertEquals<T>(actual: unknown, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

/**
 * Asserts that `fn` throws an instance of `ErrorClass` whose message contains
 * `includes`, and returns the error for further checks.
 *
 * @example
 * ```ts
 * import { assertThrows } from "./assert.ts";
 * assertThrows(() => JSON.parse("{"), SyntaxError);
 * ```
 */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  ErrorClass: new (...args: any[]) => E,
  includes?: string,
): E {
  try {
    fn();
  } catch (error) {
    checkError(error, ErrorClass, includes);
    return error as E;
  }
  throw new nodeAssert.AssertionError({
    message: `expected ${ErrorClass.name} to be thrown, but nothing was thrown`,
  });
}

/**
 * Asserts that the promise from `fn` rejects like {@linkcode assertThrows}.
 *
 * @example
 * ```ts
 * import { assertRejects } from "./assert.ts";
 * await assertRejects(() => Promise.reject(new TypeError("x")), TypeError, "x");
 * ```
 */
export async function assertRejects<E extends Error = Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  ErrorClass: new (...args: any[]) => E,
  includes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    checkError(error, ErrorClass, includes);
    return error as E;
  }
  throw new nodeAssert.AssertionError({
    message: `expected ${ErrorClass.name} to be rejected, but the promise resolved`,
  });
}

function checkError(
  error: unknown,
  // deno-lint-ignore no-explicit-any
  ErrorClass: new (...args: any[]) => Error,
  includes: string | undefined,
): void {
  if (!(error instanceof ErrorClass)) {
    throw new nodeAssert.AssertionError({
      message: `expected ${ErrorClass.name}, got ${String(error)}`,
    });
  }
  if (includes !== undefined && !error.message.includes(includes)) {
    throw new nodeAssert.AssertionError({
      message: `expected the message to include ${JSON.stringify(includes)}, got ${
        JSON.stringify(error.message)
      }`,
    });
  }
}

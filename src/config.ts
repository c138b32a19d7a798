/**
 * Overlap's configuration, read in one place from environment variables.
 *
 * Every variable is documented in the README's "Configuration" table. Bad
 * values are refused at start with a message naming the variable, the value
 * and what was expected, rather than silently falling back to a default.
 *
 * @module
 */

/** The server's configuration. */
export interface Config {
  /** Interface to bind to (`OVERLAP_HOST`, default `127.0.0.1`). */
  readonly host: string;
  /** TCP port to listen on (`OVERLAP_PORT`, default `8080`; `0` picks a free port). */
  readonly port: number;
}

/** A source of environment variables; `Deno.env` satisfies it. */
export interface EnvSource {
  /** Returns the value of `name`, or `undefined` when it is not set. */
  get(name: string): string | undefined;
}

/** The defaults used when a variable is not set. */
export const DEFAULTS: Config = Object.freeze({ host: "127.0.0.1", port: 8080 });

/**
 * Reads the configuration from `env`.
 *
 * @throws {TypeError} when a variable is set to a value of the wrong form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "./config.ts";
 * const config = loadConfig(new Map([["OVERLAP_PORT", "9000"]]));
 * assert(config.port === 9000 && config.host === "127.0.0.1");
 * ```
 */
export function loadConfig(env: EnvSource = Deno.env): Config {
  return {
    host: readHost(env, "OVERLAP_HOST", DEFAULTS.host),
    port: readInteger(env, "OVERLAP_PORT", DEFAULTS.port, 0, 65535),
  };
}

function readHost(env: EnvSource, name: string, fallback: string): string {
  const value = env.get(name);
  if (value === undefined || value === "") return fallback;
  // A host name or an IPv4/IPv6 literal; anything with spaces, slashes or a
  // scheme is a configuration mistake worth catching before bind() does.
  if (!/^[A-Za-z0-9.:\-\[\]]+$/.test(value)) {
    throw new TypeError(
      `${name} must be a host name or IP address (for example 127.0.0.1), got ${
        JSON.stringify(value)
      }`,
    );
  }
  return value;
}

function readInteger(
  env: EnvSource,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = env.get(name);
  if (value === undefined || value === "") return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new TypeError(
      `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

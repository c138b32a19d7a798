/**
 * A small structured logger: one line per event, with a UTC timestamp, the
 * level, the component and `key=value` fields, written to stderr so stdout
 * stays free for protocol use (the cache server speaks NDJSON on stdout).
 *
 * @module
 */

/** Log levels, least severe first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Extra context printed as `key=value` pairs after the message. */
export type LogFields = Record<string, unknown>;

/** A component's logger. */
export interface Logger {
  /** Detail useful while debugging. */
  debug(message: string, fields?: LogFields): void;
  /** Normal operation worth a line: starts, stops, connections. */
  info(message: string, fields?: LogFields): void;
  /** Something is off but the server goes on. */
  warn(message: string, fields?: LogFields): void;
  /** A failure that lost work or needs a person. */
  error(message: string, fields?: LogFields): void;
  /** A logger for a sub-component, named `parent/child`. */
  child(name: string): Logger;
}

/** Where lines go; defaults to stderr. Tests pass an array's `push`. */
export type LogSink = (line: string) => void;

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

const encoder = new TextEncoder();

function stderrSink(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(`${value.name}: ${value.message}`);
  if (typeof value === "string") {
    return /^[\w.:/~@+-]+$/.test(value) ? value : JSON.stringify(value);
  }
  if (typeof value === "number" || typeof value === "boolean" || value === null) {
    return String(value);
  }
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value);
  } catch {
    return JSON.stringify(String(value));
  }
}

/**
 * Creates a logger for `component` that drops lines below `level`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLogger } from "./log.ts";
 * const lines: string[] = [];
 * const log = createLogger("ingest", "info", (line) => lines.push(line));
 * log.debug("hidden");
 * log.warn("bad body", { status: 400, reason: "no workflows" });
 * assert(lines.length === 1);
 * assert(lines[0].includes('WARN [ingest] bad body status=400 reason="no workflows"'));
 * ```
 */
export function createLogger(
  component: string,
  level: LogLevel = "info",
  sink: LogSink = stderrSink,
  now: () => Date = () => new Date(),
): Logger {
  const least = RANK[level];
  function write(at: LogLevel, message: string, fields?: LogFields): void {
    if (RANK[at] < least) return;
    let line = `${now().toISOString()} ${at.toUpperCase()} [${component}] ${message}`;
    if (fields) {
      for (const [key, value] of Object.entries(fields)) line += ` ${key}=${formatValue(value)}`;
    }
    sink(line);
  }
  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
    child: (name) => createLogger(`${component}/${name}`, level, sink, now),
  };
}

/** A logger that drops everything; for tests that do not look at logs. */
export const silentLogger: Logger = createLogger("silent", "error", () => {});

/**
 * A small structured logger: one line per event, written to stderr so stdout
 * stays free for protocol use (the cache server speaks NDJSON on stdout).
 *
 * Two formats (`OVERLAP_LOG_FORMAT`):
 * - `text` (default): a UTC timestamp, the level, the component and
 *   `key=value` fields, for people;
 * - `json`: one JSON object a line, `{"time", "level", "component",
 *   "message", "fields"}`, for log shippers. Errors anywhere in the fields
 *   become `{"name", "message"}`.
 *
 * @module
 */

/** Log levels, least severe first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** How lines are written: `text` for people, `json` for machines. */
export type LogFormat = "text" | "json";

/** One line of the `json` format, as a parser of the log sees it. */
export interface JsonLogLine {
  /** When, ISO 8601 in UTC. */
  readonly time: string;
  /** The level. */
  readonly level: LogLevel;
  /** The component, `parent/child`. */
  readonly component: string;
  /** What happened. */
  readonly message: string;
  /** The context, as given (errors as `{name, message}`); `{}` when none. */
  readonly fields: Record<string, unknown>;
}

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

// Errors have no enumerable properties, so JSON.stringify would write `{}`;
// a BigInt would make it throw; undefined would drop the key silently.
function jsonValue(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === "bigint") return value.toString();
  if (value === undefined) return null;
  return value;
}

/** One event to render. */
interface LogEvent {
  readonly time: Date;
  readonly level: LogLevel;
  readonly component: string;
  readonly message: string;
  readonly fields: LogFields | undefined;
}

function jsonLine({ time, level, component, message, fields }: LogEvent): string {
  const line = { time: time.toISOString(), level, component, message, fields: fields ?? {} };
  try {
    return JSON.stringify(line, jsonValue);
  } catch {
    // A cycle somewhere in the fields: keep the line, stringify each field alone.
    const safe: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields ?? {})) {
      try {
        safe[key] = JSON.parse(JSON.stringify(value, jsonValue) ?? "null");
      } catch {
        safe[key] = String(value);
      }
    }
    return JSON.stringify({ ...line, fields: safe }, jsonValue);
  }
}

function textLine({ time, level, component, message, fields }: LogEvent): string {
  let line = `${time.toISOString()} ${level.toUpperCase()} [${component}] ${message}`;
  if (fields) {
    for (const [key, value] of Object.entries(fields)) line += ` ${key}=${formatValue(value)}`;
  }
  return line;
}

/**
 * Creates a logger for `component` that drops lines below `level`, writing
 * `format` lines (`text` by default) to `sink`.
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
 *
 * const json: string[] = [];
 * const machine = createLogger("db", "info", (line) => json.push(line), undefined, "json");
 * machine.error("query failed", { error: new RangeError("timeout") });
 * const parsed = JSON.parse(json[0]);
 * assert.deepEqual(parsed.fields, { error: { name: "RangeError", message: "timeout" } });
 * assert.equal(parsed.component, "db");
 * ```
 */
export function createLogger(
  component: string,
  level: LogLevel = "info",
  sink: LogSink = stderrSink,
  now: () => Date = () => new Date(),
  format: LogFormat = "text",
): Logger {
  const least = RANK[level];
  const render = format === "json" ? jsonLine : textLine;
  function write(at: LogLevel, message: string, fields?: LogFields): void {
    if (RANK[at] < least) return;
    sink(render({ time: now(), level: at, component, message, fields }));
  }
  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
    child: (name) => createLogger(`${component}/${name}`, level, sink, now, format),
  };
}

/** A logger that drops everything; for tests that do not look at logs. */
export const silentLogger: Logger = createLogger("silent", "error", () => {});

/**
 * Splits a byte stream into newline-delimited lines (the NDJSON framing of
 * the cache protocol). `@std/streams` is unreachable here, and the splitter
 * must bound line length: one runaway line must not grow memory without end.
 *
 * @module
 */

/** A line longer than the limit; its bytes were dropped up to the next newline. */
export interface OverlongLine {
  /** Bytes of the line that were dropped. */
  readonly overlong: number;
}

const NEWLINE = 0x0a;

/**
 * Yields each line of `stream` (without its `\n`; a trailing `\r` is kept)
 * as a string, or an {@linkcode OverlongLine} marker for a line longer than
 * `maxLineBytes`. A final line without a newline is yielded too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readLines } from "./lines.ts";
 * const bytes = new TextEncoder().encode('{"a":1}\n{"b"');
 * const more = new TextEncoder().encode(':2}\nxxxxxxxxxx\n');
 * const stream = ReadableStream.from([bytes, more]);
 * const lines = [];
 * for await (const line of readLines(stream, 8)) lines.push(line);
 * assert.deepEqual(lines, ['{"a":1}', '{"b":2}', { overlong: 10 }]);
 * ```
 */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
  maxLineBytes = 16 * 1024 * 1024,
): AsyncGenerator<string | OverlongLine> {
  const decoder = new TextDecoder();
  let parts: Uint8Array[] = [];
  let length = 0;
  let dropping = 0; // > 0 while skipping the rest of an overlong line
  const join = (): Uint8Array => {
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(length);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  };
  for await (const chunk of stream) {
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(NEWLINE, start);
      const stop = end === -1 ? chunk.length : end;
      const piece = chunk.subarray(start, stop);
      if (dropping > 0) {
        dropping += piece.length;
      } else if (length + piece.length > maxLineBytes) {
        dropping = length + piece.length;
        parts = [];
        length = 0;
      } else if (piece.length > 0) {
        // Copy: the stream may reuse its buffer for the next chunk.
        parts.push(end === -1 ? piece.slice() : piece);
        length += piece.length;
      }
      if (end === -1) break;
      if (dropping > 0) {
        yield { overlong: dropping };
        dropping = 0;
      } else {
        yield decoder.decode(join());
        parts = [];
        length = 0;
      }
      start = end + 1;
    }
    // Pieces of a line still open at the end of the chunk were copied above;
    // pieces that ended in this chunk were consumed before it is released.
  }
  if (dropping > 0) yield { overlong: dropping };
  else if (length > 0) yield decoder.decode(join());
}

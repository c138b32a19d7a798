/**
 * For tests: the real PGlite worker (`pglite_worker.ts`), except that the
 * query {@linkcode CRASH_SQL} makes it throw an uncaught error, as a bug in
 * the worker or in PGlite would. Start it with
 * `openPglite(dir, log, { workerUrl: new URL("./testing_crash_worker.ts", import.meta.url) })`.
 *
 * @module
 */
import "./pglite_worker.ts";
import type { Request } from "./pglite_protocol.ts";

/** The statement that crashes the worker; it is never answered. */
export const CRASH_SQL = "-- crash the worker";

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
};
const real = scope.onmessage!;
scope.onmessage = (event) => {
  if (event.data.op === "query" && event.data.sql === CRASH_SQL) {
    setTimeout(() => {
      throw new Error("simulated crash inside the PGlite worker");
    });
    return;
  }
  real(event);
};

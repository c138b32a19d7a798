/**
 * The module the PGlite adapter (`pglite.ts`) starts as a Deno `Worker`: it
 * opens PGlite on the first request (`open`) and hands every later one to the
 * host (`pglite_host.ts`). PostgreSQL's work (parsing, planning, triggers,
 * WAL, checkpoints) thus runs on this thread, not on the server's.
 *
 * @module
 */
import { PGlite, types } from "@electric-sql/pglite";
import { createPgliteHost, type PgliteHost } from "./pglite_host.ts";
import { encodeError, type Reply, type Request } from "./pglite_protocol.ts";

// The worker global; Deno's default types describe a window.
const scope = globalThis as unknown as {
  postMessage(message: Reply): void;
  onmessage: ((event: MessageEvent<Request>) => void) | null;
};
const post = (reply: Reply) => scope.postMessage(reply);

let host: PgliteHost | undefined;
let opening = false;

scope.onmessage = ({ data: request }) => {
  if (host) {
    host(request);
  } else if (request.op === "open" && !opening) {
    opening = true;
    open(request.location).then(
      (opened) => {
        host = opened;
        post({ type: "done", id: request.id, result: null });
      },
      (error) => {
        opening = false;
        post({ type: "failed", id: request.id, error: encodeError(error) });
      },
    );
  } else if ("id" in request) {
    const error = new TypeError(`"${request.op}" before the database is open`);
    post({ type: "failed", id: request.id, error: encodeError(error) });
  }
};

async function open(location: string | null): Promise<PgliteHost> {
  const pg = await PGlite.create(location ?? undefined, {
    // int8 as a JS number, as with postgres.js: sequence numbers stay far below 2^53.
    parsers: { [types.INT8]: (value: string) => Number(value) },
  });
  return createPgliteHost(pg, post);
}

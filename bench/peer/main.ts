/**
 * Starts the peer server (see `peer_server.ts`) as its own process, for the
 * load benchmark: `deno run -A bench/peer/main.ts`.
 *
 * Reads Overlap's variables (`OVERLAP_HOST`, `OVERLAP_PORT`, `DATABASE_URL`,
 * `OVERLAP_DATA_DIR`, `OVERLAP_LOG_LEVEL`, …) and two of its own:
 * `PEER_TRANSPORT` (`ws` or `deno`, default `ws`) and `PEER_WS_PORT` (port of
 * the `ws` transport's listener, default 0: a free one). Prints one JSON line
 * `{"url", "wsUrl"}` on stdout once it listens; stops on SIGTERM/SIGINT.
 *
 * @module
 */
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { readTransport, startPeerServer } from "./peer_server.ts";

if (import.meta.main) {
  let config;
  let transport;
  let wsPort;
  try {
    config = loadConfig();
    transport = readTransport(Deno.env.get("PEER_TRANSPORT"));
    const rawPort = Deno.env.get("PEER_WS_PORT") ?? "0";
    wsPort = Number(rawPort);
    if (!/^\d+$/.test(rawPort) || wsPort > 65535) {
      throw new TypeError(
        `PEER_WS_PORT must be a port number 0–65535, got ${JSON.stringify(rawPort)}`,
      );
    }
  } catch (error) {
    console.error(`[peer] configuration error: ${(error as Error).message}`);
    Deno.exit(2);
  }
  const log = createLogger("peer", config.logLevel);
  let peer;
  try {
    peer = await startPeerServer(config, { transport, wsPort, log });
  } catch (error) {
    log.error(`cannot start: ${(error as Error).message}`);
    Deno.exit(1);
  }
  console.log(JSON.stringify({ url: peer.url, wsUrl: peer.wsUrl }));
  const running = peer;
  const stop = () => running.close().then(() => Deno.exit(0));
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}

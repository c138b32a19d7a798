/** @jsxRuntime automatic */
/** @jsxImportSource preact */
/// <reference lib="dom" />
/**
 * The browser UI's entry: loads the engine (the same wasm as the server's),
 * makes the store, the socket and the subscription service, and renders the
 * app. Bundled by `deno task build` (with `style.css`, into `main.css`).
 *
 * @module
 */
import { render } from "preact";
import "./style.css";
import { merge, parseSubscription, printSubscription } from "../../wasm/mod.ts";
import { App, publishClientState } from "./app.tsx";
import { type AppServices, Services } from "./context.tsx";
import { NormalizedStore } from "./normalized_store.ts";
import { type Engine, SubscriptionService } from "./subscription_service.ts";
import { clearToken, readToken, saveToken } from "./token_store.ts";
import { WsClient } from "./ws_client.ts";

const storage = globalThis.sessionStorage;
const engine = { merge, parseSubscription, printSubscription } as unknown as Engine;
const store = new NormalizedStore();
const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/graphql`;
const client = new WsClient({
  url,
  token: () => readToken(storage),
  onAck: () => service.connected(), // called after the first ack, once service exists
  onState: publishClientState,
});
const service = new SubscriptionService({ transport: client, store, engine });
const services: AppServices = { store, service, client, token: () => readToken(storage) };

function reconnect(): void {
  client.stop();
  store.clear();
  client.start();
}

const container = document.getElementById("app")!;
container.textContent = ""; // the "Loading…" placeholder
render(
  <Services.Provider value={services}>
    <App
      onToken={(token) => {
        saveToken(storage, token);
        reconnect();
      }}
      onSignOut={() => {
        clearToken(storage);
        reconnect();
      }}
    />
  </Services.Provider>,
  container,
);
client.start();
// For the browser tests and curious people: the live objects.
(globalThis as unknown as { overlap: unknown }).overlap = { store, service, client };

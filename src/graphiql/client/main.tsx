/// <reference lib="dom" />
/** @jsxImportSource react */
/**
 * The entry of the GraphiQL bundle (`deno task build`): GraphiQL's
 * stylesheet, the page's own, and the React tree mounted on
 * `#overlap-graphiql`. The page says in `<meta name="overlap-auth">` whether
 * the server has tokens, and gives in `<meta name="overlap-style-nonce">` the
 * CSP nonce GraphiQL's dialogs need for the `<style>` they insert (see
 * `src/graphiql/page.ts`).
 *
 * @module
 */
import { createRoot } from "react-dom/client";
import "graphiql/graphiql.css";
import "./page.css";
import { App } from "./app.tsx";

declare global {
  // Read by `get-nonce` (react-remove-scroll) when a dialog inserts its <style>.
  var __webpack_nonce__: string | undefined;
}

function meta(name: string): string | undefined {
  return document.querySelector(`meta[name="${name}"]`)?.getAttribute("content") ?? undefined;
}

globalThis.__webpack_nonce__ = meta("overlap-style-nonce");
const mount = document.getElementById("overlap-graphiql");
if (mount === null) throw new Error("the GraphiQL page has no #overlap-graphiql element");
createRoot(mount).render(<App tokenNeeded={meta("overlap-auth") === "tokens"} />);

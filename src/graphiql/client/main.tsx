/// <reference lib="dom" />
/**
 * The entry of the GraphiQL bundle (`deno task build:graphiql`): GraphiQL's
 * stylesheet, the page's own, and the React tree mounted on
 * `#overlap-graphiql`. The page says in `<meta name="overlap-auth">` whether
 * the server has tokens.
 *
 * @module
 */
import React from "react";
import { createRoot } from "react-dom/client";
import "graphiql/graphiql.css";
import "./page.css";
import { App } from "./app.tsx";

const mount = document.getElementById("overlap-graphiql");
if (mount === null) throw new Error("the GraphiQL page has no #overlap-graphiql element");
const auth = document.querySelector('meta[name="overlap-auth"]')?.getAttribute("content");
createRoot(mount).render(<App tokenNeeded={auth === "tokens"} />);

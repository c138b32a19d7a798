/**
 * GraphiQL as a web app at `/graphiql` (served by `src/web/routes.ts`):
 * the page over the current build, with a fresh style nonce per response
 * (see `page.ts`), and its assets under `/graphiql/assets/<build id>/`.
 *
 * @module
 */
import type { BuiltAssets } from "../web/built_assets.ts";
import type { WebApp } from "../web/routes.ts";
import { createNonce, graphiqlCsp, graphiqlPage } from "./page.ts";

/**
 * GraphiQL over `bundle` (see `src/web/built_assets.ts`).
 *
 * @example
 * ```ts ignore
 * mountWebApps(hono, [graphiqlApp(prepareAssets(graphiqlSpec(), { log }))], { tokens: false });
 * ```
 */
export function graphiqlApp(bundle: BuiltAssets): WebApp {
  return {
    name: "graphiql",
    title: "GraphiQL",
    path: "/graphiql",
    assetsPath: "/graphiql/assets",
    bundle,
    page(assets, context) {
      const nonce = createNonce();
      return {
        html: graphiqlPage(assets, context.assetsUrl, { tokens: context.tokens, nonce }),
        csp: graphiqlCsp(context.host, nonce),
      };
    },
  };
}

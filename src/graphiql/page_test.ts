import { assert, assertEquals } from "../../tests/assert.ts";
import { fakeAsset, fakeAssets } from "../web/testing.ts";
import { createNonce, graphiqlCsp, graphiqlPage } from "./page.ts";

Deno.test("the page loads the build's script and stylesheet with SRI, and says tokens and nonce in meta", () => {
  const assets = fakeAssets(fakeAsset("main.js", ""), fakeAsset("main.css", ""));
  const html = graphiqlPage(assets, "/graphiql/assets/0123456789abcdef/", {
    tokens: false,
    nonce: 'n"<',
  });
  assert(html.includes('<meta name="overlap-style-nonce" content="n&quot;&lt;">'), html);
  assert(html.includes('<meta name="overlap-auth" content="open">'), html);
  assert(
    html.includes(
      `<script type="module" src="/graphiql/assets/0123456789abcdef/main.js" integrity="${
        assets.files.get("main.js")!.integrity
      }">`,
    ),
    html,
  );
  assert(html.includes('href="/graphiql/assets/0123456789abcdef/main.css"'), html);
  assertEquals(html.match(/<script/g)?.length, 1, "one script element: the bundle");
  assert(html.includes('<div id="overlap-graphiql">'), html);
});

Deno.test("the CSP allows scripts only from the server and styles by nonce", () => {
  const nonce = createNonce();
  const csp = graphiqlCsp("[::1]:8183", nonce);
  const directives = new Map(csp.split("; ").map((d) => [d.split(" ")[0], d]));
  assertEquals(directives.get("script-src"), "script-src 'self'");
  assertEquals(directives.get("style-src"), `style-src 'self' 'nonce-${nonce}'`);
  assertEquals(
    directives.get("connect-src"),
    "connect-src 'self' ws://[::1]:8183 wss://[::1]:8183",
  );
  assertEquals(directives.get("default-src"), "default-src 'none'");
  assertEquals(directives.get("frame-ancestors"), "frame-ancestors 'none'");
  assert(!csp.includes("unsafe"), csp);
});

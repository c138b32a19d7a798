import { assert, assertEquals } from "../../tests/assert.ts";
import { createNonce, graphiqlCsp, graphiqlPage } from "./page.ts";
import { fakeAsset } from "./test_bundle.ts";

Deno.test("the page escapes what it puts in attributes and uses SRI on both files", () => {
  const script = { ...fakeAsset("main.1.js", "", ""), integrity: 'sha384-"><script>' };
  const style = fakeAsset("main.1.css", "", "");
  const html = graphiqlPage({ script, style }, { tokens: false, nonce: 'n"<' });
  assert(html.includes('integrity="sha384-&quot;>&lt;script>"'), html);
  assert(html.includes('<meta name="overlap-style-nonce" content="n&quot;&lt;">'), html);
  assert(html.includes(`integrity="${style.integrity}"`));
  assertEquals(html.match(/<script/g)?.length, 1, "one script element: the bundle");
  assert(html.includes('<link rel="icon" href="data:,">'), "no favicon request");
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

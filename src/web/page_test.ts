import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { escapeHtml, htmlPage } from "./page.ts";
import { fakeAsset, fakeAssets } from "./testing.ts";

const URL_PATH = "/assets/0123456789abcdef/";

Deno.test("the page escapes what it puts in attributes and uses SRI on every file", () => {
  const script = { ...fakeAsset("main.js", ""), integrity: 'sha384-"><script>' };
  const style = fakeAsset("main.css", "");
  const html = htmlPage({
    title: "A <b> page",
    assets: fakeAssets(script, style),
    assetsUrl: URL_PATH,
    script: "main.js",
    styles: ["main.css"],
    meta: { "overlap-style-nonce": 'n"<' },
    body: '<div id="app"></div>',
  });
  assert(html.includes('integrity="sha384-&quot;&gt;&lt;script&gt;"'), html);
  assert(html.includes('<meta name="overlap-style-nonce" content="n&quot;&lt;">'), html);
  assert(html.includes(`<title>A &lt;b&gt; page</title>`), html);
  assert(
    html.includes(
      `<link rel="stylesheet" href="${URL_PATH}main.css" integrity="${style.integrity}">`,
    ),
    html,
  );
  assertEquals(html.match(/<script/g)?.length, 1, "one script element: the bundle");
  assert(!/<script>|<style|\son\w+=/.test(html), "no inline script, style or handler");
  assert(html.includes('<link rel="icon" href="data:,">'), "no favicon request");
  assert(html.includes('<body>\n<div id="app"></div>\n</body>'), html);
});

Deno.test("a build without the page's script or stylesheet is a TypeError naming it", () => {
  const options = {
    title: "t",
    assetsUrl: URL_PATH,
    script: "main.js",
    styles: ["main.css"],
    body: "",
  };
  assertThrows(
    () => htmlPage({ ...options, assets: fakeAssets(fakeAsset("main.css", "")) }),
    TypeError,
    "the build 0123456789abcdef has no main.js (it has main.css); rebuild it with deno task build",
  );
  assertThrows(
    () => htmlPage({ ...options, assets: fakeAssets(fakeAsset("main.js", "")) }),
    TypeError,
    "has no main.css",
  );
});

Deno.test("escapeHtml covers the five characters that matter", () => {
  assertEquals(
    escapeHtml(`<a href="x" title='y'>&</a>`),
    "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
  );
});

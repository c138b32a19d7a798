/**
 * The HTML shell of a page served over a bundle: the stylesheets and the
 * module script of the current build, each with Subresource Integrity, no
 * inline script or style, a `data:` favicon (no request for one), and the
 * page's own `<meta>` values and static body.
 *
 * @module
 */
import type { AssetSet, StaticAsset } from "./assets.ts";

/** What goes in a page. */
export interface PageOptions {
  /** `<title>`. */
  readonly title: string;
  /** The current build's files. */
  readonly assets: AssetSet;
  /** The URL path of the build's directory, ending in `/` (`/assets/<id>/`). */
  readonly assetsUrl: string;
  /** The module script's name in the build (`main.js`). */
  readonly script: string;
  /** Stylesheets' names in the build (`main.css`). */
  readonly styles: readonly string[];
  /** `<meta name content>` pairs for the script to read (escaped here). */
  readonly meta?: Readonly<Record<string, string>>;
  /** The body's markup: static text from the code, never from a request. */
  readonly body: string;
}

/**
 * Escapes `value` for an attribute value or text between tags.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeHtml } from "./page.ts";
 * assert.equal(escapeHtml(`"><script>&`), "&quot;&gt;&lt;script&gt;&amp;");
 * ```
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&${ENTITIES[c]};`);
}

const ENTITIES: Record<string, string> = {
  "&": "amp",
  "<": "lt",
  ">": "gt",
  '"': "quot",
  "'": "#39",
};

function asset(options: PageOptions, name: string): StaticAsset {
  const found = options.assets.files.get(name);
  if (found === undefined) {
    throw new TypeError(
      `the build ${options.assets.id} has no ${name} (it has ${
        [...options.assets.files.keys()].join(", ") || "nothing"
      }); rebuild it with deno task build`,
    );
  }
  return found;
}

/**
 * The page's HTML.
 *
 * @throws {TypeError} when the build lacks the script or a stylesheet.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { htmlPage } from "./page.ts";
 * const file = (name: string) => ({
 *   name, contentType: "", body: new Uint8Array(), gzip: undefined, etag: "", integrity: "sha384-x",
 * });
 * const html = htmlPage({
 *   title: "T", assetsUrl: "/assets/0123456789abcdef/", script: "main.js", styles: ["main.css"],
 *   assets: { id: "0123456789abcdef", files: new Map([["main.js", file("main.js")], ["main.css", file("main.css")]]) },
 *   meta: { "overlap-auth": "open" }, body: '<div id="app"></div>',
 * });
 * assert(html.includes('<script type="module" src="/assets/0123456789abcdef/main.js" integrity="sha384-x">'));
 * assert(html.includes('<meta name="overlap-auth" content="open">'));
 * ```
 */
export function htmlPage(options: PageOptions): string {
  const url = (name: string) => escapeHtml(options.assetsUrl + name);
  const styles = options.styles.map((name) =>
    `<link rel="stylesheet" href="${url(name)}" integrity="${
      escapeHtml(asset(options, name).integrity)
    }">`
  );
  const script = `<script type="module" src="${url(options.script)}" integrity="${
    escapeHtml(asset(options, options.script).integrity)
  }"></script>`;
  const meta = Object.entries(options.meta ?? {}).map(([name, content]) =>
    `<meta name="${escapeHtml(name)}" content="${escapeHtml(content)}">`
  );
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    ...meta,
    `<title>${escapeHtml(options.title)}</title>`,
    '<link rel="icon" href="data:,">',
    ...styles,
    script,
    "</head>",
    "<body>",
    options.body,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

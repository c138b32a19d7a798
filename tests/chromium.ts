/**
 * Debian's Chromium for browser tests, driven by playwright-core with the
 * flags of ../shared/TOOLCHAIN.md (headless, no sandbox, nothing fetched
 * from the network by the browser itself).
 *
 * @module
 */
import { type Browser, chromium } from "playwright-core";

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether the browser is installed. */
export const hasChromium: boolean = await Deno.stat(CHROMIUM).then(() => true, () => false);

/** The launch flags: headless, and no background traffic to Google. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Launches Chromium.
 *
 * @example
 * ```ts ignore
 * const browser = await launchChromium();
 * try { … } finally { await browser.close(); }
 * ```
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
}

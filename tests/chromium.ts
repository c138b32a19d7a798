/**
 * Debian's Chromium for the browser tests, launched the way TOOLCHAIN.md
 * found to work (headless, no sandbox, nothing fetched from the network).
 *
 * @module
 */
import { type Browser, chromium } from "playwright-core";

/** Where Debian installs Chromium (`apt-get install chromium`). */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether Chromium is installed. */
export const hasChromium: boolean = await Deno.stat(CHROMIUM).then(() => true, () => false);

/** Launches headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

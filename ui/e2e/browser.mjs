// Debian's Chromium, driven by playwright-core (no browser download: Playwright is told
// where the system's Chromium is). Playwright gives every launch a fresh, temporary
// profile (its own --user-data-dir), removed when the browser closes.
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
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

/** Headless Debian Chromium via playwright-core, with software WebGL so MapLibre can draw. */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { ROOT } from "../../../scripts/lib";

export const SCREENSHOTS = path.join(ROOT, "test-results", "screenshots");
export const PHONE = { width: 360, height: 780 };
export const DESKTOP = { width: 1366, height: 900 };

/** `args`: extra Chromium switches (e.g. --host-resolver-rules to reach the server under another host name). */
export function launch(opts: { args?: string[] } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--use-angle=swiftshader",
      "--enable-unsafe-swiftshader",
      "--autoplay-policy=no-user-gesture-required",
      "--disable-dev-shm-usage",
      ...(opts.args ?? []),
    ],
  });
}

export async function newPage(
  browser: Browser,
  base: string,
  viewport = DESKTOP,
  opts: { colorScheme?: "dark" | "light"; locale?: string } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL: base,
    viewport,
    colorScheme: opts.colorScheme ?? "dark",
    locale: opts.locale ?? "en-GB",
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  page.on("pageerror", (err) => console.error("[page error]", err.message));
  return { context, page };
}

/** Puts a session (from the API) into localStorage, as signing in through the form would. */
export async function signInWith(
  page: Page,
  tokens: { access_token: string; refresh_token: string; expires_in: number },
): Promise<void> {
  await page.goto("/signin");
  await page.evaluate((t) => {
    localStorage.setItem(
      "edge-connect.session",
      JSON.stringify({ access: t.access_token, refresh: t.refresh_token, expiresAt: Date.now() + t.expires_in * 1000 }),
    );
  }, tokens);
}

/**
 * Full-page screenshot. On phones the tab bar is position: fixed, which a full-page capture paints over the middle
 * of long pages; it is hidden for the capture (the `-phone` viewport shots in screenshots.test.ts show it).
 */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  const fullPage = opts.fullPage ?? true;
  const narrow = (page.viewportSize()?.width ?? 1000) <= 720;
  // Through the CSSOM, not a <style> tag: the app's CSP (style-src 'self') refuses injected inline styles.
  const setNav = (display: string) =>
    page.evaluate((d) => {
      for (const el of document.querySelectorAll<HTMLElement>(".nav")) el.style.setProperty("display", d, "important");
    }, display);
  if (fullPage && narrow) await setNav("none");
  await page.screenshot({ path: file, fullPage });
  if (fullPage && narrow) await setNav("");
  return file;
}

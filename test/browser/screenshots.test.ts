/**
 * Screenshots of the main pages at phone (360 px) and desktop sizes, dark and light, into
 * test-results/screenshots/ for people to look at. Each page is also checked for horizontal overflow at 360 px
 * (the most common responsive bug) and for a visible h1.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { SimAthena } from "../device-sim/athena";
import { DESKTOP, launch, newPage, PHONE, screenshot, signInWith } from "./lib/browser";
import { connectAthena, world } from "./lib/world";

const base = inject("base");

describe("screenshots of the main pages", () => {
  let browser: Browser;
  let athena: SimAthena;
  let w: Awaited<ReturnType<typeof world>>;

  beforeAll(async () => {
    w = await world(base);
    athena = await connectAthena(base, w.device, w.log, { autoUpload: true });
    browser = await launch();
  });
  afterAll(async () => {
    await athena?.stop();
    await browser?.close();
  });

  const pages = () =>
    [
      ["dashboard", "/", ".device-card"],
      ["timeline", `/timeline/${w.device.dongleId}`, ".route-card"],
      ["route", `/routes/${w.device.dongleId}/${w.log}`, '.route-map[data-track="drawn"]'],
      ["device", `/devices/${w.device.dongleId}`, ".badge-online"],
      ["pair", "/pair", ".scanner"],
      ["settings", "/settings", ".segmented"],
    ] as const;

  async function shoot(page: Page, size: string, scheme: string) {
    for (const [name, path, ready] of pages()) {
      await page.goto(path);
      await page.locator(ready).first().waitFor({ timeout: 30_000 });
      await page.waitForLoadState("networkidle");
      await page.waitForTimeout(300); // map fade-in, fonts
      expect(await page.getByRole("heading", { level: 1 }).first().isVisible(), `${name} has a title`).toBe(true);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `${name} at ${size} overflows horizontally`).toBeLessThanOrEqual(0);
      await screenshot(page, `${name}-${size}-${scheme}`);
      if (size === "phone") await screenshot(page, `${name}-${size}-${scheme}-viewport`, { fullPage: false });
    }
  }

  for (const [size, viewport] of [
    ["phone", PHONE],
    ["desktop", DESKTOP],
  ] as const) {
    for (const scheme of ["dark", "light"] as const) {
      it(`${size} ${scheme}`, async () => {
        const { context, page } = await newPage(browser, base, viewport, { colorScheme: scheme });
        await page.goto("/signin");
        await screenshot(page, `signin-${size}-${scheme}`);
        await signInWith(page, w.session);
        await shoot(page, size, scheme);
        await context.close();
      });
    }
  }
});

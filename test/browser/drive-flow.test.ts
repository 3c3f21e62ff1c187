/**
 * The main journey in a real browser against a real server: sign up, pair a simulated device by token, watch
 * its drive appear after upload and processing, open it (map track, video, seeking), then reopen it offline.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { SimDevice } from "../device-sim/device";
import { launch, newPage, screenshot } from "./lib/browser";
import { countColor, decodePng } from "./lib/png";
import { registeredDevice, uploadDrive } from "./lib/world";

const base = inject("base");
const TRACK_COLOR = "#1f9cf0"; // web/src/route/RouteMap.tsx

describe("sign up → pair → drive → route page → offline", () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let device: SimDevice;
  let routeUrl = "";

  beforeAll(async () => {
    browser = await launch();
    ({ context, page } = await newPage(browser, base));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("signs up through the form", async () => {
    await page.goto("/");
    await page.waitForURL(/\/signin/);
    await page.getByRole("link", { name: "Create one" }).click();
    await page.getByLabel("Name").fill("Ada");
    await page.getByLabel("Email").fill(`ada-${Date.now()}@example.test`);
    await page.getByLabel("Password", { exact: true }).fill("Correct-Horse-7-Battery");
    await page.getByLabel("Repeat password").fill("Correct-Horse-7-Battery");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect
      .poll(() => page.getByRole("heading", { name: "Hello, Ada" }).isVisible(), { timeout: 10_000 })
      .toBe(true);
    await expect.poll(() => page.getByText("No devices yet").isVisible()).toBe(true);
  });

  it("pairs a simulated device by pasting its QR link", async () => {
    device = await registeredDevice(base);
    await page.getByRole("link", { name: "Add device" }).first().click();
    await page.getByLabel("Pairing link or token").fill("not a token");
    await page.getByRole("button", { name: "Pair device" }).click();
    await expect.poll(() => page.getByRole("alert").filter({ hasText: "not a pairing link" }).count()).toBe(1);
    await page.getByLabel("Pairing link or token").fill(await device.pairUrl());
    await page.getByRole("button", { name: "Pair device" }).click();
    await page.waitForURL(new RegExp(`/devices/${device.dongleId}$`));
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toMatch(/comma|[0-9a-f]{16}/);
  });

  it("shows the drive once the device uploaded it and the server processed it", async () => {
    const log = await uploadDrive(device);
    routeUrl = `/routes/${device.dongleId}/${log}`;
    await page.goto(`/timeline/${device.dongleId}`);
    // Processing is asynchronous (queue consumer): reload until the drive is listed with its distance.
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.waitForLoadState("networkidle");
          return page.locator(`a[href="${routeUrl}"]`).count();
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe(1);
    await expect
      .poll(() => page.locator(`a[href="${routeUrl}"] .route-stats`).textContent(), { timeout: 10_000 })
      .toMatch(/Engaged\d+\s?%/);
    // The card's thumbnail (sprite.jpg of segment 0) is a picture the browser decodes, not the fallback icon.
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.waitForLoadState("networkidle");
          return page
            .locator(`a[href="${routeUrl}"] .route-thumb img`)
            .evaluate((img: HTMLImageElement) => img.naturalWidth)
            .catch(() => 0);
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBeGreaterThan(0);
  });

  it("opens the drive: map draws the track, video plays, the timeline seeks the video", async () => {
    await page.locator(`a[href="${routeUrl}"]`).click();
    await page.waitForURL(new RegExp(`${routeUrl}$`));
    const map = page.locator(".route-map");
    await expect.poll(() => map.getAttribute("data-track"), { timeout: 30_000 }).toBe("drawn");
    const pixels = countColor(decodePng(await map.screenshot()), TRACK_COLOR, 30);
    expect(pixels).toBeGreaterThan(150);

    const video = page.locator("video.video");
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 })
      .toBeGreaterThan(0.3);

    await video.evaluate((v: HTMLVideoElement) => v.pause());
    const bar = page.getByRole("slider", { name: "Drive timeline" });
    const box = (await bar.boundingBox())!;
    const duration = Number(await bar.getAttribute("aria-valuemax"));
    expect(duration).toBeGreaterThanOrEqual(59);
    const target = 1.2; // seconds: inside the 2 s synthetic video
    await page.mouse.click(box.x + (target / duration) * box.width, box.y + box.height / 2);
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeCloseTo(target, 0);
    expect(Math.abs((await video.evaluate((v: HTMLVideoElement) => v.currentTime)) - target)).toBeLessThan(0.5);
    // Keyboard: the bar is a slider.
    await bar.focus();
    await page.keyboard.press("Home");
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeLessThan(0.2);
    await expect.poll(() => page.locator(".timeline-bar .span-engaged").count()).toBeGreaterThan(0);
    // The drive's one user flag, on the bar (the legend has a swatch with the same class).
    await expect.poll(() => page.locator(".timeline-bar .span-user_flag").count(), { timeout: 15_000 }).toBe(1);
    await screenshot(page, "route-desktop-dark");
  });

  it("reopens the viewed drive offline from the service worker's cache", async () => {
    // The worker installs after the first load (precaching the shell) and then claims the page.
    await expect
      .poll(
        () =>
          page.evaluate(async () => {
            const reg = await navigator.serviceWorker.getRegistration();
            return `${reg?.active?.state ?? reg?.installing?.state ?? reg?.waiting?.state ?? "none"}/${navigator.serviceWorker.controller ? "controlled" : "uncontrolled"}`;
          }),
        { timeout: 30_000 },
      )
      .toBe("activated/controlled");
    // Once more online under the worker's control, so the drive's data passes through (and into) its cache.
    await page.reload();
    await expect.poll(() => page.locator(".route-map").getAttribute("data-track"), { timeout: 30_000 }).toBe("drawn");
    await page.waitForLoadState("networkidle");

    await context.setOffline(true);
    await page.reload();
    await expect.poll(() => page.getByText("You are offline").isVisible(), { timeout: 10_000 }).toBe(true);
    await expect
      .poll(() => page.locator(".timeline-bar .span-engaged").count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    await expect.poll(() => page.locator(".route-map").getAttribute("data-track"), { timeout: 30_000 }).toBe("drawn");
    await expect.poll(() => page.getByText("The video is not available offline.").isVisible()).toBe(true);
    await screenshot(page, "route-desktop-offline");
    await context.setOffline(false);
  });
});

/** The drive list pages in as you scroll (10 per page, `created_before` cursor) and stops at the end. */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, newPage, PHONE, screenshot, signInWith } from "./lib/browser";
import { createAccount, pairViaApi, registeredDevice, uploadTinyDrive } from "./lib/world";

const base = inject("base");
const DRIVES = 13;

describe("timeline paging", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("loads the next page when the end of the list scrolls into view", async () => {
    const session = await createAccount(base);
    const device = await registeredDevice(base);
    await pairViaApi(base, session, device);
    for (let i = 1; i <= DRIVES; i++) await uploadTinyDrive(device, i);
    await expect
      .poll(
        async () => {
          const res = await fetch(`${base}/v1/devices/${device.dongleId}/routes?limit=100`, {
            headers: { Authorization: `JWT ${session.access_token}` },
          });
          // Processed, not just listed: an unprocessed drive has no start time yet and is grouped under today.
          return ((await res.json()) as { procqlog: number }[]).filter((r) => r.procqlog >= 0).length;
        },
        { timeout: 90_000, interval: 500 },
      )
      .toBe(DRIVES);

    const { page } = await newPage(browser, base, PHONE);
    await signInWith(page, session);
    await page.goto(`/timeline/${device.dongleId}`);
    const cards = page.locator(".route-card");
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(10);
    await page.locator(".load-more").scrollIntoViewIfNeeded();
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(DRIVES);
    await expect.poll(() => page.getByRole("button", { name: "Load more" }).count()).toBe(0);
    expect(await page.locator(".day-head").first().textContent()).toContain(`${DRIVES} drives`);
    await screenshot(page, "timeline-phone-many", { fullPage: false });
  });
});

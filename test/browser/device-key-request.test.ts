/**
 * "This device presented a new key" on the device page: a registration named the device's serial with another key;
 * the owner sees the request and approves it (the device is then known by the new key) or rejects it.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateDeviceKeys } from "../device-sim/keys";
import { SimDevice } from "../device-sim/device";
import { launch, newPage, screenshot, signInWith } from "./lib/browser";
import { createAccount, pairViaApi, registeredDevice, type Session } from "./lib/world";

const base = inject("base");

/** The same device after its /persist was wiped: same serial, a fresh key. */
async function rekeyed(device: SimDevice): Promise<SimDevice> {
  const again = await SimDevice.create({ api: base, serial: device.serial, keys: await generateDeviceKeys("ecdsa") });
  const reg = await again.register();
  expect(reg).toMatchObject({ status: 200, dongleId: device.dongleId });
  return again;
}

describe("key-change request card", () => {
  let browser: Browser;
  let page: Page;
  let session: Session;

  beforeAll(async () => {
    session = await createAccount(base, "Key owner");
    browser = await launch();
    ({ page } = await newPage(browser, base));
    await signInWith(page, session);
  });
  afterAll(async () => {
    await browser?.close();
  });

  const card = () => page.locator("section.key-requests");

  it("shows no card while nothing is pending", async () => {
    const device = await registeredDevice(base);
    await pairViaApi(base, session, device);
    const listed = page.waitForResponse((r) => r.url().endsWith(`/api/v1/devices/${device.dongleId}/key-requests`));
    await page.goto(`/devices/${device.dongleId}`);
    expect((await listed).status()).toBe(200);
    await page.locator(".live-panel").waitFor();
    expect(await card().count()).toBe(0);
  });

  it("approves the new key after a confirmation: the device is known by it from then on", async () => {
    const device = await registeredDevice(base);
    await pairViaApi(base, session, device);
    const fresh = await rekeyed(device);
    expect((await fresh.pollPairing()).status).toBe(401);
    await page.goto(`/devices/${device.dongleId}`);
    await card().getByRole("heading", { name: "This device presented a new key" }).waitFor({ timeout: 15_000 });
    expect(await card().textContent()).toContain(device.serial);
    expect(await card().textContent()).toContain("ES256");
    await screenshot(page, "device-key-request");
    await card().getByRole("button", { name: "Approve new key" }).click();
    const dialog = page.getByRole("dialog", { name: "Replace the device's key?" });
    await dialog.getByRole("button", { name: "Approve new key" }).click();
    await expect.poll(() => card().count(), { timeout: 10_000 }).toBe(0);
    expect(await fresh.pollPairing()).toMatchObject({ status: 200, isPaired: true });
    expect((await device.pollPairing()).status).toBe(401);
  });

  it("rejects it: the device keeps its key, the card goes away and stays away", async () => {
    const device = await registeredDevice(base);
    await pairViaApi(base, session, device);
    const fresh = await rekeyed(device);
    await page.goto(`/devices/${device.dongleId}`);
    await card().getByRole("button", { name: "Reject" }).click({ timeout: 15_000 });
    await expect.poll(() => card().count(), { timeout: 10_000 }).toBe(0);
    expect((await device.pollPairing()).status).toBe(200);
    expect((await fresh.register()).dongleId).toBe(device.dongleId);
    const listed = page.waitForResponse((r) => r.url().endsWith(`/api/v1/devices/${device.dongleId}/key-requests`));
    await page.reload();
    expect((await listed).status()).toBe(200);
    await page.locator(".live-panel").waitFor();
    expect(await card().count()).toBe(0);
  });

  it("is in French too", async () => {
    const device = await registeredDevice(base);
    await pairViaApi(base, session, device);
    await rekeyed(device);
    const fr = await newPage(browser, base, undefined, { locale: "fr-FR" });
    await signInWith(fr.page, session);
    await fr.page.goto(`/devices/${device.dongleId}`);
    await fr.page
      .getByRole("heading", { name: "Cet appareil a présenté une nouvelle clé" })
      .waitFor({ timeout: 15_000 });
    await fr.context.close();
  });
});

/** Pairing answers that are not "paired": each reaches the user as a sentence, not a status code. */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SimDevice } from "../device-sim/device";
import { launch, newPage, signInWith } from "./lib/browser";
import { createAccount, pairViaApi, registeredDevice } from "./lib/world";

const base = inject("base");

describe("pairing errors", () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch();
    ({ page } = await newPage(browser, base));
    await signInWith(page, await createAccount(base, "Second owner"));
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function pairWith(text: string): Promise<string> {
    await page.goto("/pair");
    await page.getByLabel("Pairing link or token").fill(text);
    await page.getByRole("button", { name: "Pair device" }).click();
    const alert = page.locator(".pair-error");
    await alert.waitFor({ timeout: 10_000 });
    return (await alert.textContent()) ?? "";
  }

  it("403: the device belongs to someone else", async () => {
    const device = await registeredDevice(base);
    await pairViaApi(base, await createAccount(base, "First owner"), device);
    expect(await pairWith(await device.pairUrl())).toBe("This device is already paired to another account.");
  });

  it("404: the device never registered with this server", async () => {
    const stranger = await SimDevice.create({ api: base, dongleId: "0123456789abcdef" });
    expect(await pairWith(await stranger.pairToken())).toContain("not registered with this server");
  });

  it("401: the token is not signed by the device's key", async () => {
    const device = await registeredDevice(base);
    const impostor = await SimDevice.create({ api: base, dongleId: device.dongleId! });
    expect(await pairWith(await impostor.pairToken())).toContain("invalid or expired");
  });

  it("417 / expired: caught before or by the server", async () => {
    const device = await registeredDevice(base);
    expect(await pairWith(await device.token())).toBe("This token is not a pairing token.");
    expect(await pairWith(await device.pairToken({ expiresIn: -60 }))).toContain("expired");
  });
});

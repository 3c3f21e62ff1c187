/** Preferences and session handling: theme, language, units, and a silent token refresh. */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, newPage, signInWith } from "./lib/browser";
import { createAccount } from "./lib/world";

const base = inject("base");

describe("settings", () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch();
    ({ page } = await newPage(browser, base));
    await signInWith(page, await createAccount(base, "Léa"));
  });
  afterAll(async () => {
    await browser?.close();
  });

  const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

  it("switches the theme and keeps it after a reload", async () => {
    await page.goto("/settings");
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    expect(await theme()).toBe("dark"); // "system" follows the browser's dark colour scheme
    const dark = await background();
    await page.getByRole("radio", { name: "Light" }).check();
    expect(await theme()).toBe("light");
    expect(await background()).not.toBe(dark);
    await page.reload();
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    expect(await theme()).toBe("light");
    await page.getByRole("radio", { name: "System" }).check();
    expect(await theme()).toBe("dark");
  });

  it("switches the language to French and back", async () => {
    await page.getByRole("radio", { name: "Français" }).check();
    await page.getByRole("heading", { name: "Réglages" }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("fr");
    expect(await page.getByRole("navigation").first().textContent()).toContain("Trajets");
    await page.getByRole("radio", { name: "Kilomètres" }).check();
    await page.getByRole("link", { name: "Accueil" }).first().click();
    await page.getByRole("heading", { name: "Bonjour, Léa" }).waitFor();
    await page.getByRole("link", { name: "Réglages" }).first().click();
    await page.getByRole("radio", { name: "English" }).check();
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
  });

  it("refreshes an expired access token without the user noticing", async () => {
    const before = await page.evaluate(() => JSON.parse(localStorage.getItem("edge-connect.session")!));
    await page.evaluate(() => {
      const s = JSON.parse(localStorage.getItem("edge-connect.session")!);
      localStorage.setItem("edge-connect.session", JSON.stringify({ ...s, expiresAt: Date.now() - 1000 }));
    });
    await page.reload();
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    await expect.poll(() => page.getByText("Member since").isVisible()).toBe(true);
    const after = await page.evaluate(() => JSON.parse(localStorage.getItem("edge-connect.session")!));
    expect(after.refresh).not.toBe(before.refresh);
    expect(after.expiresAt).toBeGreaterThan(Date.now());
  });

  it("signs out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/signin/);
    expect(await page.evaluate(() => localStorage.getItem("edge-connect.session"))).toBeNull();
  });
});

/** Preferences and session handling: theme, language, units, and a silent token refresh. */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, newPage, signInWith } from "./lib/browser";
import { createAccount } from "./lib/world";

const base = inject("base");

describe("settings", () => {
  let browser: Browser;
  let page: Page;
  let account: Awaited<ReturnType<typeof createAccount>>;

  beforeAll(async () => {
    browser = await launch();
    ({ page } = await newPage(browser, base));
    account = await createAccount(base, "Léa");
    await signInWith(page, account);
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
    // waitFor, not a 1 s poll: Settings loads the account, its API keys and its activity at once.
    await page.getByText("Member since").waitFor();
    const after = await page.evaluate(() => JSON.parse(localStorage.getItem("edge-connect.session")!));
    expect(after.refresh).not.toBe(before.refresh);
    expect(after.expiresAt).toBeGreaterThan(Date.now());
  });

  it("changes the password: a wrong current one is refused, the new one signs in, the old one no longer does", async () => {
    const form = page.locator("form", { has: page.getByRole("button", { name: "Change password" }) });
    const next = "Another-Long-Passw0rd!";
    await form.getByLabel("Current password").fill("Not-The-Password-1!");
    await form.getByLabel("New password", { exact: true }).fill(next);
    await form.getByLabel("Repeat new password").fill(next);
    await form.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => form.getByRole("alert").textContent()).toContain("The current password is wrong.");
    await form.getByLabel("Current password").fill(account.password);
    await form.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => page.getByText("Password changed.").isVisible()).toBe(true);
    const login = (password: string) =>
      fetch(`${base}/api/v1/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: account.email, password }),
      });
    expect((await login(next)).status).toBe(200);
    expect((await login(account.password)).status).toBe(401);
    // Still signed in here: the page got the new token pair.
    await page.reload();
    // waitFor, not a 1 s poll: Settings loads the account, its API keys and its activity at once.
    await page.getByText("Member since").waitFor();
  });

  it("signs out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/signin/);
    expect(await page.evaluate(() => localStorage.getItem("edge-connect.session"))).toBeNull();
  });
});

/** Settings → API keys: create a key (shown once, copied), use it against the API, revoke it, and it stops working. */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, newPage, signInWith } from "./lib/browser";
import { createAccount } from "./lib/world";

const base = inject("base");

describe("API keys in Settings", () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launch();
    ({ context, page } = await newPage(browser, base));
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    await signInWith(page, await createAccount(base, "Keys"));
  });
  afterAll(async () => {
    await browser?.close();
  });

  const me = (key: string) => fetch(`${base}/api/v1/auth/me`, { headers: { Authorization: `Bearer ${key}` } });

  it("creates a key, shows it once, and the key works until it is revoked", async () => {
    await page.goto("/settings");
    const section = page.locator("section", { has: page.getByRole("heading", { name: "API keys" }) });
    await section.getByText("No API keys.").waitFor();
    await section.getByLabel("Key name").fill("home assistant");
    await section.getByLabel("Access").selectOption("read");
    await section.getByRole("button", { name: "Create key" }).click();

    const shown = section.getByLabel("New API key");
    await shown.waitFor();
    const key = await shown.inputValue();
    expect(key).toMatch(/^ec_live_[A-Za-z0-9_-]{43}$/);
    await section.getByRole("button", { name: "Copy" }).click();
    await expect.poll(() => page.getByText("Key copied.").isVisible()).toBe(true);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);

    const list = section.getByRole("list", { name: "Your API keys" });
    await expect.poll(() => list.getByRole("listitem").count()).toBe(1);
    expect(await list.textContent()).toContain("home assistant");
    expect(await list.textContent()).toContain("Read only");
    expect(await list.textContent()).not.toContain(key);

    const ok = await me(key);
    expect(ok.status).toBe(200);
    // A read key cannot change anything.
    const write = await fetch(`${base}/api/v1/auth/logout`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}` },
    });
    expect(write.status).toBe(403);

    // Once dismissed, the key is gone from the page for good.
    await section.getByRole("button", { name: "Done" }).click();
    await shown.waitFor({ state: "detached" });
    await page.reload();
    await list.waitFor();
    expect(await page.content()).not.toContain(key);

    await section.getByRole("button", { name: "Revoke home assistant" }).click();
    await section.getByText("No API keys.").waitFor();
    expect((await me(key)).status).toBe(401);

    // Both show up in the account's security activity.
    const activity = page.locator("section", { has: page.getByRole("heading", { name: "Security activity" }) });
    await page.reload();
    await activity.getByText("API key “home assistant” revoked").waitFor();
    await activity.getByText("API key “home assistant” created").waitFor();
  });
});

/**
 * The way into a closed server, in the browser: the command line prints a claim link (while the server runs on the
 * same local state), whoever opens it creates the admin account; the admin makes an invite link in Settings, and
 * a stranger in a fresh browser signs up with it and gets the invite's role. A used link then says so.
 */
import { spawnSync } from "node:child_process";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { OFFLINE_ENV, ROOT } from "../../scripts/lib";
import { launch, newPage } from "./lib/browser";

const base = inject("base");
const persist = inject("persist");
const PASSWORD = "Correct-Horse-42-battery";
const unique = (tag: string) => `${tag}-${Date.now().toString(36)}@example.com`;

function claimLink(): string {
  const res = spawnSync(
    "npx",
    ["tsx", "scripts/admin.ts", "claim-link", "--local", "--persist-to", persist, "--base-url", base],
    { cwd: ROOT, env: { ...OFFLINE_ENV, CI: "true" }, encoding: "utf8" },
  );
  if (res.status !== 0) throw new Error(`claim-link failed: ${res.stderr}`);
  const url = /https?:\/\/\S+\/claim\/[0-9a-f]{64}/.exec(res.stdout)?.[0];
  if (!url) throw new Error(`no link in: ${res.stdout}`);
  return url;
}

async function fillSignUp(page: Page, email: string | null) {
  if (email !== null) await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Repeat password").fill(PASSWORD);
}

async function roleShownInSettings(page: Page): Promise<string> {
  await page.goto("/settings");
  const role = page.locator(".info-list div", { hasText: "Role" }).locator("dd");
  await role.waitFor();
  return (await role.textContent()) ?? "";
}

describe.skipIf(!persist)("invites", () => {
  let browser: Browser;
  let admin: Page;
  let inviteUrl: string;

  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("a claim link from the command line creates an admin account", async () => {
    const link = claimLink();
    ({ page: admin } = await newPage(browser, base));
    await admin.goto(link);
    await admin.getByRole("heading", { name: "Claim this server" }).waitFor();
    await fillSignUp(admin, unique("owner"));
    await admin.getByRole("button", { name: "Create the administrator account" }).click();
    await admin.waitForURL((url) => !url.pathname.startsWith("/claim/"));
    expect(await roleShownInSettings(admin)).toBe("Administrator");
  });

  it("the admin creates a viewer invite in Settings and copies its link", async () => {
    const section = admin.locator("section.invites");
    await section.getByRole("heading", { name: "Invites" }).waitFor();
    await section.getByLabel("Role").selectOption("viewer");
    await section.getByRole("button", { name: "Create invite link" }).click();
    const field = section.getByLabel("Invite link");
    await field.waitFor();
    inviteUrl = await field.inputValue();
    expect(inviteUrl).toMatch(new RegExp(`^${base}/signup\\?invite=[0-9a-f]{64}$`));
    await section.locator(".invite-list li[data-state=pending]", { hasText: "Viewer" }).first().waitFor();
  });

  it("someone else signs up with it in a fresh browser and gets the invite's role", async () => {
    const { context, page } = await newPage(browser, base);
    await page.goto(inviteUrl);
    await page.getByText("This invite creates an account with the role: Viewer.").waitFor();
    await fillSignUp(page, unique("guest"));
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL((url) => url.pathname === "/");
    expect(await roleShownInSettings(page)).toBe("Viewer");
    await context.close();

    // The admin's list shows it used; the link now refuses a second account.
    await admin.reload();
    await admin.locator("section.invites .invite-list li[data-state=used]").first().waitFor();
    const again = await newPage(browser, base);
    await again.page.goto(inviteUrl);
    await again.page.getByRole("alert").filter({ hasText: "This invite link was already used." }).waitFor();
    expect(await again.page.locator("form.form").isHidden()).toBe(true);
    await again.context.close();
  });

  it("the admin revokes an open invite", async () => {
    const section = admin.locator("section.invites");
    await section.getByRole("button", { name: "Create invite link" }).click();
    const pending = section.locator(".invite-list li[data-state=pending]");
    await pending.first().waitFor();
    const before = await section.locator(".invite-list li[data-state=revoked]").count();
    await pending
      .first()
      .getByRole("button", { name: /Revoke/ })
      .click();
    await expect.poll(() => section.locator(".invite-list li[data-state=revoked]").count()).toBe(before + 1);
  });
});

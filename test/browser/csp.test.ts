/**
 * The Content-Security-Policy (worker/http/security-headers.ts, web/public/_headers) lets the app do everything it
 * does: Chromium loads the sign-in page, the dashboard, a drive's page (MapLibre and its worker draw the track,
 * hls.js plays the video from blob: media) and the Swagger UI at /api/docs, and reports no CSP violation, neither as
 * a `securitypolicyviolation` event nor as a console message.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, newPage } from "./lib/browser";
import { world } from "./lib/world";

const base = inject("base");

async function watched(
  browser: Browser,
  session?: { access_token: string; refresh_token: string; expires_in: number },
) {
  const { context, page } = await newPage(browser, base);
  const violations: string[] = [];
  await context.addInitScript((t) => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      w.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`),
    );
    if (t && !localStorage.getItem("edge-connect.session"))
      localStorage.setItem(
        "edge-connect.session",
        JSON.stringify({
          access: t.access_token,
          refresh: t.refresh_token,
          expiresAt: Date.now() + t.expires_in * 1000,
        }),
      );
  }, session ?? null);
  const onConsole = (text: string) => {
    if (/Content[- ]Security[- ]Policy/i.test(text)) violations.push(text);
  };
  page.on("console", (m) => onConsole(m.text()));
  page.on("worker", (w) => w.on("console", (m) => onConsole(m.text())));
  const collect = async (p: Page) => [
    ...violations,
    ...(await p.evaluate(() => (window as never as { __csp: string[] }).__csp)),
  ];
  return { context, page, collect };
}

describe("Content-Security-Policy", () => {
  let browser: Browser;
  let data: Awaited<ReturnType<typeof world>>;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launch();
    data = await world(base);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
  });

  it("is on the app's pages and strict: no inline script, frames refused", async () => {
    const res = await fetch(`${base}/`, { headers: { Accept: "text/html", "Sec-Fetch-Mode": "navigate" } });
    const csp = res.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(await res.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it("raises no violation on the sign-in page", async () => {
    const { context, page, collect } = await watched(browser);
    contexts.push(context);
    await page.goto("/signin");
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await page.waitForLoadState("networkidle");
    expect(await collect(page)).toEqual([]);
  });

  it("raises no violation on the dashboard and a drive's page with its map and video", async () => {
    const { context, page, collect } = await watched(browser, data.session);
    contexts.push(context);
    await page.goto("/");
    await page.locator(`a[href="/routes/${data.device.dongleId}/${data.log}"]`).first().waitFor({ timeout: 30_000 });
    await page.waitForLoadState("networkidle");
    expect(await collect(page)).toEqual([]);

    await page.goto(`/routes/${data.device.dongleId}/${data.log}`);
    await expect.poll(() => page.locator(".route-map").getAttribute("data-track"), { timeout: 30_000 }).toBe("drawn");
    const video = page.locator("video.video");
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 })
      .toBeGreaterThan(0.3);
    await page.waitForLoadState("networkidle");
    expect(await collect(page)).toEqual([]);
  });

  it("raises no violation on /api/docs (Swagger UI under its nonce policy)", async () => {
    const { context, page, collect } = await watched(browser);
    contexts.push(context);
    await page.goto("/api/docs");
    await page.locator(".swagger-ui .opblock").first().waitFor({ timeout: 30_000 });
    await page.waitForLoadState("networkidle");
    expect(await collect(page)).toEqual([]);
  });

  it("does report a violation when a page breaks it (the check above can fail)", async () => {
    const { context, page, collect } = await watched(browser);
    contexts.push(context);
    await page.goto("/signin");
    await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "window.__inline = 1";
      document.head.append(s);
    });
    await expect.poll(async () => (await collect(page)).join("\n")).toMatch(/script-src/);
  });
});

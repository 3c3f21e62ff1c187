/**
 * Our OpenAPI UI: /api/docs renders Swagger UI from our own static assets (scripts/copy-vendor.ts puts
 * swagger-ui-dist under /vendor at build) and lists every operation of /api/v1/openapi.json. Nothing of comma's is
 * built or loaded. The page is opened under a non-localhost host name (mapped to the test server by Chromium's
 * resolver): Swagger UI treats localhost specially (its online validator is skipped there), and a self-hosted
 * server is reached by a real name, so that is where "no request leaves the origin" has to hold.
 */
import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DESKTOP, launch, newPage, screenshot } from "./lib/browser";
import { decodePng } from "./lib/png";

const base = inject("base");
const HOST = "docs.edge-connect.test";
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

describe("API docs page", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launch({ args: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("renders every operation of our OpenAPI document, loading nothing from anywhere else", async () => {
    const spec = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(spec.paths)
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((m) => METHODS.includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      )
      .sort();
    expect(documented.length).toBeGreaterThan(20);

    const origin = `http://${HOST}:${new URL(base).port}`;
    const { context, page } = await newPage(browser, origin);
    // Context-wide, so requests of workers and popups are seen too; failed ones (e.g. offline DNS) are still recorded.
    const requests: string[] = [];
    context.on("request", (r) => requests.push(r.url()));
    try {
      const res = await page.goto("/api/docs");
      expect(res?.status()).toBe(200);
      const opblocks = page.locator(".swagger-ui .opblock");
      await opblocks.first().waitFor({ timeout: 30_000 });
      await expect.poll(() => opblocks.count(), { timeout: 10_000 }).toBe(documented.length);

      const listed = await opblocks.evaluateAll((els) =>
        els.map(
          (el) =>
            `${el.querySelector(".opblock-summary-method")?.textContent ?? "?"} ${el.querySelector("[data-path]")?.getAttribute("data-path") ?? "?"}`,
        ),
      );
      expect(listed.sort()).toEqual(documented);
      expect(listed).toEqual(
        expect.arrayContaining([
          "GET /api/v1/routes",
          "POST /api/v1/auth/register",
          "DELETE /api/v1/routes/{fullname}",
        ]),
      );
      await expect.poll(() => page.locator(".swagger-ui .info .title").textContent()).toContain("edge-connect API");
      // The stylesheet applied (a page without it still lists operations, unstyled): GET blocks get their colour.
      const getBlock = page.locator(".opblock.opblock-get").first();
      expect(await getBlock.evaluate((el) => getComputedStyle(el).borderTopColor)).not.toBe("rgb(0, 0, 0)");

      expect(requests).toEqual(
        expect.arrayContaining([
          `${origin}/api/docs`,
          `${origin}/vendor/swagger-ui-dist/swagger-ui-bundle.js`,
          `${origin}/vendor/swagger-ui-dist/swagger-ui.css`,
          `${origin}/api/v1/openapi.json`,
        ]),
      );
      const elsewhere = requests.filter((u) => !/^(data|blob):/.test(u) && new URL(u).origin !== origin);
      expect(elsewhere).toEqual([]);

      // test-results/screenshots/api-docs.png: the whole page, longer than one screen with every operation listed.
      const shot = decodePng(readFileSync(await screenshot(page, "api-docs")));
      expect(shot.width).toBe(DESKTOP.width);
      expect(shot.height).toBeGreaterThan(DESKTOP.height);
    } finally {
      await context.close();
    }
  });
});

/**
 * Renders the PNG app icons from the SVGs in web/public/icons with headless Chromium (PWA installs need PNGs).
 * Run after editing an SVG: `npx tsx web/build/icons.ts`; the PNGs are committed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const DIR = path.join(import.meta.dirname, "..", "public", "icons");
const JOBS: [svg: string, png: string, size: number][] = [
  ["icon.svg", "icon-192.png", 192],
  ["icon.svg", "icon-512.png", 512],
  ["icon-maskable.svg", "icon-maskable-512.png", 512],
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu"],
});
try {
  for (const [svg, png, size] of JOBS) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    const data = readFileSync(path.join(DIR, svg), "utf8");
    await page.setContent(
      `<html><body style="margin:0;background:transparent"><img style="width:${size}px;height:${size}px;display:block" src="data:image/svg+xml;base64,${Buffer.from(data).toString("base64")}"></body></html>`,
    );
    writeFileSync(path.join(DIR, png), await page.screenshot({ omitBackground: true }));
    await page.close();
    console.log(`${png} (${size}×${size})`);
  }
} finally {
  await browser.close();
}

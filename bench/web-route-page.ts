/**
 * `npx tsx bench/web-route-page.ts [--base http://127.0.0.1:8787] [--runs 3]`: first load of the route page in
 * headless Chromium, Lighthouse-style numbers measured in the page:
 * - LCP (PerformanceObserver "largest-contentful-paint") and which element it was;
 * - the moment the map has drawn the drive's track (the page is useful then);
 * - JS transferred: every script the page and its workers fetched, as sent by the server and gzipped (what
 *   Cloudflare's edge sends; wrangler dev serves assets uncompressed).
 * Profiles: desktop (no throttling) and mobile (Lighthouse's: 360×780, 4× CPU slowdown, 150 ms RTT, 1.6 Mbps).
 * Each run is a fresh browser context (cold cache, no service worker); a second load in the same context shows
 * the warm (service worker + HTTP cache) case. Without --base it starts its own wrangler dev with a synthetic drive.
 */
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { run } from "../scripts/lib";
import { launch } from "../test/browser/lib/browser";
import { startServer } from "../test/browser/lib/server";
import { world } from "../test/browser/lib/world";

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUNS = Number(flag("--runs") ?? 3);

interface Profile {
  name: string;
  viewport: { width: number; height: number };
  cpu: number;
  network?: { latency: number; downloadThroughput: number; uploadThroughput: number };
}
const PROFILES: Profile[] = [
  { name: "desktop", viewport: { width: 1366, height: 900 }, cpu: 1 },
  {
    name: "mobile",
    viewport: { width: 360, height: 780 },
    cpu: 4,
    network: { latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 },
  },
];

interface Sample {
  lcp: number;
  lcpElement: string;
  trackMs: number;
  jsRaw: number;
  jsGzip: number;
  jsFiles: number;
}

/** `cold`: empty caches, so every script crossed the network (some through the worker, which installs mid-load). */
async function load(page: Page, url: string, cold: boolean): Promise<Sample> {
  const scripts = new Map<string, Buffer>();
  // Warm: scripts the service worker answered from its cache did not cross the network, so they are not counted.
  const onResponse = async (res: import("playwright-core").Response) => {
    const u = res.url();
    if (/\.(m?js)(\?|$)/.test(u) && res.status() === 200 && (cold || !res.fromServiceWorker()))
      scripts.set(u, await res.body().catch(() => Buffer.alloc(0)));
  };
  page.on("response", onResponse);
  const t0 = Date.now();
  await page.goto(url, { waitUntil: "commit" });
  await page.locator('.route-map[data-track="drawn"]').waitFor({ timeout: 120_000 });
  const trackMs = Date.now() - t0;
  await page.waitForLoadState("networkidle");
  const lcp = await page.evaluate(
    () =>
      new Promise<{ time: number; element: string }>((resolve) => {
        new PerformanceObserver((list) => {
          const last = list.getEntries().at(-1) as PerformanceEntry & { element?: Element | null };
          const el = last.element;
          resolve({
            time: last.startTime,
            element: el
              ? `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(" ")[0]}` : ""}`
              : "?",
          });
        }).observe({ type: "largest-contentful-paint", buffered: true });
      }),
  );
  page.off("response", onResponse);
  let jsRaw = 0;
  let jsGzip = 0;
  for (const body of scripts.values()) {
    jsRaw += body.length;
    jsGzip += gzipSync(body, { level: 6 }).length;
  }
  return { lcp: lcp.time, lcpElement: lcp.element, trackMs, jsRaw, jsGzip, jsFiles: scripts.size };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

async function profileRuns(
  browser: Browser,
  base: string,
  session: Awaited<ReturnType<typeof world>>["session"],
  url: string,
  p: Profile,
) {
  const cold: Sample[] = [];
  const warm: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({
      baseURL: base,
      viewport: p.viewport,
      colorScheme: "dark",
      locale: "en-GB",
    });
    // The session goes in before the first navigation, so the route page really is the first page loaded.
    await context.addInitScript((t) => {
      localStorage.setItem(
        "edge-connect.session",
        JSON.stringify({
          access: t.access_token,
          refresh: t.refresh_token,
          expiresAt: Date.now() + t.expires_in * 1000,
        }),
      );
    }, session);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: p.cpu });
    if (p.network) await cdp.send("Network.emulateNetworkConditions", { offline: false, ...p.network });
    cold.push(await load(page, url, true));
    // Let the service worker install and take control, then load again: the returning visitor.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await page.waitForTimeout(500);
    warm.push(await load(page, url, false));
    await context.close();
  }
  for (const [label, xs] of [
    ["cold", cold],
    ["warm", warm],
  ] as const) {
    console.log(
      `${p.name.padEnd(7)} ${label}  LCP ${median(xs.map((s) => s.lcp))
        .toFixed(0)
        .padStart(5)} ms (${xs[0].lcpElement})  ` +
        `track drawn ${median(xs.map((s) => s.trackMs))
          .toFixed(0)
          .padStart(5)} ms  ` +
        `JS from network ${xs[0].jsFiles} files, ${kb(median(xs.map((s) => s.jsRaw)))} raw / ${kb(median(xs.map((s) => s.jsGzip)))} gzip`,
    );
  }
}

const givenBase = flag("--base");
if (!givenBase) run("npm", ["run", "--silent", "build:web"], { stdio: ["ignore", "ignore", "inherit"] });
const server = givenBase ? { base: givenBase, stop() {} } : await startServer();
let browser: Browser | undefined;
try {
  const w = await world(server.base);
  const url = `/routes/${w.fullname.replace("|", "/")}`;
  browser = await launch();
  console.log(`route page ${url}, ${RUNS} runs per profile (medians); JS counts page + worker scripts`);
  for (const p of PROFILES) await profileRuns(browser, server.base, w.session, url, p);
} finally {
  await browser?.close();
  server.stop();
}

/**
 * wrangler.jsonc's narrower `run_worker_first` on a real `wrangler dev`: a cold load of the PWA gets the build's
 * static files (hashed /assets/*, icons, manifest, service worker, theme script) from the assets without invoking
 * the Worker, with the Worker's security headers from web/public/_headers; the page itself and the API go through
 * the Worker. Device paths, the API, /healthz, /api/docs and client-side routes still reach the Worker, also when a
 * browser navigates to them. bench/pwa-cold-load.ts measures the invocations saved.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch } from "./lib/browser";
import { coldLoad, type LoadedResponse } from "./lib/cold-load";
import { createAccount } from "./lib/world";

const base = inject("base");
const STATIC = /^\/(?:assets\/|icons\/|vendor\/|manifest\.webmanifest$|sw\.js$|theme-init\.js$)/;
const NAVIGATE = {
  Accept: "text/html,application/xhtml+xml",
  "Sec-Fetch-Mode": "navigate",
  "Sec-Fetch-Dest": "document",
};
const DONGLE = "0123456789abcdef";

const reachedWorker = (res: Response) => res.headers.has("Access-Control-Expose-Headers");

describe("static assets without the Worker", () => {
  let browser: Browser;
  let responses: LoadedResponse[];
  let workerCsp: string;

  beforeAll(async () => {
    browser = await launch();
    const session = await createAccount(base);
    responses = await coldLoad(browser, base, { session });
    const index = await fetch(`${base}/`, { headers: NAVIGATE });
    await index.body?.cancel();
    workerCsp = index.headers.get("Content-Security-Policy") ?? "";
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("serves the build's files straight from the assets, with the Worker's security headers", () => {
    const files = responses.filter((r) => STATIC.test(r.path));
    expect(files.length).toBeGreaterThan(15); // the shell's chunks, CSS, icons, manifest, sw.js (precache included)
    expect(files.map((r) => r.path)).toEqual(
      expect.arrayContaining(["/sw.js", "/manifest.webmanifest", "/theme-init.js"]),
    );
    for (const r of files) {
      expect({ path: r.path, status: r.status, viaWorker: r.viaWorker }).toEqual({
        path: r.path,
        status: 200,
        viaWorker: false,
      });
      expect(r.headers["content-security-policy"]).toBe(workerCsp);
      expect(r.headers["x-frame-options"]).toBe("DENY");
      expect(r.headers["x-content-type-options"]).toBe("nosniff");
      expect(r.headers["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
    }
  });

  it("sends the page and the API through the Worker", () => {
    const rest = responses.filter((r) => !STATIC.test(r.path));
    expect(rest.map((r) => r.path)).toEqual(expect.arrayContaining(["/", "/api/v1/auth/me"]));
    for (const r of rest) expect({ path: r.path, viaWorker: r.viaWorker }).toEqual({ path: r.path, viaWorker: true });
    expect(workerCsp).toContain("frame-ancestors 'none'");
  });

  it("still routes device paths, the API, health and docs to the Worker, browser navigations included", async () => {
    const cases: [string, RequestInit, (res: Response, body: string) => void][] = [
      ["/healthz", { headers: NAVIGATE }, (_r, b) => expect(JSON.parse(b)).toEqual({ status: "ok" })],
      ["/api/v1/health", { headers: NAVIGATE }, (_r, b) => expect(JSON.parse(b).checks).toBeTruthy()],
      ["/api/docs", { headers: NAVIGATE }, (r) => expect(r.headers.get("Content-Security-Policy")).toContain("nonce-")],
      [
        "/v2/pilotauth/",
        { method: "POST" },
        (r, b) => expect([r.status, JSON.parse(b).error]).toEqual([400, expect.any(String)]),
      ],
      [
        `/v1.4/${DONGLE}/upload_url/?path=x`,
        {},
        (r, b) => expect([r.status, JSON.parse(b).error]).toEqual([401, expect.any(String)]),
      ],
      [
        `/${DONGLE}`,
        { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", method: "getVersion", id: 0 }) },
        (r) => expect(r.status).toBe(401),
      ],
      [`/ws/v2/${DONGLE}`, { headers: NAVIGATE }, (r) => expect(r.headers.get("Content-Type")).toMatch(/json/)],
      [`/v1/route/${DONGLE}%7C0000002c--d68dde99ca/`, { headers: NAVIGATE }, (r) => expect(r.status).toBe(401)],
      ["/settings", { headers: NAVIGATE }, (r, b) => expect([r.status, b.includes('id="root"')]).toEqual([200, true])],
      [`/routes/${DONGLE}/0000002c--d68dde99ca`, { headers: NAVIGATE }, (_r, b) => expect(b).toContain('id="root"')],
    ];
    for (const [path, init, check] of cases) {
      const res = await fetch(`${base}${path}`, init);
      const body = await res.text();
      expect({ path, viaWorker: reachedWorker(res) }).toEqual({ path, viaWorker: true });
      check(res, body);
    }
  });
});

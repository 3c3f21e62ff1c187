/**
 * Security headers (issue #12 §4) on every kind of Worker response: our API, comma's API as devices call it, the
 * PWA's pages (served from the assets through the Worker) and errors; the Swagger UI page under its own CSP with a
 * per-request nonce. CORS for comma's web apps on other origins keeps working. web/public/_headers, which covers
 * the static files Cloudflare serves without the Worker, must say exactly what the Worker says.
 */
import { describe, expect, it } from "vitest";
import headersFile from "../web/public/_headers?raw";
import { createUser, registeredDevice, workerFetch } from "./helpers";

/** Every header the Worker's security middleware sets (hono/secure-headers with our options). */
const SECURITY_HEADERS = [
  "content-security-policy",
  "strict-transport-security",
  "x-frame-options",
  "x-content-type-options",
  "referrer-policy",
  "cross-origin-resource-policy",
  "cross-origin-opener-policy",
  "origin-agent-cluster",
  "x-dns-prefetch-control",
  "x-download-options",
  "x-permitted-cross-domain-policies",
  "x-xss-protection",
];

function csp(res: Response): Map<string, string[]> {
  const value = res.headers.get("Content-Security-Policy") ?? "";
  return new Map(
    value
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name, sources]),
  );
}

function expectSecure(res: Response) {
  expect(res.headers.get("Strict-Transport-Security")).toMatch(/^max-age=31536000; includeSubDomains$/);
  expect(res.headers.get("X-Frame-Options")).toBe("DENY");
  expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
  expect(res.headers.get("Referrer-Policy")).toBe("no-referrer");
  const policy = csp(res);
  expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
  expect(policy.get("default-src")).toEqual(["'self'"]);
  expect(policy.get("object-src")).toEqual(["'none'"]);
  const scripts = policy.get("script-src") ?? [];
  expect(scripts[0]).toBe("'self'");
  expect(scripts).not.toContain("'unsafe-inline'");
  expect(scripts).not.toContain("'unsafe-eval'");
}

/** The `/*` block of web/public/_headers as name → value. */
function staticHeaders(): Map<string, string> {
  const lines = headersFile.split("\n").filter((l) => l.trim() && !l.startsWith("#"));
  expect(lines[0]).toBe("/*");
  return new Map(
    lines.slice(1).map((l) => {
      const i = l.indexOf(":");
      return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()];
    }),
  );
}

describe("security headers", () => {
  it("on our API's JSON, including errors", async () => {
    for (const path of ["/api/v1/openapi.json", "/api/v1/health", "/api/v1/routes", "/api/v1/nothing-here"]) {
      const res = await workerFetch(path);
      await res.body?.cancel();
      expectSecure(res);
    }
  });

  it("on comma's API as a device calls it", async () => {
    const device = await registeredDevice({ keyKind: "ecdsa" });
    const res = await workerFetch(`/v1.4/${device.dongleId}/upload_url/?path=${encodeURIComponent("x--0/qlog.zst")}`, {
      headers: { Authorization: `JWT ${await device.token()}` },
    });
    await res.body?.cancel();
    expect(res.status).toBeLessThan(500);
    expectSecure(res);
  });

  it("on the PWA's pages, which the Worker passes on from the static assets", async () => {
    for (const path of ["/", "/settings", "/0123456789abcdef/00000001--abcdef0123"]) {
      const res = await workerFetch(path, { headers: { Accept: "text/html", "Sec-Fetch-Mode": "navigate" } });
      const body = await res.text();
      expectSecure(res);
      if (res.status === 200) expect(body).toContain('<div id="root">');
    }
  });

  it("on /healthz", async () => {
    expectSecure(await workerFetch("/healthz"));
  });

  it("/api/docs runs its one inline script under a fresh nonce, and no other inline script", async () => {
    const nonces: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await workerFetch("/api/docs");
      expect(res.status).toBe(200);
      expectSecure(res);
      const scripts = csp(res).get("script-src")!;
      const nonce = /^'nonce-([A-Za-z0-9+/=]+)'$/.exec(scripts[1] ?? "")?.[1];
      expect(scripts).toHaveLength(2);
      expect(nonce).toBeTruthy();
      const html = await res.text();
      const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((m) => m[1]);
      expect(inline).toEqual([` nonce="${nonce}"`]);
      nonces.push(nonce!);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it("/login (comma's apps' sign-in page): its inline style under a nonce, its form may redirect to allowed apps", async () => {
    const res = await workerFetch("/login?app=https://app.example");
    expectSecure(res);
    const policy = csp(res);
    const nonce = /^'nonce-([A-Za-z0-9+/=]+)'$/.exec(policy.get("style-src")?.[1] ?? "")?.[1];
    expect(nonce).toBeTruthy();
    expect(policy.get("style-src")).not.toContain("'unsafe-inline'");
    // vitest.config.ts sets ALLOWED_ORIGINS to https://app.example: the sign-in redirect goes there.
    expect(policy.get("form-action")).toEqual(["'self'", "https://app.example"]);
    const html = await res.text();
    expect([...html.matchAll(/<style([^>]*)>/g)].map((m) => m[1])).toEqual([` nonce="${nonce}"`]);
    // Everywhere else, forms post only to our own origin.
    const other = await workerFetch("/api/v1/openapi.json");
    await other.body?.cancel();
    expect(csp(other).get("form-action")).toEqual(["'self'"]);
  });

  it("leave CORS for comma's web apps on other origins working (preflight and Authorization calls)", async () => {
    const user = await createUser();
    const preflight = await workerFetch("/v1/me/", {
      method: "OPTIONS",
      headers: {
        Origin: "https://app.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
      },
    });
    expect(preflight.status).toBe(204);
    // A bearer-token API answers CORS for any origin, without credentials (worker/http/cors.ts).
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(preflight.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    expect(preflight.headers.get("Access-Control-Allow-Headers")).toMatch(/Authorization/i);

    const res = await workerFetch("/v1/me/", { headers: { Origin: "https://app.example", ...user.auth } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(res.headers.get("Access-Control-Expose-Headers")).toMatch(/Content-Range/);
    // Media and thumbnails are loaded by those apps' <video>/<img> (no-cors): same-origin would block them.
    expect(res.headers.get("Cross-Origin-Resource-Policy")).toBe("cross-origin");
    expectSecure(res);
  });

  it("web/public/_headers gives static assets exactly the Worker's security headers", async () => {
    const res = await workerFetch("/", { headers: { Accept: "text/html" } });
    await res.body?.cancel();
    const file = staticHeaders();
    const worker = new Map(SECURITY_HEADERS.map((h) => [h, res.headers.get(h)]));
    expect([...worker.values()].every((v) => v !== null)).toBe(true);
    expect(Object.fromEntries(file)).toEqual(Object.fromEntries(worker));
  });
});

/**
 * Issue #13 finding 4: no general rate limit (500 API GETs, 200 pilotauth calls and 40 sign-ups in a burst, no 429).
 * Limits come from the Workers Rate Limiting bindings in wrangler.jsonc, which miniflare runs locally. Their windows
 * are aligned to the wall clock (each minute starts afresh), so bursts start early in a minute.
 */
import { describe, expect, it } from "vitest";
import { STRONG_PASSWORD, createUser, json, newDevice, registeredDevice, workerFetch } from "../helpers";

const minuteOf = (ms: number) => Math.floor(ms / 60_000);

/** Waits until at least `needed` ms remain in the current minute, so a burst is counted in one window. */
async function earlyInAMinute(needed = 25_000): Promise<number> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < needed) await new Promise((resolve) => setTimeout(resolve, left + 50));
  return minuteOf(Date.now());
}

const ip = (n: number) => ({ "CF-Connecting-IP": `198.18.${Math.floor(n / 256)}.${n % 256}` });

/**
 * Sends `count` requests at once, early in a minute. `windows` is how many limiter windows the burst touched (1
 * unless the machine is so slow that a minute ended under it): at most limit × windows requests can pass.
 */
async function burst(count: number, send: (i: number) => Promise<Response>) {
  const minute = await earlyInAMinute();
  const responses = await Promise.all(Array.from({ length: count }, (_, i) => send(i)));
  return { responses, statuses: responses.map((r) => r.status), windows: minuteOf(Date.now()) - minute + 1 };
}

/** Exactly `limit` passed the limiter (at most `limit` per window touched); everything else got 429. */
function expectLimited(b: { statuses: number[]; windows: number }, limit: number) {
  const passed = b.statuses.filter((s) => s !== 429).length;
  if (b.windows === 1) expect(passed).toBe(Math.min(limit, b.statuses.length));
  else expect(passed).toBeLessThanOrEqual(limit * b.windows);
}

const countOf = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

async function expectRateLimited(res: Response) {
  expect(res.status).toBe(429);
  expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
  expect(res.headers.get("Content-Type")).toContain("application/json");
  expect(await res.json()).toMatchObject({ error: "rate_limited" });
}

// Each burst may first wait for a fresh minute (up to 25 s), then send hundreds of requests.
describe("API rate limits (100/min per principal, per IP when anonymous)", { timeout: 120_000 }, () => {
  it("500 API GETs in a burst by one user: 100 pass, the rest get 429 with Retry-After; another user is unaffected", async () => {
    const [alice, bob] = [await createUser(), await createUser()];
    const b = await burst(500, () => workerFetch("/api/v1/auth/me", { headers: alice.auth }));
    expectLimited(b, 100);
    expect(b.statuses.filter((s) => s !== 429 && s !== 200)).toEqual([]);
    await expectRateLimited(b.responses.find((r) => r.status === 429)!);
    // Keyed by principal: Bob has his own budget, from the same (missing) address.
    expect((await workerFetch("/api/v1/auth/me", { headers: bob.auth })).status).toBe(200);
  });

  it("anonymous calls are counted per IP, refused credentials too", async () => {
    const anon = await burst(130, () => workerFetch("/api/v1/auth/me", { headers: ip(1) }));
    expectLimited(anon, 100);
    if (anon.windows === 1) await expectRateLimited(anon.responses.find((r) => r.status === 429)!);
    // Another address has its own budget.
    expect((await workerFetch("/api/v1/auth/me", { headers: ip(2) })).status).toBe(401);
    // Forged tokens cannot be tried without limit either.
    const forged = await burst(130, () =>
      workerFetch("/api/v1/auth/me", { headers: { ...ip(3), Authorization: "JWT not.a.token" } }),
    );
    expectLimited(forged, 100);
    if (forged.windows === 1) expect(countOf(forged.statuses, 429)).toBe(30);
  });

  it("a device's API calls count per device, apart from users", async () => {
    const device = await registeredDevice();
    const b = await burst(130, () => device.apiGet(`v1.1/devices/${device.dongleId}`));
    expectLimited(b, 100);
    if (b.windows === 1) expect(countOf(b.statuses, 429)).toBe(30);
    const user = await createUser();
    expect((await workerFetch("/api/v1/auth/me", { headers: user.auth })).status).toBe(200);
  });
});

describe("tighter per-IP limits", { timeout: 120_000 }, () => {
  it("40 sign-ups from one address in a burst: limited", async () => {
    const b = await burst(40, (i) =>
      workerFetch(
        "/api/v1/auth/register",
        json(
          { email: `burst${i}-${crypto.randomUUID().slice(0, 6)}@example.com`, password: STRONG_PASSWORD },
          { method: "POST", headers: ip(10) },
        ),
      ),
    );
    expectLimited(b, 10);
    expect(countOf(b.statuses, 429)).toBeGreaterThanOrEqual(40 - 10 * b.windows);
    await expectRateLimited(b.responses.find((r) => r.status === 429)!);
  });

  it("200 pilotauth calls from one address in a burst: limited", async () => {
    const device = await newDevice({ keyKind: "ecdsa" });
    const b = await burst(200, () =>
      workerFetch(device.url("v2/pilotauth/", { public_key: device.keys.publicKeyPem }), {
        method: "POST",
        headers: ip(11),
      }),
    );
    expectLimited(b, 30);
    expect(countOf(b.statuses, 429)).toBeGreaterThanOrEqual(200 - 30 * b.windows);
    await expectRateLimited(b.responses.find((r) => r.status === 429)!);
  });

  it("sign-in attempts from one address across many accounts: limited", async () => {
    const b = await burst(30, (i) =>
      workerFetch(
        "/api/v1/auth/login",
        json(
          { email: `stuffing${i}@example.com`, password: "Wrong-password-123" },
          { method: "POST", headers: ip(12) },
        ),
      ),
    );
    expectLimited(b, 20);
    if (b.windows === 1) await expectRateLimited(b.responses.find((r) => r.status === 429)!);
  });

  it("pairing attempts from one address: limited", async () => {
    const user = await createUser();
    const b = await burst(30, () =>
      workerFetch("/v2/pilotpair/", {
        method: "POST",
        headers: { ...user.auth, ...ip(13) },
        body: new URLSearchParams({ pair_token: "not-a-token" }),
      }),
    );
    expectLimited(b, 20);
    if (b.windows === 1) await expectRateLimited(b.responses.find((r) => r.status === 429)!);
  });
});

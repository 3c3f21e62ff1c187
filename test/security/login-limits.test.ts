/**
 * Issue #13 finding 2: the sign-in limiter checked and recorded in separate statements (30 parallel wrong passwords
 * were all tried) and locked the account from everywhere (a stranger could keep the owner out for 15 minutes).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_PER_ACCOUNT, MAX_PER_ACCOUNT_AND_IP } from "../../worker/services/accounts/login-limit";
import { STRONG_PASSWORD, createUser, json, workerFetch } from "../helpers";

const WRONG = "Wrong-password-123";

function login(email: string, password: string, ip: string | null) {
  return workerFetch(
    "/api/v1/auth/login",
    json({ email, password }, { method: "POST", headers: ip ? { "CF-Connecting-IP": ip } : {} }),
  );
}

async function auditRows(userId: string) {
  const { results } = await env.DB.prepare(
    "SELECT action, actor_kind, actor_id, target_id, user_id, ip, detail FROM audit_events WHERE user_id = ? ORDER BY id",
  )
    .bind(userId)
    .all<{ action: string; actor_kind: string; ip: string | null; detail: string | null }>();
  return results;
}

describe("sign-in limits", () => {
  it("30 parallel wrong passwords from one address: at most 5 are tried, the rest get 429 with Retry-After", async () => {
    const user = await createUser();
    const responses = await Promise.all(Array.from({ length: 30 }, () => login(user.email, WRONG, "198.51.100.10")));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBe(MAX_PER_ACCOUNT_AND_IP);
    expect(statuses.filter((s) => s === 429).length).toBe(30 - MAX_PER_ACCOUNT_AND_IP);
    for (const res of responses.filter((r) => r.status === 429)) {
      const retryAfter = Number(res.headers.get("Retry-After"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      expect(await res.json()).toMatchObject({ error: expect.stringMatching(/^(too_many_attempts|rate_limited)$/) });
    }
  });

  it("a stranger locked out at their address does not lock out the owner signing in from another", async () => {
    const user = await createUser();
    for (let i = 0; i < MAX_PER_ACCOUNT_AND_IP; i++)
      expect((await login(user.email, WRONG, "203.0.113.66")).status).toBe(401);
    const stranger = await login(user.email, STRONG_PASSWORD, "203.0.113.66"); // even the right password, there
    expect(stranger.status).toBe(429);
    expect(await stranger.json()).toMatchObject({ error: "too_many_attempts" });
    expect(Number(stranger.headers.get("Retry-After"))).toBeGreaterThan(800);
    expect((await login(user.email, STRONG_PASSWORD, "192.0.2.10")).status).toBe(200);
    expect((await login(user.email, STRONG_PASSWORD, "203.0.113.66")).status).toBe(429);
    // After the window, that address may try again.
    await env.DB.prepare("UPDATE login_failures SET at = at - 901 WHERE subject LIKE ?").bind(`%${user.email}%`).run();
    expect((await login(user.email, STRONG_PASSWORD, "203.0.113.66")).status).toBe(200);
  });

  it("a correct password from an address clears that address's failures", async () => {
    const user = await createUser();
    for (let i = 0; i < MAX_PER_ACCOUNT_AND_IP - 1; i++) await login(user.email, WRONG, "192.0.2.20");
    expect((await login(user.email, STRONG_PASSWORD, "192.0.2.20")).status).toBe(200);
    for (let i = 0; i < MAX_PER_ACCOUNT_AND_IP; i++)
      expect((await login(user.email, WRONG, "192.0.2.20")).status).toBe(401);
  });

  it(`the per-account ceiling (${MAX_PER_ACCOUNT} per 15 min from all addresses) holds back new addresses, not the owner's`, async () => {
    const user = await createUser();
    expect((await login(user.email, STRONG_PASSWORD, "192.0.2.30")).status).toBe(200); // the owner's usual address
    const addresses = Array.from({ length: MAX_PER_ACCOUNT / MAX_PER_ACCOUNT_AND_IP }, (_, i) => `10.13.0.${i + 1}`);
    const guesses = await Promise.all(
      addresses.map(async (ip) => {
        const statuses: number[] = [];
        for (let i = 0; i < MAX_PER_ACCOUNT_AND_IP; i++) statuses.push((await login(user.email, WRONG, ip)).status);
        return statuses;
      }),
    );
    expect(guesses.flat().filter((s) => s === 401).length).toBe(MAX_PER_ACCOUNT);
    const fresh = await login(user.email, WRONG, "10.13.1.1");
    expect(fresh.status).toBe(429);
    expect(Number(fresh.headers.get("Retry-After"))).toBeGreaterThan(0);
    // A stranger's new address is held back even with the right password; the owner's known address is not.
    expect((await login(user.email, STRONG_PASSWORD, "10.13.1.2")).status).toBe(429);
    expect((await login(user.email, STRONG_PASSWORD, "192.0.2.30")).status).toBe(200);
    // Other accounts are untouched.
    const other = await createUser();
    expect((await login(other.email, STRONG_PASSWORD, "10.13.1.3")).status).toBe(200);
  });

  it("without CF-Connecting-IP the attempts count in the account's own strict bucket", async () => {
    const user = await createUser();
    const other = await createUser();
    for (let i = 0; i < MAX_PER_ACCOUNT_AND_IP; i++) expect((await login(user.email, WRONG, null)).status).toBe(401);
    expect((await login(user.email, STRONG_PASSWORD, null)).status).toBe(429);
    // Not one shared "unknown" bucket: other accounts, and the owner from a real address, are unaffected.
    expect((await login(other.email, STRONG_PASSWORD, null)).status).toBe(200);
    expect((await login(user.email, STRONG_PASSWORD, "192.0.2.40")).status).toBe(200);
  });

  it("unknown accounts are limited like real ones (no way to tell them apart)", async () => {
    const email = `nobody-${crypto.randomUUID()}@example.com`;
    for (let i = 0; i < MAX_PER_ACCOUNT_AND_IP; i++) expect((await login(email, WRONG, "192.0.2.50")).status).toBe(401);
    expect((await login(email, WRONG, "192.0.2.50")).status).toBe(429);
  });

  it("writes login.success, login.failure and login.rate_limited to the audit log, without email or password", async () => {
    const user = await createUser();
    expect((await login(user.email, STRONG_PASSWORD, "192.0.2.60")).status).toBe(200);
    for (let i = 0; i < MAX_PER_ACCOUNT_AND_IP; i++) await login(user.email, WRONG, "192.0.2.61");
    expect((await login(user.email, WRONG, "192.0.2.61")).status).toBe(429);
    const rows = await auditRows(user.id);
    const logins = rows.filter((r) => r.action.startsWith("login."));
    expect(logins.map((r) => [r.action, r.ip])).toEqual([
      ["login.success", "192.0.2.60"],
      ...Array.from({ length: MAX_PER_ACCOUNT_AND_IP }, () => ["login.failure", "192.0.2.61"]),
      ["login.rate_limited", "192.0.2.61"],
    ]);
    expect(logins[0]).toMatchObject({ actor_kind: "user", actor_id: user.id, target_id: user.id });
    expect(logins[1]).toMatchObject({ actor_kind: "anonymous", target_id: user.id });
    for (const row of rows) {
      expect(JSON.stringify(row)).not.toContain(user.email);
      expect(JSON.stringify(row)).not.toContain(WRONG);
      expect(JSON.stringify(row)).not.toContain(STRONG_PASSWORD);
    }
  });
});

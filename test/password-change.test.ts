/** Changing the password: new tokens for this session, every other session signed out, same rules as sign-up. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { STRONG_PASSWORD, createUser, json, registeredDevice, workerFetch, type TestUser } from "./helpers";

const NEW_PASSWORD = "Another-Strong-Pass-7";
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  workerFetch(path, json(body, { method: "POST", headers }));
const change = (user: TestUser, current: string, next: string, headers: Record<string, string> = {}) =>
  post("/api/v1/auth/password", { current_password: current, new_password: next }, { ...user.auth, ...headers });
const login = (email: string, password: string, ip = "198.51.100.1") =>
  post("/api/v1/auth/login", { email, password }, { "CF-Connecting-IP": ip });

describe("change password", () => {
  it("changes it, returns working tokens, and signs out every other session", async () => {
    const user = await createUser();
    const other = (await (await login(user.email, STRONG_PASSWORD)).json()) as { refresh_token: string };

    const res = await change(user, STRONG_PASSWORD, NEW_PASSWORD);
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as { access_token: string; refresh_token: string; expires_in: number };
    expect(tokens.expires_in).toBe(3600);
    const me = await workerFetch("/api/v1/auth/me", { headers: { Authorization: `JWT ${tokens.access_token}` } });
    expect(await me.json()).toMatchObject({ id: user.id });

    // Both earlier sessions (sign-up and the second sign-in) are gone; the new one refreshes.
    for (const old of [user.refreshToken, other.refresh_token]) {
      const refreshed = await post("/api/v1/auth/refresh", { refresh_token: old });
      expect(refreshed.status).toBe(401);
      expect(await refreshed.json()).toMatchObject({ error: "invalid_refresh_token" });
    }
    expect((await post("/api/v1/auth/refresh", { refresh_token: tokens.refresh_token })).status).toBe(200);

    expect((await login(user.email, STRONG_PASSWORD)).status).toBe(401);
    expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);
  });

  it("refuses a wrong current password with 403 invalid_credentials and changes nothing", async () => {
    const user = await createUser();
    const res = await change(user, "Not-The-Password-99", NEW_PASSWORD);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "invalid_credentials" });
    expect((await post("/api/v1/auth/refresh", { refresh_token: user.refreshToken })).status).toBe(200);
    expect((await login(user.email, STRONG_PASSWORD)).status).toBe(200);
  });

  it("applies the sign-up rule to the new password (400 weak_password) and keeps the old one", async () => {
    const user = await createUser();
    for (const weak of ["short1A!", "alllowercaseletters", `${user.email.split("@")[0]}-X9-padding`]) {
      const res = await change(user, STRONG_PASSWORD, weak);
      expect([weak, res.status]).toEqual([weak, 400]);
      expect(await res.json()).toMatchObject({ error: "weak_password" });
    }
    const missing = await post("/api/v1/auth/password", { current_password: STRONG_PASSWORD }, user.auth);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: "invalid_request" });
    expect((await login(user.email, STRONG_PASSWORD)).status).toBe(200);
  });

  it("counts wrong current passwords in the sign-in rate limit", async () => {
    const user = await createUser();
    const ip = { "CF-Connecting-IP": "203.0.113.77" };
    for (let i = 0; i < 5; i++) expect((await change(user, `Wrong-Guess-${i}-xx`, NEW_PASSWORD, ip)).status).toBe(403);
    const blocked = await change(user, STRONG_PASSWORD, NEW_PASSWORD, ip); // even the right one, now
    expect(blocked.status).toBe(429);
    expect(await blocked.json()).toMatchObject({ error: "too_many_attempts" });
    expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThan(0);
    // The same (account, address) limit protects the sign-in form; the owner elsewhere is not locked out.
    expect((await login(user.email, STRONG_PASSWORD, "203.0.113.77")).status).toBe(429);
    expect((await login(user.email, STRONG_PASSWORD, "192.0.2.200")).status).toBe(200);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM login_failures WHERE subject = ?")
      .bind(`acct:${user.email}`)
      .first<{ n: number }>();
    expect(rows?.n).toBe(5);
  });

  it("needs a signed-in user", async () => {
    const anonymous = await post("/api/v1/auth/password", {
      current_password: STRONG_PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(anonymous.status).toBe(401);
    const device = await registeredDevice();
    const byDevice = await post(
      "/api/v1/auth/password",
      { current_password: "x", new_password: NEW_PASSWORD },
      { Authorization: `JWT ${await device.token()}` },
    );
    expect(byDevice.status).toBe(403);
    expect(await byDevice.json()).toMatchObject({ error: "device_token_not_allowed" });
  });

  it("is documented in the OpenAPI document", async () => {
    const doc = (await (await workerFetch("/api/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, { security?: unknown }>>;
    };
    expect(doc.paths["/api/v1/auth/password"]?.post?.security).toEqual([{ jwt: [] }]);
  });
});

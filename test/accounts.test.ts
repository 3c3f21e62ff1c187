import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { STRONG_PASSWORD, createUser, json, registeredDevice, workerFetch } from "./helpers";

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  workerFetch(path, json(body, { method: "POST", headers }));

describe("accounts", () => {
  it("makes the first account admin and later ones user; returns tokens", async () => {
    const first = await createUser();
    const second = await createUser();
    expect(first.role).toBe("admin");
    expect(second.role).toBe("user");
    const me = await workerFetch("/api/v1/auth/me", { headers: first.auth });
    expect(await me.json()).toMatchObject({ id: first.id, email: first.email, role: "admin" });
    const comma = await workerFetch("/v1/me/", { headers: { Authorization: `Bearer ${second.accessToken}` } });
    expect(await comma.json()).toMatchObject({
      id: second.id,
      email: second.email,
      superuser: false,
      user_id: second.id,
    });
  });

  it("rejects weak passwords, bad emails, duplicates and malformed bodies with stable codes", async () => {
    const cases: [unknown, number, string][] = [
      [{ email: "a@example.com", password: "short1A!" }, 400, "weak_password"],
      [{ email: "b@example.com", password: "alllowercaseletters" }, 400, "weak_password"],
      [{ email: "not-an-email", password: STRONG_PASSWORD }, 400, "invalid_email"],
      [{ password: STRONG_PASSWORD }, 400, "invalid_request"],
    ];
    for (const [body, status, code] of cases) {
      const res = await post("/api/v1/auth/register", body);
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({ error: code });
    }
    const user = await createUser();
    const dup = await post("/api/v1/auth/register", { email: user.email.toUpperCase(), password: STRONG_PASSWORD });
    expect(dup.status).toBe(409);
    const broken = await workerFetch("/api/v1/auth/register", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{",
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: "invalid_json" });
  });

  it("logs in and rotates refresh tokens; reusing a rotated token revokes the whole family", async () => {
    const user = await createUser();
    const login = await post("/api/v1/auth/login", { email: user.email, password: STRONG_PASSWORD });
    expect(login.status).toBe(200);
    const tokens = (await login.json()) as { access_token: string; refresh_token: string; expires_in: number };
    expect(tokens.expires_in).toBe(3600);

    const r1 = (await (await post("/api/v1/auth/refresh", { refresh_token: tokens.refresh_token })).json()) as {
      refresh_token: string;
      access_token: string;
    };
    expect(r1.refresh_token).not.toBe(tokens.refresh_token);
    const r2res = await post("/api/v1/auth/refresh", { refresh_token: r1.refresh_token });
    expect(r2res.status).toBe(200);
    const r2 = (await r2res.json()) as { refresh_token: string };

    // An attacker replays the first token: 401, and the legitimate newest token dies with the family.
    const replay = await post("/api/v1/auth/refresh", { refresh_token: tokens.refresh_token });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: "refresh_token_reused" });
    expect((await post("/api/v1/auth/refresh", { refresh_token: r2.refresh_token })).status).toBe(401);
    // Other sessions (the one from registration) are another family and keep working.
    expect((await post("/api/v1/auth/refresh", { refresh_token: user.refreshToken })).status).toBe(200);
  });

  it("logout revokes the refresh token", async () => {
    const user = await createUser();
    expect((await post("/api/v1/auth/logout", { refresh_token: user.refreshToken })).status).toBe(200);
    expect((await post("/api/v1/auth/refresh", { refresh_token: user.refreshToken })).status).toBe(401);
  });

  it("rate-limits failed logins per account and address: 5 attempts in 15 min → 429 with Retry-After", async () => {
    const user = await createUser();
    const ip = { "CF-Connecting-IP": "10.0.0.1" };
    for (let i = 0; i < 5; i++) {
      const res = await post("/api/v1/auth/login", { email: user.email, password: "Wrong-password-123" }, ip);
      expect(res.status).toBe(401);
    }
    const limited = await post("/api/v1/auth/login", { email: user.email, password: STRONG_PASSWORD }, ip);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(800);
    expect(await limited.json()).toMatchObject({ error: "too_many_attempts" });
    // After the window the account can sign in again from there.
    await env.DB.prepare("UPDATE login_failures SET at = at - 901").run();
    expect((await post("/api/v1/auth/login", { email: user.email, password: STRONG_PASSWORD }, ip)).status).toBe(200);
  });

  it("failures spread over addresses, or against other accounts, do not lock the owner out", async () => {
    const victim = await createUser();
    for (let i = 0; i < 5; i++)
      await post(
        "/api/v1/auth/login",
        { email: victim.email, password: "Wrong-password-123" },
        { "CF-Connecting-IP": `10.0.1.${i}` },
      );
    const ip = { "CF-Connecting-IP": "192.0.2.77" };
    for (let i = 0; i < 5; i++)
      await post("/api/v1/auth/login", { email: `nobody${i}@example.com`, password: "Wrong-password-123" }, ip);
    expect((await post("/api/v1/auth/login", { email: victim.email, password: STRONG_PASSWORD }, ip)).status).toBe(200);
  });

  it("rejects expired, forged and device tokens where a user is required", async () => {
    const device = await registeredDevice();
    expect(
      (await workerFetch("/api/v1/auth/me", { headers: { Authorization: `JWT ${await device.token()}` } })).status,
    ).toBe(403);
    const { SignJWT } = await import("jose");
    const forged = await new SignJWT({ identity: "x", typ: "access" })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode("wrong-secret"));
    expect((await workerFetch("/api/v1/auth/me", { headers: { Authorization: `JWT ${forged}` } })).status).toBe(401);
    const user = await createUser();
    const expired = await new SignJWT({ identity: user.id, typ: "access" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuedAt(1)
      .setExpirationTime(2)
      .sign(new TextEncoder().encode(env.JWT_SECRET));
    const res = await workerFetch("/api/v1/auth/me", { headers: { Authorization: `JWT ${expired}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "token_expired" });
  });

  it("closes registration when ENABLE_REGISTRATION is false", async () => {
    const { registerUser } = await import("../worker/services/accounts/accounts");
    const { database } = await import("../worker/db/client");
    await expect(
      registerUser({ ...env, ENABLE_REGISTRATION: "false" }, database(env), {
        email: "closed@example.com",
        password: STRONG_PASSWORD,
      }),
    ).rejects.toMatchObject({ status: 403, code: "registration_closed" });
  });

  it("roles: only admins change roles; a viewer cannot pair devices or write", async () => {
    const admin = await createUser(); // first in this file's isolated D1? not guaranteed: promote explicitly
    await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(admin.id).run();
    const viewer = await createUser();
    const res = await workerFetch(
      `/api/v1/admin/users/${viewer.id}/role`,
      json({ role: "viewer" }, { method: "PATCH", headers: admin.auth }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ role: "viewer" });
    expect(
      (
        await workerFetch(
          `/api/v1/admin/users/${admin.id}/role`,
          json({ role: "viewer" }, { method: "PATCH", headers: viewer.auth }),
        )
      ).status,
    ).toBe(403);
    const device = await registeredDevice();
    const pair = await workerFetch("/v2/pilotpair/", {
      method: "POST",
      headers: viewer.auth,
      body: new URLSearchParams({ pair_token: await device.pairToken() }),
    });
    expect(pair.status).toBe(403);
    // A viewer with write share still only reads.
    const owner = await createUser();
    await workerFetch("/v2/pilotpair/", {
      method: "POST",
      headers: owner.auth,
      body: new URLSearchParams({ pair_token: await device.pairToken() }),
    });
    await env.DB.prepare("INSERT INTO device_users (dongle_id, user_id, permission) VALUES (?, ?, 'write')")
      .bind(device.dongleId, viewer.id)
      .run();
    expect((await workerFetch(`/v1.1/devices/${device.dongleId}`, { headers: viewer.auth })).status).toBe(200);
    expect(
      (
        await workerFetch(
          `/v1/${device.dongleId}/upload_urls/`,
          json({ paths: [] }, { method: "POST", headers: viewer.auth }),
        )
      ).status,
    ).toBe(403);
    // An admin sees every device.
    expect((await workerFetch(`/v1.1/devices/${device.dongleId}`, { headers: admin.auth })).status).toBe(200);
  });
});

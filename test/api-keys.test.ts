/** API keys: created once in clear, stored hashed, used as Bearer/JWT, scoped read/write, revocable, audited. */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createUser, json, registeredDevice, STRONG_PASSWORD, type TestUser, workerFetch } from "./helpers";

interface NewKey {
  id: string;
  name: string;
  scope: "read" | "write";
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  key: string;
}

async function createKey(user: TestUser, scope: "read" | "write", name = `key ${scope}`): Promise<NewKey> {
  const res = await workerFetch("/api/v1/auth/api-keys", json({ name, scope }, { method: "POST", headers: user.auth }));
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as NewKey;
}

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const me = (headers: Record<string, string>) => workerFetch("/api/v1/auth/me", { headers });

async function auditOf(userId: string, action: string) {
  const { results } = await env.DB.prepare("SELECT * FROM audit_events WHERE user_id = ? AND action = ? ORDER BY id")
    .bind(userId, action)
    .all<Record<string, unknown>>();
  return results;
}

let admin: TestUser;
beforeAll(async () => {
  admin = await createUser(); // first account: admin
});

describe("API keys", () => {
  it("creates a key shown once, stores only its hash, lists it without the key", async () => {
    const user = await createUser();
    const key = await createKey(user, "read", "grafana");
    expect(key.key).toMatch(/^ec_live_[A-Za-z0-9_-]{43}$/);
    expect(key.key.startsWith(key.prefix)).toBe(true);
    expect(key.prefix.length).toBeLessThan(20);
    expect(key).toMatchObject({ name: "grafana", scope: "read", last_used_at: null });

    const row = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?")
      .bind(key.id)
      .first<Record<string, string>>();
    expect(JSON.stringify(row)).not.toContain(key.key);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key.key)));
    expect(row!.key_hash).toBe([...digest].map((b) => b.toString(16).padStart(2, "0")).join(""));

    const list = await workerFetch("/api/v1/auth/api-keys", { headers: user.auth });
    expect(list.status).toBe(200);
    const text = await list.text();
    expect(text).not.toContain(key.key);
    expect(text).not.toContain(row!.key_hash);
    const { keys } = JSON.parse(text) as { keys: Record<string, unknown>[] };
    expect(keys).toEqual([
      {
        id: key.id,
        name: "grafana",
        scope: "read",
        prefix: key.prefix,
        created_at: key.created_at,
        last_used_at: null,
      },
    ]);
  });

  it("authenticates as Bearer and as JWT, and records the last use (at most every few minutes)", async () => {
    const user = await createUser();
    const key = await createKey(user, "read");
    for (const headers of [bearer(key.key), { Authorization: `JWT ${key.key}` }]) {
      const res = await me(headers);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { id: string }).id).toBe(user.id);
    }
    const used = () =>
      env.DB.prepare("SELECT last_used_at AS t FROM api_keys WHERE id = ?").bind(key.id).first<{ t: number | null }>();
    await expect.poll(async () => (await used())?.t ?? null).not.toBeNull();
    // A use within the granularity window writes nothing.
    await env.DB.prepare("UPDATE api_keys SET last_used_at = unixepoch() - 60 WHERE id = ?").bind(key.id).run();
    const before = (await used())!.t;
    expect((await me(bearer(key.key))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect((await used())!.t).toBe(before);
    // An older record is refreshed.
    await env.DB.prepare("UPDATE api_keys SET last_used_at = unixepoch() - 3600 WHERE id = ?").bind(key.id).run();
    expect((await me(bearer(key.key))).status).toBe(200);
    await expect.poll(async () => (await used())!.t).toBeGreaterThan(Math.floor(Date.now() / 1000) - 60);
  });

  it("refuses unknown, malformed and revoked keys with 401", async () => {
    const user = await createUser();
    const key = await createKey(user, "write");
    const forged = `ec_live_${"A".repeat(43)}`;
    for (const token of [forged, "ec_live_short", `${key.key}x`]) {
      const res = await me(bearer(token));
      expect(res.status, token).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe("invalid_api_key");
    }
    expect((await me(bearer(key.key))).status).toBe(200);
    const revoke = await workerFetch(`/api/v1/auth/api-keys/${key.id}`, { method: "DELETE", headers: user.auth });
    expect(revoke.status).toBe(200);
    expect((await me(bearer(key.key))).status).toBe(401);
    const list = (await (await workerFetch("/api/v1/auth/api-keys", { headers: user.auth })).json()) as {
      keys: unknown[];
    };
    expect(list.keys).toEqual([]);
    // Revoking again: nothing to revoke.
    expect(
      (await workerFetch(`/api/v1/auth/api-keys/${key.id}`, { method: "DELETE", headers: user.auth })).status,
    ).toBe(404);
  });

  it("lets a read key GET, and refuses it every mutating method with 403 api_key_read_only", async () => {
    const user = await createUser();
    const device = await registeredDevice({ keyKind: "ecdsa" });
    const pair = await workerFetch("/v2/pilotpair/", {
      method: "POST",
      headers: user.auth,
      body: new URLSearchParams({ pair_token: await device.pairToken() }),
    });
    expect(pair.status).toBe(200);
    const dongle = device.dongleId!;
    const read = await createKey(user, "read");
    const write = await createKey(user, "write");

    expect((await workerFetch(`/api/v1/devices/${dongle}`, { headers: bearer(read.key) })).status).toBe(200);
    expect((await workerFetch(`/v1.1/devices/${dongle}/`, { headers: bearer(read.key) })).status).toBe(200);
    const mutations: [string, RequestInit][] = [
      [`/api/v1/devices/${dongle}`, json({ alias: "nope" }, { method: "PATCH" })],
      [`/v1/devices/${dongle}/`, json({ alias: "nope" }, { method: "PATCH" })],
      [`/api/v1/devices/${dongle}`, { method: "DELETE" }],
      [`/api/v1/devices/${dongle}/users`, json({ email: admin.email }, { method: "POST" })],
      [`/${dongle}`, json({ jsonrpc: "2.0", method: "getVersion", id: 0 }, { method: "POST" })],
      [`/api/v1/routes/${encodeURIComponent(`${dongle}|0000002a--0123456789`)}`, { method: "DELETE" }],
    ];
    for (const [path, init] of mutations) {
      const res = await workerFetch(path, { ...init, headers: { ...(init.headers as object), ...bearer(read.key) } });
      expect(res.status, `${init.method} ${path}`).toBe(403);
      expect(((await res.json()) as { error: string }).error).toBe("api_key_read_only");
    }
    const alias = await workerFetch(
      `/api/v1/devices/${dongle}`,
      json({ alias: "by key" }, { method: "PATCH", headers: bearer(write.key) }),
    );
    expect(alias.status).toBe(200);
    expect(((await alias.json()) as { alias: string }).alias).toBe("by key");
  });

  it("keeps keys off key management, the password and device endpoints", async () => {
    const user = await createUser();
    const write = await createKey(user, "write");
    const refusals: [string, RequestInit][] = [
      ["/api/v1/auth/api-keys", json({ name: "more", scope: "write" }, { method: "POST" })],
      ["/api/v1/auth/api-keys", {}],
      [`/api/v1/auth/api-keys/${write.id}`, { method: "DELETE" }],
      [
        "/api/v1/auth/password",
        json({ current_password: STRONG_PASSWORD, new_password: "Another-Horse-43-staple" }, { method: "POST" }),
      ],
    ];
    for (const [path, init] of refusals) {
      const res = await workerFetch(path, { ...init, headers: { ...(init.headers as object), ...bearer(write.key) } });
      expect(res.status, `${init.method ?? "GET"} ${path}`).toBe(403);
      expect(((await res.json()) as { error: string }).error).toBe("api_key_not_allowed");
    }
    const device = await registeredDevice({ keyKind: "ecdsa" });
    const upload = await workerFetch(`/v1.4/${device.dongleId}/upload_url/?path=x/qlog.zst`, {
      headers: bearer(write.key),
    });
    expect(upload.status).toBe(403);
    const socket = await workerFetch(`/ws/v2/${device.dongleId}`, {
      headers: { Upgrade: "websocket", ...bearer(write.key) },
    });
    expect(socket.status).toBe(401);
  });

  it("revokes only the caller's own keys (another account's key id is a 404)", async () => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const key = await createKey(alice, "read");
    const res = await workerFetch(`/api/v1/auth/api-keys/${key.id}`, { method: "DELETE", headers: bob.auth });
    expect(res.status).toBe(404);
    expect((await me(bearer(key.key))).status).toBe(200);
    const bobs = (await (await workerFetch("/api/v1/auth/api-keys", { headers: bob.auth })).json()) as {
      keys: unknown[];
    };
    expect(bobs.keys).toEqual([]);
  });

  it("stops working when its account is removed", async () => {
    const user = await createUser();
    const key = await createKey(user, "write");
    expect((await me(bearer(key.key))).status).toBe(200);
    // D1 enforces api_keys → users, so removing an account removes its keys' rows with it (no dangling key can
    // exist); the lookup also joins the user row, so a key never authenticates an account that is gone.
    await env.DB.batch([
      env.DB.prepare("DELETE FROM refresh_tokens WHERE user_id = ?").bind(user.id),
      env.DB.prepare("DELETE FROM api_keys WHERE user_id = ?").bind(user.id),
      env.DB.prepare("DELETE FROM users WHERE id = ?").bind(user.id),
    ]);
    const res = await me(bearer(key.key));
    expect(res.status).toBe(401);
  });

  it("caps the number of active keys per account", async () => {
    const user = await createUser();
    await env.DB.batch(
      Array.from({ length: 25 }, (_, i) =>
        env.DB.prepare(
          "INSERT INTO api_keys (id, user_id, name, scope, prefix, key_hash) VALUES (?, ?, 'bulk', 'read', 'ec_live_x', ?)",
        ).bind(`${user.id}-${i}`, user.id, `${user.id}-hash-${i}`),
      ),
    );
    const res = await workerFetch(
      "/api/v1/auth/api-keys",
      json({ name: "one too many", scope: "read" }, { method: "POST", headers: user.auth }),
    );
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toBe("api_key_limit");
  });

  it("validates the request", async () => {
    const user = await createUser();
    for (const body of [
      { name: "x", scope: "admin" },
      { name: "", scope: "read" },
      { name: "   ", scope: "read" },
      {},
    ]) {
      const res = await workerFetch("/api/v1/auth/api-keys", json(body, { method: "POST", headers: user.auth }));
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it("audits creation and revocation with actor, target and IP, never the key", async () => {
    const user = await createUser();
    const headers = { ...user.auth, "CF-Connecting-IP": "203.0.113.7" };
    const res = await workerFetch(
      "/api/v1/auth/api-keys",
      json({ name: "ci", scope: "write" }, { method: "POST", headers }),
    );
    const key = (await res.json()) as NewKey;
    await workerFetch(`/api/v1/auth/api-keys/${key.id}`, { method: "DELETE", headers });
    const [created] = await auditOf(user.id, "api_key.created");
    const [revoked] = await auditOf(user.id, "api_key.revoked");
    for (const event of [created, revoked]) {
      expect(event).toMatchObject({
        actor_kind: "user",
        actor_id: user.id,
        target_kind: "api_key",
        target_id: key.id,
        ip: "203.0.113.7",
      });
      expect(JSON.stringify(event)).not.toContain(key.key.slice(8));
      expect(JSON.stringify(event)).not.toContain(user.email);
    }
    expect(JSON.parse(created.detail as string)).toEqual({ name: "ci", scope: "write" });
  });

  it("is documented in the OpenAPI document", async () => {
    const doc = (await (await workerFetch("/api/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths["/api/v1/auth/api-keys"] ?? {}).sort()).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/api/v1/auth/api-keys/{id}"] ?? {})).toEqual(["delete"]);
  });
});

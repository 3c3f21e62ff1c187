/**
 * The audit log: each security-relevant flow writes its event (actor, target, IP, the account whose activity shows
 * it), users read only their own events, admins read everyone's, the cron prunes by age, and no event carries a
 * secret.
 */
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../worker";
import { PRUNE_BATCH, PRUNE_BATCHES_PER_RUN, pruneAuditEvents, retentionDays } from "../worker/services/audit-log";
import { newRouteName } from "./device-sim/route";
import { createUser, json, registeredDevice, STRONG_PASSWORD, type TestUser, workerFetch } from "./helpers";

interface Event {
  id: number;
  at: number;
  action: string;
  actor: { kind: string; id: string | null };
  target: { kind: string; id: string } | null;
  user_id: string | null;
  ip: string | null;
  detail: Record<string, unknown> | null;
}
interface Page {
  events: Event[];
  next_cursor: number | null;
}

const IP = "198.51.100.23";
const withIp = (user: TestUser) => ({ ...user.auth, "CF-Connecting-IP": IP });

async function ownEvents(user: TestUser, query = ""): Promise<Page> {
  const res = await workerFetch(`/api/v1/auth/audit${query}`, { headers: user.auth });
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

async function adminEvents(query: string): Promise<Page> {
  const res = await workerFetch(`/api/v1/admin/audit${query}`, { headers: admin.auth });
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

/** The newest event of `action` in `user`'s own list. */
async function latest(user: TestUser, action: string): Promise<Event> {
  const { events } = await ownEvents(user, "?limit=200");
  const event = events.find((e) => e.action === action);
  expect(event, `${action} in ${user.email}'s activity`).toBeDefined();
  return event!;
}

async function pairedDevice(owner: TestUser) {
  const device = await registeredDevice({ keyKind: "ecdsa" });
  const res = await workerFetch("/v2/pilotpair/", {
    method: "POST",
    headers: withIp(owner),
    body: new URLSearchParams({ pair_token: await device.pairToken() }),
  });
  expect(res.status).toBe(200);
  return device;
}

async function driveOf(device: Awaited<ReturnType<typeof registeredDevice>>) {
  const log = newRouteName();
  await device.uploadFile(`${log}--0/qlog.zst`, new Uint8Array([1, 2, 3]));
  return `${device.dongleId}|${log}`;
}

let admin: TestUser;
beforeAll(async () => {
  admin = await createUser(); // the first account of this file's database is the admin
  expect(admin.role).toBe("admin");
});

describe("events written by each flow", () => {
  it("password change", async () => {
    const user = await createUser();
    const next = "Another-Horse-43-staple";
    const res = await workerFetch(
      "/api/v1/auth/password",
      json({ current_password: STRONG_PASSWORD, new_password: next }, { method: "POST", headers: withIp(user) }),
    );
    expect(res.status).toBe(200);
    const event = await latest(user, "account.password_changed");
    expect(event).toMatchObject({
      actor: { kind: "user", id: user.id },
      target: { kind: "user", id: user.id },
      user_id: user.id,
      ip: IP,
    });
    expect(JSON.stringify(event)).not.toContain(next);
    expect(JSON.stringify(event)).not.toContain(STRONG_PASSWORD);
  });

  it("pairing and unpairing (by the owner, and by an admin: the owner sees both)", async () => {
    const owner = await createUser();
    const device = await pairedDevice(owner);
    expect(await latest(owner, "device.paired")).toMatchObject({
      actor: { kind: "user", id: owner.id },
      target: { kind: "device", id: device.dongleId },
      ip: IP,
      detail: { first_pair: true },
    });
    const unpair = await workerFetch(`/api/v1/devices/${device.dongleId}`, {
      method: "DELETE",
      headers: withIp(owner),
    });
    expect(unpair.status).toBe(200);
    expect(await latest(owner, "device.unpaired")).toMatchObject({
      actor: { kind: "user", id: owner.id },
      target: { kind: "device", id: device.dongleId },
      ip: IP,
    });

    const other = await pairedDevice(owner);
    const byAdmin = await workerFetch(`/v1/devices/${other.dongleId}/unpair`, {
      method: "POST",
      headers: withIp(admin),
    });
    expect(byAdmin.status).toBe(200);
    expect(await latest(owner, "device.unpaired")).toMatchObject({
      actor: { kind: "user", id: admin.id },
      target: { kind: "device", id: other.dongleId },
      user_id: owner.id,
    });
  });

  it("device shares granted and revoked, on both surfaces, naming the account by id only", async () => {
    const [owner, friend] = await Promise.all([createUser(), createUser()]);
    const device = await pairedDevice(owner);
    const dongle = device.dongleId!;
    const grant = await workerFetch(
      `/api/v1/devices/${dongle}/users`,
      json({ email: friend.email, permission: "write" }, { method: "POST", headers: withIp(owner) }),
    );
    expect(grant.status).toBe(200);
    const granted = await latest(owner, "share.granted");
    expect(granted).toMatchObject({
      actor: { kind: "user", id: owner.id },
      target: { kind: "device", id: dongle },
      ip: IP,
      detail: { user_id: friend.id, permission: "write" },
    });
    expect(JSON.stringify(granted)).not.toContain(friend.email);

    const revoke = await workerFetch(
      `/v1/devices/${dongle}/del_user`,
      json({ email: friend.email }, { method: "POST", headers: withIp(owner) }),
    );
    expect(revoke.status).toBe(200);
    expect(await latest(owner, "share.revoked")).toMatchObject({
      target: { kind: "device", id: dongle },
      detail: { user_id: friend.id, permission: "write" },
    });
    // Revoking a share that no longer exists changes nothing and records nothing.
    const before = (await ownEvents(owner)).events.filter((e) => e.action === "share.revoked").length;
    await workerFetch(`/api/v1/devices/${dongle}/users/${encodeURIComponent(friend.email)}`, {
      method: "DELETE",
      headers: owner.auth,
    });
    expect((await ownEvents(owner)).events.filter((e) => e.action === "share.revoked").length).toBe(before);
    // The grantee's own activity is theirs alone: the owner's sharing is not in it.
    expect((await ownEvents(friend)).events.map((e) => e.action)).not.toContain("share.granted");
  });

  it("drive shares granted and revoked, and drive deletion (once)", async () => {
    const [owner, friend] = await Promise.all([createUser(), createUser()]);
    const device = await pairedDevice(owner);
    const route = await driveOf(device);
    const path = `/api/v1/routes/${encodeURIComponent(route)}`;
    expect(
      (await workerFetch(`${path}/users`, json({ email: friend.email }, { method: "POST", headers: withIp(owner) })))
        .status,
    ).toBe(200);
    expect(await latest(owner, "share.granted")).toMatchObject({
      target: { kind: "route", id: route },
      detail: { user_id: friend.id },
      ip: IP,
    });
    expect(
      (
        await workerFetch(`${path}/users/${encodeURIComponent(friend.email)}`, {
          method: "DELETE",
          headers: withIp(owner),
        })
      ).status,
    ).toBe(200);
    expect(await latest(owner, "share.revoked")).toMatchObject({ target: { kind: "route", id: route } });

    expect((await workerFetch(path, { method: "DELETE", headers: withIp(owner) })).status).toBe(200);
    expect((await workerFetch(path, { method: "DELETE", headers: withIp(owner) })).status).toBe(200);
    const deletions = (await ownEvents(owner)).events.filter((e) => e.action === "route.deleted");
    expect(deletions).toHaveLength(1);
    expect(deletions[0]).toMatchObject({ actor: { kind: "user", id: owner.id }, target: { kind: "route", id: route } });
  });

  it("an API key acting is the actor (kind api_key), shown to its owner", async () => {
    const owner = await createUser();
    const device = await pairedDevice(owner);
    const route = await driveOf(device);
    const created = await workerFetch(
      "/api/v1/auth/api-keys",
      json({ name: "cleanup script", scope: "write" }, { method: "POST", headers: owner.auth }),
    );
    const key = (await created.json()) as { id: string; key: string };
    const res = await workerFetch(`/v1/route/${encodeURIComponent(route)}/`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${key.key}`, "CF-Connecting-IP": IP },
    });
    expect(res.status).toBe(200);
    expect(await latest(owner, "route.deleted")).toMatchObject({
      actor: { kind: "api_key", id: key.id },
      user_id: owner.id,
      target: { kind: "route", id: route },
      ip: IP,
    });
  });

  it("adoption decisions and admin actions", async () => {
    const [approved, rejected] = ["a", "b"].map((c) => `${c.repeat(8)}${crypto.randomUUID().slice(0, 8)}`);
    await env.DB.batch(
      [approved, rejected].map((dongle) =>
        env.DB.prepare(
          "INSERT INTO pending_devices (dongle_id, public_key, key_algorithm) VALUES (?, ?, 'ES256')",
        ).bind(dongle, `-----BEGIN PUBLIC KEY-----${dongle}`),
      ),
    );
    const approve = await workerFetch(`/api/v1/admin/pending-devices/${approved}/approve`, {
      method: "POST",
      headers: withIp(admin),
    });
    expect(approve.status).toBe(200);
    const reject = await workerFetch(`/api/v1/admin/pending-devices/${rejected}/reject`, {
      method: "POST",
      headers: withIp(admin),
    });
    expect(reject.status).toBe(200);
    expect(await latest(admin, "device.adopted")).toMatchObject({
      actor: { kind: "user", id: admin.id },
      target: { kind: "device", id: approved },
      ip: IP,
    });
    expect(await latest(admin, "device.adoption_rejected")).toMatchObject({
      target: { kind: "device", id: rejected },
      ip: IP,
    });

    const owner = await createUser();
    const route = await driveOf(await pairedDevice(owner));
    const reprocess = await workerFetch(`/api/v1/admin/routes/${encodeURIComponent(route)}/reprocess`, {
      method: "POST",
      headers: withIp(admin),
    });
    expect(reprocess.status).toBe(202);
    expect(await latest(admin, "admin.action")).toMatchObject({
      actor: { kind: "user", id: admin.id },
      target: { kind: "route", id: route },
      detail: { operation: "route.reprocess" },
      ip: IP,
    });
  });
});

describe("reading the log", () => {
  it("pages through my own events newest first by id cursor, and never shows another account's", async () => {
    const [me, other] = await Promise.all([createUser(), createUser()]);
    await env.DB.batch(
      Array.from({ length: 7 }, (_, i) =>
        env.DB.prepare(
          "INSERT INTO audit_events (action, actor_kind, actor_id, user_id, detail) VALUES ('login.success', 'user', ?1, ?1, ?2)",
        ).bind(i % 2 ? me.id : other.id, JSON.stringify({ n: i })),
      ),
    );
    const seen: Event[] = [];
    let cursor: number | null = null;
    let pages = 0;
    do {
      const page: Page = await ownEvents(me, `?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.events);
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    // Other flows may add events of their own to a new account (e.g. its creation): count only the seeded ones.
    const seeded = (events: Event[]) => events.filter((e) => e.detail?.n !== undefined).map((e) => e.detail?.n);
    expect(seeded(seen)).toEqual([5, 3, 1]);
    const whole = (await ownEvents(me, "?limit=200")).events;
    expect(seen.map((e) => e.id)).toEqual(whole.map((e) => e.id));
    expect(pages).toBe(Math.ceil(whole.length / 2));
    expect(seen.every((e) => e.user_id === me.id)).toBe(true);
    const ids = seen.map((e) => e.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    expect(seeded((await ownEvents(other)).events)).toEqual([6, 4, 2, 0]);
  });

  it("lets admins read everyone's events, filtered by action and account; others get 403", async () => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    await env.DB.batch(
      [alice, bob, alice].map((u, i) =>
        env.DB.prepare(
          "INSERT INTO audit_events (action, actor_kind, actor_id, user_id) VALUES (?, 'user', ?2, ?2)",
        ).bind(i === 2 ? "invite.used" : "login.failure", u.id),
      ),
    );
    const all = await adminEvents("?limit=200");
    const users = new Set(all.events.map((e) => e.user_id));
    expect(users.has(alice.id) && users.has(bob.id)).toBe(true);
    const aliceFailures = await adminEvents(`?action=login.failure&user_id=${alice.id}`);
    expect(aliceFailures.events).toHaveLength(1);
    expect(aliceFailures.events[0]).toMatchObject({ action: "login.failure", user_id: alice.id });
    const failures = await adminEvents("?action=login.failure&limit=200");
    expect(failures.events.every((e) => e.action === "login.failure")).toBe(true);
    expect(failures.events.length).toBeGreaterThanOrEqual(2);

    for (const headers of [alice.auth, {}]) {
      const res = await workerFetch("/api/v1/admin/audit", { headers });
      expect(res.status).toBe(Object.keys(headers).length ? 403 : 401);
    }
    expect((await workerFetch("/api/v1/auth/audit")).status).toBe(401);
  });

  it("is documented in the OpenAPI document", async () => {
    const doc = (await (await workerFetch("/api/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths["/api/v1/auth/audit"] ?? {})).toEqual(["get"]);
    expect(Object.keys(doc.paths["/api/v1/admin/audit"] ?? {})).toEqual(["get"]);
  });

  it("rejects bad paging parameters with 400", async () => {
    const user = await createUser();
    for (const q of ["?limit=0", "?limit=1000", "?cursor=-1", "?limit=abc"]) {
      const res = await workerFetch(`/api/v1/auth/audit${q}`, { headers: user.auth });
      expect(res.status, q).toBe(400);
    }
  });

  it("has no endpoint that changes or deletes events", async () => {
    const event = (await adminEvents("?limit=1")).events[0];
    for (const method of ["PUT", "PATCH", "DELETE", "POST"]) {
      for (const path of ["/api/v1/auth/audit", "/api/v1/admin/audit", `/api/v1/admin/audit/${event.id}`]) {
        const res = await workerFetch(path, { method, headers: admin.auth });
        expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      }
    }
    const row = await env.DB.prepare("SELECT id FROM audit_events WHERE id = ?").bind(event.id).first();
    expect(row).not.toBeNull();
  });
});

describe("retention", () => {
  it("the cron deletes events older than AUDIT_RETENTION_DAYS, and only those", async () => {
    expect(env.AUDIT_RETENTION_DAYS).toBe("365");
    const now = Math.floor(Date.now() / 1000);
    const day = 24 * 3600;
    const marker = crypto.randomUUID();
    await env.DB.batch(
      [now - 400 * day, now - 366 * day, now - 364 * day, now - day].map((at) =>
        env.DB.prepare(
          "INSERT INTO audit_events (at, action, actor_kind, detail) VALUES (?, 'admin.action', 'system', ?)",
        ).bind(at, JSON.stringify({ marker, at })),
      ),
    );
    const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext;
    const pending: Promise<unknown>[] = [];
    ctx.waitUntil = (p: Promise<unknown>) => void pending.push(p);
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/15 * * * *" }), env, ctx);
    await Promise.all(pending);
    const { results } = await env.DB.prepare(
      "SELECT at FROM audit_events WHERE json_extract(detail, '$.marker') = ? ORDER BY at",
    )
      .bind(marker)
      .all<{ at: number }>();
    expect(results.map((r) => r.at)).toEqual([now - 364 * day, now - day]);
  });
});

describe("retention in bounded batches", () => {
  it("deletes at most PRUNE_BATCH × PRUNE_BATCHES_PER_RUN rows per run; the next run carries on", async () => {
    const old = Math.floor(Date.now() / 1000) - 400 * 24 * 3600;
    const bound = PRUNE_BATCH * PRUNE_BATCHES_PER_RUN;
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
       INSERT INTO audit_events (at, action, actor_kind) SELECT ?1, 'admin.action', 'system' FROM n`,
    )
      .bind(old, bound + 500)
      .run();
    const now = Math.floor(Date.now() / 1000);
    expect(await pruneAuditEvents(env, now)).toBe(bound);
    expect(await pruneAuditEvents(env, now)).toBe(500);
    expect(await pruneAuditEvents(env, now)).toBe(0);
  });

  it("reads AUDIT_RETENTION_DAYS as whole days, falling back to a year", () => {
    expect(retentionDays({ AUDIT_RETENTION_DAYS: "30" })).toBe(30);
    for (const bad of ["", "0", "-5", "1.5", "a year"]) expect(retentionDays({ AUDIT_RETENTION_DAYS: bad })).toBe(365);
  });
});

describe("secrets", () => {
  it("no event of this file carries a password, token, key or email", async () => {
    const { results } = await env.DB.prepare("SELECT * FROM audit_events").all<Record<string, unknown>>();
    expect(results.length).toBeGreaterThan(10);
    const text = JSON.stringify(results);
    expect(text).not.toContain(STRONG_PASSWORD);
    expect(text).not.toContain("Another-Horse");
    expect(text).not.toMatch(/@example\.com/);
    expect(text).not.toMatch(/ec_live_[A-Za-z0-9_-]{20,}/);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });
});

/**
 * Invites and the first admin on a closed server. The test D1 runs with open registration (vitest.config.ts), so
 * closed-server requests go through the Worker's own entry with ENABLE_REGISTRATION "false" in its env.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../worker/app";
import { newClaimInvite } from "../scripts/lib/admin-sql";
import { ORIGIN, STRONG_PASSWORD, createUser, json, workerFetch, type TestUser } from "./helpers";

const closedEnv = { ...env, ENABLE_REGISTRATION: "false" };

/** A request to a server whose registration is closed. */
async function closedFetch(path: string, init?: RequestInit): Promise<Response> {
  return app.fetch(new Request(ORIGIN + path, init), closedEnv, createExecutionContext());
}

const uniqueEmail = (tag: string) => `${tag}-${crypto.randomUUID().slice(0, 8)}@example.com`;

function signUp(body: { email: string; invite?: string; password?: string }) {
  return closedFetch("/api/v1/auth/register", json({ password: STRONG_PASSWORD, ...body }, { method: "POST" }));
}

let admin: TestUser;
let user: TestUser;

async function invite(body: Record<string, unknown> = {}, as: TestUser = admin) {
  const res = await workerFetch("/api/v1/admin/invites", json(body, { method: "POST", headers: as.auth }));
  expect(res.status).toBe(201);
  return (await res.json()) as { invite: { id: string; role: string; state: string }; token: string; url: string };
}

async function auditActions(targetId: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT action FROM audit_events WHERE target_id = ? ORDER BY id")
    .bind(targetId)
    .all<{ action: string }>();
  return results.map((r) => r.action);
}

beforeAll(async () => {
  admin = await createUser();
  await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(admin.id).run();
  user = await createUser();
  await env.DB.prepare("UPDATE users SET role = 'user' WHERE id = ?").bind(user.id).run();
});

describe("closed registration", () => {
  it("refuses a sign-up without an invite with 403 registration_closed", async () => {
    const res = await signUp({ email: uniqueEmail("closed") });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "registration_closed" });
  });

  it("creates the account with the invite's role, once; audits it; the list shows it used and no token", async () => {
    const made = await invite({ role: "viewer" });
    expect(made.url).toBe(`${ORIGIN}/signup?invite=${made.token}`);
    expect(made.invite).toMatchObject({ role: "viewer", state: "pending" });

    const check = await closedFetch("/api/v1/auth/invite", json({ invite: made.token }, { method: "POST" }));
    expect(await check.json()).toMatchObject({ role: "viewer", email: null });

    const email = uniqueEmail("invited");
    const res = await signUp({ email, invite: made.token });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { user: { id: string; role: string }; access_token: string };
    expect(body.user.role).toBe("viewer");
    const me = await workerFetch("/api/v1/auth/me", { headers: { Authorization: `JWT ${body.access_token}` } });
    expect(await me.json()).toMatchObject({ email, role: "viewer" });

    expect(await auditActions(made.invite.id)).toEqual(["invite.created", "invite.used"]);
    expect(await auditActions(body.user.id)).toEqual(["account.created"]);

    const again = await signUp({ email: uniqueEmail("reuse"), invite: made.token });
    expect(again.status).toBe(410);
    expect(await again.json()).toMatchObject({ error: "invite_used" });

    const list = await workerFetch("/api/v1/admin/invites", { headers: admin.auth });
    const text = await list.text();
    expect(text).not.toContain(made.token);
    const listed = (JSON.parse(text) as { invites: { id: string; state: string; used_by: string }[] }).invites;
    expect(listed.find((i) => i.id === made.invite.id)).toMatchObject({ state: "used", used_by: body.user.id });
  });

  it("refuses unknown, expired and revoked invites with their own codes", async () => {
    const unknown = await signUp({ email: uniqueEmail("x"), invite: "ab".repeat(32) });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: "invite_invalid" });
    const garbage = await signUp({ email: uniqueEmail("x"), invite: "not-a-token" });
    expect(await garbage.json()).toMatchObject({ error: "invite_invalid" });

    const expired = await invite({ expires_in_hours: 1 });
    await env.DB.prepare("UPDATE invites SET expires_at = unixepoch() - 1 WHERE id = ?").bind(expired.invite.id).run();
    const late = await signUp({ email: uniqueEmail("late"), invite: expired.token });
    expect(late.status).toBe(410);
    expect(await late.json()).toMatchObject({ error: "invite_expired" });

    const revoked = await invite();
    const del = await workerFetch(`/api/v1/admin/invites/${revoked.invite.id}`, {
      method: "DELETE",
      headers: admin.auth,
    });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ state: "revoked" });
    expect(await auditActions(revoked.invite.id)).toEqual(["invite.created", "invite.revoked"]);
    const refused = await signUp({ email: uniqueEmail("rev"), invite: revoked.token });
    expect(refused.status).toBe(410);
    expect(await refused.json()).toMatchObject({ error: "invite_revoked" });
  });

  it("binds an invite to its email (case-insensitively) and leaves it unused when refused", async () => {
    const email = uniqueEmail("bound");
    const made = await invite({ email: email.toUpperCase() });
    const other = await signUp({ email: uniqueEmail("other"), invite: made.token });
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ error: "invite_email_mismatch" });
    const ok = await signUp({ email, invite: made.token });
    expect(ok.status).toBe(201);
  });

  it("leaves the invite unused when the email is already taken", async () => {
    const made = await invite();
    const taken = await signUp({ email: user.email, invite: made.token });
    expect(taken.status).toBe(409);
    const row = await env.DB.prepare("SELECT used_at FROM invites WHERE id = ?")
      .bind(made.invite.id)
      .first<{ used_at: number | null }>();
    expect(row!.used_at).toBeNull();
  });

  it("lets exactly one of several parallel sign-ups use an invite", async () => {
    const made = await invite();
    const emails = Array.from({ length: 6 }, (_, i) => uniqueEmail(`race${i}`));
    const results = await Promise.all(emails.map((email) => signUp({ email, invite: made.token })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 410)).toHaveLength(emails.length - 1);
    for (const r of results) if (r.status !== 201) expect(await r.json()).toMatchObject({ error: "invite_used" });
    const placeholders = emails.map(() => "?").join(",");
    const created = await env.DB.prepare(`SELECT count(*) AS n FROM users WHERE email IN (${placeholders})`)
      .bind(...emails)
      .first<{ n: number }>();
    expect(created!.n).toBe(1);
    const used = await env.DB.prepare("SELECT count(*) AS n FROM audit_events WHERE target_id = ? AND action = ?")
      .bind(made.invite.id, "invite.used")
      .first<{ n: number }>();
    expect(used!.n).toBe(1);
  });

  it("turns a claim link from the command line (newClaimInvite) into an admin account", async () => {
    const claim = newClaimInvite();
    await env.DB.prepare(claim.sql).run();
    expect(claim.path).toBe(`/claim/${claim.token}`);
    const check = await closedFetch("/api/v1/auth/invite", json({ invite: claim.token }, { method: "POST" }));
    expect(await check.json()).toMatchObject({ role: "admin" });
    const res = await signUp({ email: uniqueEmail("owner"), invite: claim.token });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { user: { role: string }; access_token: string };
    expect(body.user.role).toBe("admin");
    // The new admin can invite others at once.
    const list = await workerFetch("/api/v1/admin/invites", {
      headers: { Authorization: `JWT ${body.access_token}` },
    });
    expect(list.status).toBe(200);
    const again = await closedFetch("/api/v1/auth/invite", json({ invite: claim.token }, { method: "POST" }));
    expect(again.status).toBe(410);
  });
});

describe("invite administration", () => {
  it("applies the invite's role on an open server too (no first-account rule for invited accounts)", async () => {
    const made = await invite({ role: "viewer" });
    const res = await workerFetch(
      "/api/v1/auth/register",
      json({ email: uniqueEmail("open"), password: STRONG_PASSWORD, invite: made.token }, { method: "POST" }),
    );
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ user: { role: "viewer" } });
  });

  it("gives admin invites a claim link and validates the expiry", async () => {
    const made = await invite({ role: "admin", expires_in_hours: 1 });
    expect(made.url).toBe(`${ORIGIN}/claim/${made.token}`);
    for (const hours of [0, 24 * 30 + 1]) {
      const res = await workerFetch(
        "/api/v1/admin/invites",
        json({ expires_in_hours: hours }, { method: "POST", headers: admin.auth }),
      );
      expect(res.status).toBe(400);
    }
  });

  it("refuses non-admins (403) and anonymous callers (401)", async () => {
    const made = await invite();
    const calls: [string, RequestInit][] = [
      ["/api/v1/admin/invites", json({}, { method: "POST" })],
      ["/api/v1/admin/invites", {}],
      [`/api/v1/admin/invites/${made.invite.id}`, { method: "DELETE" }],
    ];
    for (const [path, init] of calls) {
      const asUser = await workerFetch(path, { ...init, headers: { ...(init.headers ?? {}), ...user.auth } });
      expect(asUser.status).toBe(403);
      expect(await asUser.json()).toMatchObject({ error: "insufficient_role" });
      const anonymous = await workerFetch(path, init);
      expect(anonymous.status).toBe(401);
    }
    const row = await env.DB.prepare("SELECT revoked_at FROM invites WHERE id = ?")
      .bind(made.invite.id)
      .first<{ revoked_at: number | null }>();
    expect(row!.revoked_at).toBeNull();
  });

  it("cannot revoke a used invite (409) and answers 404 for an unknown one", async () => {
    const made = await invite();
    expect((await signUp({ email: uniqueEmail("u"), invite: made.token })).status).toBe(201);
    const del = await workerFetch(`/api/v1/admin/invites/${made.invite.id}`, {
      method: "DELETE",
      headers: admin.auth,
    });
    expect(del.status).toBe(409);
    const missing = await workerFetch("/api/v1/admin/invites/nope", { method: "DELETE", headers: admin.auth });
    expect(missing.status).toBe(404);
  });

  it("is documented in the OpenAPI document", async () => {
    const doc = (await (await workerFetch("/api/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths["/api/v1/admin/invites"]).sort()).toEqual(["get", "post"]);
    expect(doc.paths["/api/v1/admin/invites/{id}"]).toHaveProperty("delete");
    expect(doc.paths["/api/v1/auth/invite"]).toHaveProperty("post");
    expect(JSON.stringify(doc.paths["/api/v1/auth/register"])).toContain("invite_used");
  });

  it("audits a role change with the old and new role", async () => {
    const target = await createUser();
    const res = await workerFetch(
      `/api/v1/admin/users/${target.id}/role`,
      json({ role: "viewer" }, { method: "PATCH", headers: admin.auth }),
    );
    expect(res.status).toBe(200);
    const row = await env.DB.prepare(
      "SELECT actor_kind, actor_id, detail FROM audit_events WHERE target_id = ? AND action = 'account.role_changed'",
    )
      .bind(target.id)
      .first<{ actor_kind: string; actor_id: string; detail: string }>();
    expect(row).toMatchObject({ actor_kind: "user", actor_id: admin.id });
    expect(JSON.parse(row!.detail)).toEqual({ from: "user", to: "viewer" });
  });
});

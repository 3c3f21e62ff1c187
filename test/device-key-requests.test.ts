/**
 * Deciding key-change requests (docs/security.md → "Device identity"): the owner or an admin lists, approves
 * (the device's key is replaced in the same batch) or rejects them; shares and strangers cannot.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { simAthena, waitFor } from "./athena-helpers";
import { generateDeviceKeys } from "./device-sim/keys";
import { createUser, newDevice, registeredDevice, workerFetch, type TestUser } from "./helpers";

let admin: TestUser;
beforeAll(async () => {
  admin = await createUser();
  expect(admin.role).toBe("admin");
});

interface KeyRequest {
  id: number;
  dongle_id: string;
  state: string;
  serial: string;
  key_algorithm: string;
  key_fingerprint: string;
}

/** A paired device whose /persist was wiped: same serial, new key (ECDSA, so the algorithm changes too). */
async function rekeyedDevice(owner?: TestUser) {
  const device = await registeredDevice();
  if (owner) {
    const res = await workerFetch("/v2/pilotpair/", {
      method: "POST",
      headers: owner.auth,
      body: new URLSearchParams({ pair_token: await device.pairToken() }),
    });
    expect(res.status).toBe(200);
  }
  const rekeyed = await newDevice({ serial: device.serial, keys: await generateDeviceKeys("ecdsa") });
  expect((await rekeyed.register()).dongleId).toBe(device.dongleId);
  return { device, rekeyed, dongle: device.dongleId! };
}

const api = (path: string, user: TestUser, method = "GET") => workerFetch(path, { method, headers: user.auth });

async function requestsOf(dongle: string, user: TestUser): Promise<KeyRequest[]> {
  const res = await api(`/api/v1/devices/${dongle}/key-requests`, user);
  expect(res.status).toBe(200);
  return (await res.json()) as KeyRequest[];
}

describe("key-change requests", () => {
  it("the owner approves: the new key works, the old one stops, other pending requests are rejected", async () => {
    const owner = await createUser();
    const { device, rekeyed, dongle } = await rekeyedDevice(owner);
    const stranger = await newDevice({ serial: device.serial, keys: await generateDeviceKeys("rsa") });
    await stranger.register();
    const list = await requestsOf(dongle, owner);
    expect(list).toHaveLength(2);
    const mine = list.find((r) => r.key_algorithm === "ES256")!;
    expect(mine).toMatchObject({ dongle_id: dongle, state: "pending", serial: device.serial });
    expect(mine.key_fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect((await rekeyed.pollPairing()).status).toBe(401); // refused until approved
    const { sim } = simAthena(device); // the socket held with the old key
    await sim.connect();

    const res = await api(`/api/v1/devices/${dongle}/key-requests/${mine.id}/approve`, owner, "POST");
    expect(res.status).toBe(200);
    await waitFor(() => expect(sim.closes[0]?.code).toBe(4004));
    expect(await res.json()).toMatchObject({ id: mine.id, state: "approved" });
    expect(await rekeyed.pollPairing()).toMatchObject({ status: 200, isPaired: true });
    expect((await device.pollPairing()).status).toBe(401);
    expect((await stranger.pollPairing()).status).toBe(401);
    const row = await env.DB.prepare("SELECT key_algorithm FROM devices WHERE dongle_id = ?").bind(dongle).first();
    expect(row).toEqual({ key_algorithm: "ES256" });
    expect((await requestsOf(dongle, owner)).map((r) => r.state).sort()).toEqual(["approved", "rejected"]);
    // Re-registering with the approved key is now an ordinary registration.
    expect((await rekeyed.register()).dongleId).toBe(dongle);
    const audit = await env.DB.prepare(
      "SELECT action, actor_id FROM audit_events WHERE target_id = ? AND action LIKE 'device.key_change_%' ORDER BY id",
    )
      .bind(dongle)
      .all();
    expect(audit.results).toEqual([
      { action: "device.key_change_requested", actor_id: null },
      { action: "device.key_change_requested", actor_id: null },
      { action: "device.key_change_approved", actor_id: owner.id },
    ]);
    // Decided once: a second decision is a conflict.
    expect((await api(`/api/v1/devices/${dongle}/key-requests/${mine.id}/reject`, owner, "POST")).status).toBe(409);
  });

  it("the owner rejects: the old key keeps working and the rejected key files nothing new", async () => {
    const owner = await createUser();
    const { device, rekeyed, dongle } = await rekeyedDevice(owner);
    const [req] = await requestsOf(dongle, owner);
    const res = await api(`/api/v1/devices/${dongle}/key-requests/${req.id}/reject`, owner, "POST");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ state: "rejected" });
    expect((await device.pollPairing()).status).toBe(200);
    expect((await rekeyed.register()).dongleId).toBe(dongle);
    expect((await requestsOf(dongle, owner)).map((r) => r.state)).toEqual(["rejected"]);
    const audit = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_events WHERE target_id = ? AND action = 'device.key_change_rejected'",
    )
      .bind(dongle)
      .first<{ n: number }>();
    expect(audit!.n).toBe(1);
  });

  it("shares, strangers and other devices cannot see or decide; unknown ids are 404", async () => {
    const owner = await createUser();
    const { dongle, device } = await rekeyedDevice(owner);
    const [reader, writer, stranger] = await Promise.all([createUser(), createUser(), createUser()]);
    await env.DB.prepare(
      "INSERT INTO device_users (dongle_id, user_id, permission) VALUES (?, ?, 'read'), (?, ?, 'write')",
    )
      .bind(dongle, reader.id, dongle, writer.id)
      .run();
    const [req] = await requestsOf(dongle, owner);
    for (const [user, status] of [
      [reader, 403],
      [writer, 403],
      [stranger, 404],
    ] as const) {
      expect((await api(`/api/v1/devices/${dongle}/key-requests`, user)).status).toBe(status);
      expect((await api(`/api/v1/devices/${dongle}/key-requests/${req.id}/approve`, user, "POST")).status).toBe(status);
    }
    const byDevice = await workerFetch(`/api/v1/devices/${dongle}/key-requests/${req.id}/approve`, {
      method: "POST",
      headers: { Authorization: `JWT ${await device.token()}` },
    });
    expect(byDevice.status).toBe(403);
    expect((await api(`/api/v1/devices/${dongle}/key-requests/999999/approve`, owner, "POST")).status).toBe(404);
    expect((await requestsOf(dongle, owner))[0].state).toBe("pending");
  });

  it("admins list and decide requests of unowned devices", async () => {
    const { dongle, rekeyed } = await rekeyedDevice();
    const owned = await rekeyedDevice(await createUser());
    const res = await api("/api/v1/admin/key-requests", admin);
    expect(res.status).toBe(200);
    const list = (await res.json()) as KeyRequest[];
    expect(list.map((r) => r.dongle_id)).toContain(dongle);
    expect(list.map((r) => r.dongle_id)).not.toContain(owned.dongle);
    expect((await api("/api/v1/admin/key-requests", await createUser())).status).toBe(403);
    const id = list.find((r) => r.dongle_id === dongle)!.id;
    expect((await api(`/api/v1/devices/${dongle}/key-requests/${id}/approve`, admin, "POST")).status).toBe(200);
    expect((await rekeyed.pollPairing()).status).toBe(200);
    expect(
      ((await (await api("/api/v1/admin/key-requests", admin)).json()) as KeyRequest[]).map((r) => r.dongle_id),
    ).not.toContain(dongle);
  });

  it("refuses to approve a key another device registered meanwhile", async () => {
    const owner = await createUser();
    const { dongle, rekeyed } = await rekeyedDevice(owner);
    const [req] = await requestsOf(dongle, owner);
    // The same key registers under a serial nobody knows: it becomes a device of its own.
    const twin = await newDevice({ keys: rekeyed.keys });
    expect((await twin.register()).dongleId).not.toBe(dongle);
    const res = await api(`/api/v1/devices/${dongle}/key-requests/${req.id}/approve`, owner, "POST");
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: "key_registered" });
  });

  it("is documented in the OpenAPI document", async () => {
    const doc = (await (await workerFetch("/api/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, { security?: unknown }>>;
    };
    expect(doc.paths["/api/v1/devices/{dongle_id}/key-requests"]?.get?.security).toEqual([{ jwt: [] }]);
    expect(doc.paths["/api/v1/devices/{dongle_id}/key-requests/{id}/approve"]?.post).toBeDefined();
    expect(doc.paths["/api/v1/devices/{dongle_id}/key-requests/{id}/reject"]?.post).toBeDefined();
    expect(doc.paths["/api/v1/admin/key-requests"]?.get).toBeDefined();
  });
});

/**
 * Finding 1 of issue 13: `POST /v2/pilotauth/` with a fresh key and someone else's serial returned that device's
 * dongle id and swapped in the attacker's key. Replayed here as an attacker would: the victim keeps its identity,
 * the attacker's key only files a request that the owner decides, and read shares never see the serial.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_PENDING_KEY_REQUESTS } from "../../worker/services/devices/key-requests";
import { generateDeviceKeys } from "../device-sim/keys";
import { createUser, newDevice, registeredDevice, workerFetch, type TestUser } from "../helpers";

let admin: TestUser;
beforeAll(async () => {
  admin = await createUser();
  expect(admin.role).toBe("admin");
});

async function pairedVictim() {
  const victim = await registeredDevice();
  const owner = await createUser();
  const res = await workerFetch("/v2/pilotpair/", {
    method: "POST",
    headers: owner.auth,
    body: new URLSearchParams({ pair_token: await victim.pairToken() }),
  });
  expect(res.status).toBe(200);
  return { victim, owner };
}

/** The attacker: a fresh key, the victim's serial (read off a sticker, a screenshot or a share). */
async function impostorOf(serial: string, keyKind: "rsa" | "ecdsa" = "rsa") {
  return newDevice({ serial, keys: await generateDeviceKeys(keyKind) });
}

const keyOf = async (dongle: string) =>
  (await env.DB.prepare("SELECT public_key FROM devices WHERE dongle_id = ?")
    .bind(dongle)
    .first<{ public_key: string }>())!.public_key;

describe("device takeover by serial (issue 13, finding 1)", () => {
  it("keeps the victim's key: the victim still authenticates and the attacker's key does not", async () => {
    const { victim } = await pairedVictim();
    const dongle = victim.dongleId!;
    const before = await keyOf(dongle);
    const attacker = await impostorOf(victim.serial);
    const answer = await attacker.register();
    // Never the permanent "unregistered" answer, and always a dongle id, so a real re-keyed device never hangs its boot.
    expect([402, 403]).not.toContain(answer.status);
    expect(answer.status).toBe(200);
    expect(answer.dongleId).toBe(dongle);
    expect(await keyOf(dongle)).toBe(before);
    expect((await victim.pollPairing()).status).toBe(200);
    expect((await attacker.pollPairing()).status).toBe(401);
    const upgrade = await workerFetch(`/ws/v2/${dongle}`, {
      headers: { Upgrade: "websocket", Cookie: `jwt=${await attacker.token()}` },
    });
    expect(upgrade.status).toBe(401);
    const upload = await attacker.uploadFile("0000001a--c20ba54385--0/qlog.zst", new Uint8Array([1, 2, 3]));
    expect(upload.status).toBe(401);
  });

  it("cannot pair an unpaired device to the attacker", async () => {
    const victim = await registeredDevice();
    const attacker = await impostorOf(victim.serial);
    await attacker.register();
    const thief = await createUser();
    const res = await workerFetch("/v2/pilotpair/", {
      method: "POST",
      headers: thief.auth,
      body: new URLSearchParams({ pair_token: await attacker.pairToken() }),
    });
    expect(res.status).toBe(401);
    const row = await env.DB.prepare("SELECT owner_id FROM devices WHERE dongle_id = ?")
      .bind(victim.dongleId)
      .first<{ owner_id: string | null }>();
    expect(row!.owner_id).toBeNull();
  });

  it("files one pending key request (refreshed on repeat) and writes an audit event", async () => {
    const { victim, owner } = await pairedVictim();
    const attacker = await impostorOf(victim.serial);
    await attacker.register();
    const first = await env.DB.prepare(
      "SELECT id, state, serial, key_algorithm, last_seen FROM device_key_requests WHERE dongle_id = ?",
    )
      .bind(victim.dongleId)
      .all<{ id: number; state: string; serial: string; key_algorithm: string; last_seen: number }>();
    expect(first.results).toHaveLength(1);
    expect(first.results[0]).toMatchObject({ state: "pending", serial: victim.serial, key_algorithm: "RS256" });
    await env.DB.prepare("UPDATE device_key_requests SET last_seen = 1 WHERE id = ?").bind(first.results[0].id).run();
    expect((await attacker.register()).dongleId).toBe(victim.dongleId);
    const again = await env.DB.prepare("SELECT id, last_seen FROM device_key_requests WHERE dongle_id = ?")
      .bind(victim.dongleId)
      .all<{ id: number; last_seen: number }>();
    expect(again.results).toHaveLength(1);
    expect(again.results[0].last_seen).toBeGreaterThan(1);
    const audit = await env.DB.prepare(
      "SELECT actor_kind, user_id, detail FROM audit_events WHERE action = 'device.key_change_requested' AND target_id = ?",
    )
      .bind(victim.dongleId)
      .all<{ actor_kind: string; user_id: string; detail: string }>();
    expect(audit.results).toHaveLength(1);
    expect(audit.results[0]).toMatchObject({ actor_kind: "anonymous", user_id: owner.id });
  });

  it("answers a rejected key the same way every time without filing new requests", async () => {
    const { victim } = await pairedVictim();
    const attacker = await impostorOf(victim.serial);
    await attacker.register();
    await env.DB.prepare("UPDATE device_key_requests SET state = 'rejected' WHERE dongle_id = ?")
      .bind(victim.dongleId)
      .run();
    for (let i = 0; i < 3; i++) {
      const answer = await attacker.register();
      expect(answer.status).toBe(200);
      expect(answer.dongleId).toBe(victim.dongleId);
    }
    const rows = await env.DB.prepare("SELECT state FROM device_key_requests WHERE dongle_id = ?")
      .bind(victim.dongleId)
      .all<{ state: string }>();
    expect(rows.results).toEqual([{ state: "rejected" }]);
    expect((await attacker.pollPairing()).status).toBe(401);
  });

  it("caps how many pending requests fresh keys can pile up on one device", async () => {
    const victim = await registeredDevice();
    for (let i = 0; i < MAX_PENDING_KEY_REQUESTS + 3; i++) {
      const answer = await (await impostorOf(victim.serial, "ecdsa")).register();
      expect(answer.dongleId).toBe(victim.dongleId);
    }
    const row = await env.DB.prepare("SELECT count(*) AS n FROM device_key_requests WHERE dongle_id = ?")
      .bind(victim.dongleId)
      .first<{ n: number }>();
    expect(row!.n).toBe(MAX_PENDING_KEY_REQUESTS);
    expect((await victim.pollPairing()).status).toBe(200);
  });

  it("hides the serial from read and write shares, and shows it to the owner and admins", async () => {
    const { victim, owner } = await pairedVictim();
    const dongle = victim.dongleId!;
    const [reader, writer] = await Promise.all([createUser(), createUser()]);
    await env.DB.prepare(
      "INSERT INTO device_users (dongle_id, user_id, permission) VALUES (?, ?, 'read'), (?, ?, 'write')",
    )
      .bind(dongle, reader.id, dongle, writer.id)
      .run();
    const serialsSeen = async (user: TestUser) => {
      const one = async (path: string) => {
        const res = await workerFetch(path, { headers: user.auth });
        expect(res.status, path).toBe(200);
        const body = (await res.json()) as
          | { dongle_id: string; serial: string }
          | { dongle_id: string; serial: string }[];
        const list = Array.isArray(body) ? body : [body];
        return list.find((d) => d.dongle_id === dongle)?.serial;
      };
      return [
        await one(`/v1.1/devices/${dongle}/`),
        await one(`/api/v1/devices/${dongle}`),
        ...(user === admin ? [] : [await one("/v1/me/devices/"), await one("/api/v1/devices")]),
      ];
    };
    for (const user of [reader, writer]) expect(await serialsSeen(user)).toEqual(["", "", "", ""]);
    expect(await serialsSeen(owner)).toEqual(Array(4).fill(victim.serial));
    expect(await serialsSeen(admin)).toEqual([victim.serial, victim.serial]);
    const patched = await workerFetch(`/v1/devices/${dongle}/`, {
      method: "PATCH",
      headers: { ...writer.auth, "Content-Type": "application/json" },
      body: JSON.stringify({ alias: "shared car" }),
    });
    expect(((await patched.json()) as { serial: string }).serial).toBe("");
  });

  it("still answers 403 (permanently unregistered) only for a device an admin blocked", async () => {
    const victim = await registeredDevice();
    await env.DB.prepare("UPDATE devices SET blocked = 1 WHERE dongle_id = ?").bind(victim.dongleId).run();
    const attacker = await impostorOf(victim.serial);
    expect((await attacker.register()).status).toBe(403);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM device_key_requests WHERE dongle_id = ?")
      .bind(victim.dongleId)
      .first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });
});

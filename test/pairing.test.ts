import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { generateDeviceKeys } from "./device-sim/keys";
import { deviceToken } from "./device-sim/tokens";
import { createUser, registeredDevice, workerFetch } from "./helpers";

const pair = (auth: Record<string, string>, body: BodyInit, contentType?: string) =>
  workerFetch("/v2/pilotpair/", {
    method: "POST",
    headers: { ...auth, ...(contentType ? { "Content-Type": contentType } : {}) },
    body,
  });

describe("POST /v2/pilotpair/", () => {
  it("pairs with a urlencoded pair_token and the device sees is_paired on its next poll", async () => {
    const device = await registeredDevice();
    const user = await createUser();
    expect((await device.pollPairing()).isPaired).toBe(false);
    const res = await pair(user.auth, new URLSearchParams({ pair_token: await device.pairToken() }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ dongle_id: device.dongleId, first_pair: true });
    expect(await device.pollPairing()).toEqual({ status: 200, isPaired: true, primeType: 0 });
    // Pairing again by the same owner is fine and no longer the first pairing.
    const again = await pair(user.auth, new URLSearchParams({ pair_token: await device.pairToken() }));
    expect(await again.json()).toEqual({ dongle_id: device.dongleId, first_pair: false });
  });

  it("accepts multipart FormData (new-connect), JSON, the QR URL and Bearer auth", async () => {
    const user = await createUser();
    const a = await registeredDevice();
    const form = new FormData();
    form.set("pair_token", await a.pairToken());
    expect((await pair(user.auth, form)).status).toBe(200);
    const b = await registeredDevice({ keyKind: "ecdsa" });
    const jsonRes = await pair(
      { Authorization: `Bearer ${user.accessToken}` },
      JSON.stringify({ pair_token: await b.pairUrl() }),
      "application/json",
    );
    expect(jsonRes.status).toBe(200);
    expect(((await jsonRes.json()) as { dongle_id: string }).dongle_id).toBe(b.dongleId);
  });

  it("400 without a token, 401 for undecodable or forged tokens", async () => {
    const user = await createUser();
    const device = await registeredDevice();
    expect((await pair(user.auth, new URLSearchParams({}))).status).toBe(400);
    const garbage = await pair(user.auth, new URLSearchParams({ pair_token: "not-a-jwt" }));
    expect(garbage.status).toBe(401);
    const forged = await deviceToken(await generateDeviceKeys("rsa"), device.dongleId!, { extra: { pair: true } });
    expect((await pair(user.auth, new URLSearchParams({ pair_token: forged }))).status).toBe(401);
    const expired = await deviceToken(device.keys, device.dongleId!, { expiresIn: -3600, extra: { pair: true } });
    expect((await pair(user.auth, new URLSearchParams({ pair_token: expired }))).status).toBe(401);
  });

  it("404 for an unknown device, 417 when pair is not true", async () => {
    const user = await createUser();
    const device = await registeredDevice();
    const unknown = await deviceToken(device.keys, "0123456789abcdef", { extra: { pair: true } });
    expect((await pair(user.auth, new URLSearchParams({ pair_token: unknown }))).status).toBe(404);
    const notPair = await device.token();
    const res = await pair(user.auth, new URLSearchParams({ pair_token: notPair }));
    expect(res.status).toBe(417);
    expect(await res.json()).toMatchObject({ error: "not_a_pair_token" });
    const pairFalse = await new SignJWT({ identity: device.dongleId, pair: false })
      .setProtectedHeader({ alg: "RS256", typ: "JWT" })
      .setExpirationTime("1h")
      .sign(device.keys.privateKey);
    expect((await pair(user.auth, new URLSearchParams({ pair_token: pairFalse }))).status).toBe(417);
  });

  it("403 when the device is paired with a different owner", async () => {
    const device = await registeredDevice();
    const owner = await createUser();
    const other = await createUser();
    await pair(owner.auth, new URLSearchParams({ pair_token: await device.pairToken() }));
    const res = await pair(other.auth, new URLSearchParams({ pair_token: await device.pairToken() }));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "paired_to_other_owner" });
  });

  it("requires a signed-in user: anonymous 401, a device token 403", async () => {
    const device = await registeredDevice();
    expect((await pair({}, new URLSearchParams({ pair_token: await device.pairToken() }))).status).toBe(401);
    expect(
      (
        await pair(
          { Authorization: `JWT ${await device.token()}` },
          new URLSearchParams({ pair_token: await device.pairToken() }),
        )
      ).status,
    ).toBe(403);
  });
});

describe("POST /v1/devices/:dongle/unpair", () => {
  it("lets the owner unpair; the device sees it; others cannot", async () => {
    const device = await registeredDevice();
    const owner = await createUser();
    const stranger = await createUser();
    await pair(owner.auth, new URLSearchParams({ pair_token: await device.pairToken() }));
    expect(
      (await workerFetch(`/v1/devices/${device.dongleId}/unpair`, { method: "POST", headers: stranger.auth })).status,
    ).toBe(404);
    const res = await workerFetch(`/v1/devices/${device.dongleId}/unpair`, { method: "POST", headers: owner.auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: 1 });
    expect((await device.pollPairing()).isPaired).toBe(false);
    const row = await env.DB.prepare("SELECT owner_id FROM devices WHERE dongle_id = ?").bind(device.dongleId).first();
    expect(row).toEqual({ owner_id: null });
    // Now someone else may pair it.
    expect((await pair(stranger.auth, new URLSearchParams({ pair_token: await device.pairToken() }))).status).toBe(200);
  });
});

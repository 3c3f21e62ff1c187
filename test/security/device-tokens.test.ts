/**
 * Finding 3 of issue 13: a device JWT without `exp`, or with `exp` in 2200, was accepted, and pair tokens (shown as
 * a QR code on the device screen) worked as full device credentials, the athena socket included. Replayed here:
 * every device token needs `exp` and at most 24 h of life, pair tokens pair and do nothing else, and device tokens
 * are refused outside the endpoints devices call.
 */
import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import type { DeviceKeys } from "../device-sim/keys";
import { registerToken } from "../device-sim/tokens";
import { simAthena, waitFor } from "../athena-helpers";
import { createUser, newDevice, registeredDevice, workerFetch } from "../helpers";

beforeAll(async () => {
  expect((await createUser()).role).toBe("admin");
});

const nowS = () => Math.floor(Date.now() / 1000);
const HOUR = 3600;

/** A device-signed JWT with exactly these claims (no defaults: the attacker chooses). */
const signed = (keys: DeviceKeys, claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: keys.algorithm, typ: "JWT" }).sign(keys.privateKey);

const poll = (dongle: string, token: string) =>
  workerFetch(`/v1.1/devices/${dongle}`, { headers: { Authorization: `JWT ${token}` } });
const socket = (dongle: string, token: string) =>
  workerFetch(`/ws/v2/${dongle}`, { headers: { Upgrade: "websocket", Cookie: `jwt=${token}` } });

async function expectRefused(res: Response, status: number, error: string) {
  expect(res.status).toBe(status);
  expect(await res.json()).toMatchObject({ error });
}

describe("device token lifetime (issue 13, finding 3)", () => {
  it("refuses a token without exp, on HTTP and on the athena socket", async () => {
    const device = await registeredDevice();
    const d = device.dongleId!;
    const token = await signed(device.keys, { identity: d, iat: nowS(), nbf: nowS() });
    await expectRefused(await poll(d, token), 401, "invalid_device_token");
    await expectRefused(await socket(d, token), 401, "invalid_device_token");
  });

  it("refuses exp in 2200 and any lifetime over 24 h, with or without iat", async () => {
    const device = await registeredDevice();
    const d = device.dongleId!;
    const t = nowS();
    const year2200 = Date.UTC(2200, 0, 1) / 1000;
    for (const claims of [
      { identity: d, iat: t, nbf: t, exp: year2200 },
      { identity: d, iat: t, nbf: t, exp: t + 25 * HOUR },
      { identity: d, exp: t + 25 * HOUR },
      // A future iat cannot make a long-lived token look short.
      { identity: d, iat: year2200 - HOUR, exp: year2200 },
      // Nor can an old iat hide an exp far ahead (exp − now counts too).
      { identity: d, iat: t - 23 * HOUR, exp: t + 25 * HOUR },
    ]) {
      const token = await signed(device.keys, claims);
      await expectRefused(await poll(d, token), 401, "invalid_device_token");
      await expectRefused(await socket(d, token), 401, "invalid_device_token");
    }
  });

  it("accepts what openpilot mints (1 h, 2 h) and up to 24 h plus the clock leeway", async () => {
    const device = await registeredDevice({ keyKind: "ecdsa" });
    const d = device.dongleId!;
    const t = nowS();
    for (const claims of [
      { identity: d, iat: t, nbf: t, exp: t + HOUR },
      { identity: d, iat: t, nbf: t, exp: t + 2 * HOUR },
      { identity: d, iat: t, nbf: t, exp: t + 24 * HOUR + 240 },
      { identity: d, exp: t + 2 * HOUR },
    ]) {
      expect((await poll(d, await signed(device.keys, claims))).status).toBe(200);
    }
  });

  it("refuses a register token that lives over 24 h (400, never 402/403)", async () => {
    const device = await newDevice();
    const res = await device.register({ token: await registerToken(device.keys, { expiresIn: 48 * HOUR }) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: "invalid_register_token" });
    expect((await device.register()).status).toBe(200);
  });
});

describe("pair tokens pair and do nothing else (issue 13, finding 3)", () => {
  it("refuses a pair token on the device endpoints and the athena socket", async () => {
    const device = await registeredDevice();
    const d = device.dongleId!;
    const pair = await device.pairToken();
    await expectRefused(await poll(d, pair), 401, "invalid_device_token");
    await expectRefused(
      await workerFetch(`/v1.4/${d}/upload_url/?path=${encodeURIComponent("0000001a--c20ba54385--0/qlog.zst")}`, {
        headers: { Authorization: `JWT ${pair}` },
      }),
      401,
      "invalid_device_token",
    );
    await expectRefused(await socket(d, pair), 401, "invalid_device_token");
  });

  it("refuses a pair token for adoption of an unknown dongle (comma-issued dongle ids)", async () => {
    const dongle = "00ff00ff00ff00ff";
    const device = await newDevice({ dongleId: dongle });
    const noExp = await signed(device.keys, { identity: dongle, iat: nowS(), nbf: nowS() });
    await expectRefused(await socket(dongle, noExp), 401, "invalid_device_token");
    // A device that answers getPublicKey honestly, but connects with its pair token (a photo of its screen).
    const { sim } = simAthena(device, { token: () => device.pairToken() });
    await sim.connect();
    await waitFor(() => expect(sim.connected).toBe(false));
    const pending = await env.DB.prepare("SELECT count(*) AS n FROM pending_devices WHERE dongle_id = ?")
      .bind(dongle)
      .first<{ n: number }>();
    expect(pending!.n).toBe(0);
  });

  it("still pairs with it", async () => {
    const device = await registeredDevice();
    const owner = await createUser();
    const res = await workerFetch("/v2/pilotpair/", {
      method: "POST",
      headers: owner.auth,
      body: new URLSearchParams({ pair_token: await device.pairToken() }),
    });
    expect(res.status).toBe(200);
  });
});

describe("device tokens only on device endpoints (issue 13)", () => {
  it("serves every endpoint a device calls", async () => {
    const device = await registeredDevice({ version: "0.9.7" });
    const d = device.dongleId!;
    for (const path of [`v1.1/devices/${d}`, `v1.1/devices/${d}/`, `v1/devices/${d}/firehose_stats`]) {
      expect((await device.apiGet(path)).status, path).toBe(200);
    }
    expect((await device.apiGet(`v1/navigation/${d}/locations`)).status).toBe(200);
    expect((await device.apiGet(`v1/navigation/${d}/next`)).status).toBe(200);
    expect((await device.apiGet(`v1/navigation/${d}/next`, {}, { method: "DELETE" })).status).toBe(200);
    expect((await device.uploadFile("0000001a--c20ba54385--0/qlog.zst", new Uint8Array([1, 2]))).outcome).toBe(
      "uploaded",
    );
    const ws = await socket(d, await device.token());
    expect(ws.status).toBe(101);
    ws.webSocket!.accept();
    ws.webSocket!.close(1000);
  });

  it("refuses its own token on the owner's endpoints (403 device_token_not_allowed)", async () => {
    const device = await registeredDevice();
    const d = device.dongleId!;
    const auth = { Authorization: `JWT ${await device.token()}` };
    const json = (method: string, body: unknown): RequestInit => ({
      method,
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    for (const [path, init] of [
      [`/v1/devices/${d}/`, json("PATCH", { alias: "pwned" })],
      [`/v1/devices/${d}/routes_segments?start=0&end=${Date.now()}`, { headers: auth }],
      [`/v1/devices/${d}/routes`, { headers: auth }],
      [`/v1/devices/${d}/users`, { headers: auth }],
      [`/v1.1/devices/${d}/stats`, { headers: auth }],
      [`/v1/devices/${d}/athena_offline_queue`, { headers: auth }],
      [`/api/v1/devices/${d}/athena`, { headers: auth }],
      [`/v1/${d}/upload_urls/`, json("POST", { paths: ["0000001a--c20ba54385--0/rlog.zst"] })],
      [`/${d}`, json("POST", { jsonrpc: "2.0", method: "getVersion", id: 0 })],
      [`/api/v1/devices/${d}/key-requests`, { headers: auth }],
    ] as const) {
      const res = await workerFetch(path, init);
      expect(res.status, path).toBe(403);
      expect(((await res.json()) as { error: string }).error, path).toBe("device_token_not_allowed");
    }
    const row = await env.DB.prepare("SELECT alias FROM devices WHERE dongle_id = ?").bind(d).first();
    expect(row).toEqual({ alias: null });
  });
});

import { describe, expect, it } from "vitest";
import { generateDeviceKeys } from "./device-sim/keys";
import { deviceToken } from "./device-sim/tokens";
import { registeredDevice, workerFetch } from "./helpers";

const poll = (dongle: string, token: string, path = `/v1.1/devices/${dongle}`) =>
  workerFetch(path, { headers: { Authorization: `JWT ${token}`, "User-Agent": "openpilot-0.10.3" } });

describe("device JWT authentication", () => {
  it.each(["rsa", "ecdsa"] as const)(
    "accepts a %s device token (reusable, no jti) on the device poll",
    async (keyKind) => {
      const device = await registeredDevice({ keyKind });
      const token = await device.token();
      for (let i = 0; i < 2; i++) {
        const res = await poll(device.dongleId!, token);
        expect(res.status).toBe(200);
        const body = (await res.json()) as Record<string, unknown>;
        expect(body.is_paired).toBe(false);
        expect(body.prime_type).toBe(0);
        expect(body.dongle_id).toBe(device.dongleId);
      }
    },
  );

  it("accepts both trailing-slash forms (Qt polls with a slash, raylib without)", async () => {
    const device = await registeredDevice();
    const token = await device.token();
    expect((await poll(device.dongleId!, token, `/v1.1/devices/${device.dongleId}/`)).status).toBe(200);
    expect((await poll(device.dongleId!, token, `//v1.1/devices/${device.dongleId}`)).status).toBe(200);
  });

  it("rejects a token signed by another key", async () => {
    const device = await registeredDevice();
    const stranger = await generateDeviceKeys("rsa");
    const res = await poll(device.dongleId!, await deviceToken(stranger, device.dongleId!));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "invalid_device_token" });
  });

  it("rejects a token of another dongle for this dongle's path", async () => {
    const a = await registeredDevice();
    const b = await registeredDevice();
    const res = await poll(a.dongleId!, await b.token());
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "identity_mismatch" });
  });

  it("rejects an expired token but tolerates 5 minutes of clock skew either way", async () => {
    const device = await registeredDevice();
    const d = device.dongleId!;
    expect((await poll(d, await device.token({ expiresIn: -600 }))).status).toBe(401);
    expect((await poll(d, await device.token({ skew: 240 }))).status).toBe(200); // clock ahead: nbf in the future
    expect((await poll(d, await device.token({ skew: -3600 - 240 }))).status).toBe(200); // clock behind: exp just past
    expect((await poll(d, await device.token({ skew: 900 }))).status).toBe(401);
  });

  it("requires exp and at most 24 h of life (plus the leeway); openpilot's 1 h and 2 h tokens pass", async () => {
    const device = await registeredDevice();
    const d = device.dongleId!;
    expect((await poll(d, await device.token({ expiresIn: 2 * 3600 }))).status).toBe(200);
    expect((await poll(d, await device.token({ expiresIn: 24 * 3600 + 200 }))).status).toBe(200);
    const tooLong = await poll(d, await device.token({ expiresIn: 24 * 3600 + 600 }));
    expect(tooLong.status).toBe(401);
    expect(await tooLong.json()).toMatchObject({
      error: "invalid_device_token",
      message: expect.stringMatching(/24 hours/),
    });
    const { SignJWT } = await import("jose");
    const noExp = await new SignJWT({ identity: d, iat: Math.floor(Date.now() / 1000) })
      .setProtectedHeader({ alg: "RS256", typ: "JWT" })
      .sign(device.keys.privateKey);
    expect((await poll(d, noExp)).status).toBe(401);
  });

  it("refuses the pair token (the QR) as a credential", async () => {
    const device = await registeredDevice();
    const res = await poll(device.dongleId!, await device.pairToken());
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      error: "invalid_device_token",
      message: expect.stringMatching(/pilotpair/),
    });
  });

  it("refuses device tokens outside the endpoints devices call", async () => {
    const device = await registeredDevice();
    const res = await device.apiGet(`v1/devices/${device.dongleId}/routes`);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "device_token_not_allowed" });
  });

  it("rejects a token whose algorithm does not match the registered key", async () => {
    const device = await registeredDevice({ keyKind: "rsa" });
    const ec = await generateDeviceKeys("ecdsa");
    const res = await poll(device.dongleId!, await deviceToken(ec, device.dongleId!));
    expect(res.status).toBe(401);
  });

  it("asks for auth when there is none, and treats 'JWT null' as anonymous", async () => {
    const device = await registeredDevice();
    expect((await workerFetch(`/v1.1/devices/${device.dongleId}`)).status).toBe(401);
    expect(
      (await workerFetch(`/v1.1/devices/${device.dongleId}`, { headers: { Authorization: "JWT null" } })).status,
    ).toBe(401);
  });

  it("serves the other endpoints devices poll", async () => {
    const device = await registeredDevice({ version: "0.9.7" });
    const d = device.dongleId!;
    const fire = await device.apiGet(`v1/devices/${d}/firehose_stats`);
    expect(await fire.json()).toEqual({ firehose: 0 });
    expect(await (await device.apiGet(`v1/navigation/${d}/locations`)).json()).toEqual([]);
    const next = await device.apiGet(`v1/navigation/${d}/next`);
    expect(next.status).toBe(200);
    expect(await next.text()).toBe("null");
    expect((await device.apiGet(`v1/navigation/${d}/next`, {}, { method: "DELETE" })).status).toBe(200);
  });

  it("records the openpilot version from the User-Agent", async () => {
    const device = await registeredDevice({ version: "0.9.5" });
    const res = await poll(device.dongleId!, await device.token());
    expect(((await res.json()) as { openpilot_version: string }).openpilot_version).toBe("0.9.5");
  });
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { generateDeviceKeys } from "./device-sim/keys";
import { registerToken } from "./device-sim/tokens";
import { newDevice, workerFetch } from "./helpers";

describe("POST /v2/pilotauth/ (device registration)", () => {
  it.each([
    ["rsa", "spki"],
    ["rsa", "pkcs1"],
    ["ecdsa", "spki"],
  ] as const)("registers a %s key in %s PEM with query parameters on an empty POST", async (keyKind, pemFlavour) => {
    const device = await newDevice({ keyKind, pemFlavour });
    const { status, dongleId, body } = await device.register();
    expect(status).toBe(200);
    expect(dongleId).toMatch(/^[0-9a-f]{16}$/);
    expect(body).toEqual({ dongle_id: dongleId });
    const row = await env.DB.prepare(
      "SELECT key_algorithm, serial, imei, openpilot_version FROM devices WHERE dongle_id = ?",
    )
      .bind(dongleId)
      .first();
    expect(row).toEqual({
      key_algorithm: keyKind === "rsa" ? "RS256" : "ES256",
      serial: device.serial,
      imei: device.imei,
      openpilot_version: "0.10.3",
    });
  });

  it("returns the same dongle id when the same key registers again", async () => {
    const device = await newDevice();
    const first = await device.register();
    const again = await device.register();
    expect(again.status).toBe(200);
    expect(again.dongleId).toBe(first.dongleId);
  });

  it("returns the same dongle id when the same serial comes back with a new key, without switching keys", async () => {
    const device = await newDevice();
    const first = await device.register();
    const rekeyed = await newDevice({ serial: device.serial, keys: await generateDeviceKeys("ecdsa") });
    const again = await rekeyed.register();
    // The boot goes on (a dongle id, never 402/403); the new key waits for the owner's approval
    // (test/device-key-requests.test.ts), and the registered key keeps authenticating the device.
    expect(again.status).toBe(200);
    expect(again.dongleId).toBe(first.dongleId);
    expect((await rekeyed.pollPairing()).status).toBe(401);
    expect((await device.pollPairing()).status).toBe(200);
  });

  it("accepts a double slash from an API_HOST with a trailing slash", async () => {
    const device = await newDevice({ api: "https://edge.test/" });
    expect(device.url("v2/pilotauth/")).toContain("//v2/pilotauth/");
    const { status, dongleId } = await device.register();
    expect(status).toBe(200);
    expect(dongleId).toMatch(/^[0-9a-f]{16}$/);
  });

  it("accepts form and JSON bodies too", async () => {
    const device = await newDevice();
    const fields = {
      serial: device.serial,
      public_key: device.keys.publicKeyPem,
      register_token: await registerToken(device.keys),
      imei: "",
      imei2: "",
    };
    const form = await workerFetch("/v2/pilotauth/", {
      method: "POST",
      body: new URLSearchParams(fields),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    const viaJson = await workerFetch("/v2/pilotauth", {
      method: "POST",
      body: JSON.stringify(fields),
      headers: { "Content-Type": "application/json" },
    });
    expect(form.status).toBe(200);
    expect(viaJson.status).toBe(200);
    expect(((await form.json()) as { dongle_id: string }).dongle_id).toBe(
      ((await viaJson.json()) as { dongle_id: string }).dongle_id,
    );
  });

  it("rejects a register token signed by another key with 400, never 402/403", async () => {
    const device = await newDevice();
    const other = await generateDeviceKeys("rsa");
    const { status, body } = await device.register({ token: await registerToken(other) });
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: "invalid_register_token" });
  });

  it("rejects an expired register token with 400", async () => {
    const device = await newDevice();
    const { status, body } = await device.register({ token: await registerToken(device.keys, { expiresIn: -3600 }) });
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: "invalid_register_token" });
  });

  it("rejects a token without register: true and garbage keys with 400", async () => {
    const device = await newDevice();
    const { SignJWT } = await import("jose");
    const noClaim = await new SignJWT({ exp: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: "RS256", typ: "JWT" })
      .sign(device.keys.privateKey);
    expect((await device.register({ token: noClaim })).status).toBe(400);
    const res = await workerFetch(`/v2/pilotauth/?public_key=nonsense&register_token=x&serial=s`, { method: "POST" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_public_key" });
  });

  it("answers 403 only for a device an admin blocked", async () => {
    const device = await newDevice();
    const { dongleId } = await device.register();
    await env.DB.prepare("UPDATE devices SET blocked = 1 WHERE dongle_id = ?").bind(dongleId).run();
    const blocked = await device.register();
    expect(blocked.status).toBe(403);
    expect(blocked.dongleId).toBe("UnregisteredDevice");
  });
});

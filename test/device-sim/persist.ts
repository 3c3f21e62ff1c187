/** Keeps a simulated device's identity (private key + dongle id) in a JSON file between runs, like /persist. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SimDevice, type SimDeviceOptions } from "./device";
import type { DeviceKeys, KeyKind } from "./keys";

interface SavedDevice {
  kind: KeyKind;
  privateJwk: JsonWebKey;
  publicKeyPem: string;
  dongleId: string | null;
  serial: string;
}

async function importSaved(saved: SavedDevice): Promise<DeviceKeys> {
  const params =
    saved.kind === "rsa" ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } : { name: "ECDSA", namedCurve: "P-256" };
  const privateKey = await crypto.subtle.importKey("jwk", saved.privateJwk, params, true, ["sign"]);
  return {
    kind: saved.kind,
    algorithm: saved.kind === "rsa" ? "RS256" : "ES256",
    privateKey,
    publicKeyPem: saved.publicKeyPem,
  };
}

/** Loads the device from `file` (or makes a new one) and registers it; saves what registration returned. */
export async function loadOrCreateSimDevice(file: string, opts: SimDeviceOptions): Promise<SimDevice> {
  let device: SimDevice;
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, "utf8")) as SavedDevice;
    device = await SimDevice.create({
      ...opts,
      keys: await importSaved(saved),
      serial: saved.serial,
      dongleId: saved.dongleId ?? undefined,
    });
  } else {
    device = await SimDevice.create(opts);
  }
  const reg = await device.register();
  if (!reg.dongleId || reg.dongleId === "UnregisteredDevice")
    throw new Error(`registration failed: ${reg.status} ${JSON.stringify(reg.body)}`);
  const saved: SavedDevice = {
    kind: device.keys.kind,
    privateJwk: (await crypto.subtle.exportKey("jwk", device.keys.privateKey)) as JsonWebKey,
    publicKeyPem: device.keys.publicKeyPem,
    dongleId: device.dongleId,
    serial: device.serial,
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(saved, null, 2));
  return device;
}

/**
 * Device registration (`POST /v2/pilotauth/`). The device blocks its boot until it gets a `dongle_id`
 * and treats 402/403 as a permanent "unregistered" state, so: a valid request always gets its id, a known key
 * or serial always gets the same id back, and 403 is reserved for devices an admin blocked on purpose.
 *
 * Only the key is the device's identity. A known serial with a different key keeps the device's key and files a
 * key-change request for its owner (services/devices/key-requests.ts); the caller still gets the dongle id, so a device
 * that really regenerated its key boots normally and is refused (401) until the owner approves, then just works.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { devices } from "../../db/schema";
import { ApiError, badRequest } from "../../errors";
import { randomHex } from "../../lib/encoding";
import { nowSeconds } from "../../lib/time";
import { DeviceJwtError, verifyDeviceJwt } from "../../protocol/device-jwt";
import { InvalidPublicKeyError, normalisePem, parseDevicePublicKey } from "../../protocol/device-keys";
import { fileKeyChangeRequest } from "./key-requests";
import { versionFromUserAgent } from "./devices";

export interface RegistrationRequest {
  publicKey: string;
  registerToken: string;
  serial?: string;
  imei?: string;
  imei2?: string;
  userAgent?: string | null;
  /** CF-Connecting-IP of the caller, recorded on key-change requests. */
  ip?: string | null;
}

const blockedDevice = () => new ApiError(403, "device_blocked", "This device was blocked by the server administrator");

export async function registerDevice(
  db: Db,
  req: RegistrationRequest,
): Promise<{ dongleId: string; created: boolean }> {
  if (!req.publicKey) throw badRequest("missing_public_key", "public_key is required");
  if (!req.registerToken) throw badRequest("missing_register_token", "register_token is required");
  const publicKey = normalisePem(req.publicKey);
  let algorithm;
  try {
    algorithm = parseDevicePublicKey(publicKey).algorithm;
  } catch (err) {
    throw badRequest(
      "invalid_public_key",
      err instanceof InvalidPublicKeyError ? err.message : "public_key is invalid",
    );
  }
  try {
    const claims = await verifyDeviceJwt(req.registerToken, publicKey, { purpose: "register" });
    if (claims.register !== true)
      throw badRequest("invalid_register_token", "register_token must carry register: true");
  } catch (err) {
    if (err instanceof DeviceJwtError)
      throw badRequest("invalid_register_token", `register_token rejected: ${err.message}`);
    throw err;
  }

  const serial = req.serial?.trim() || null;
  const details = {
    serial,
    imei: req.imei?.trim() || null,
    imei2: req.imei2?.trim() || null,
    lastSeen: nowSeconds(),
    ...(versionFromUserAgent(req.userAgent) ? { openpilotVersion: versionFromUserAgent(req.userAgent) } : {}),
  };

  const byKey = await db.query.devices.findFirst({ where: eq(devices.publicKey, publicKey) });
  if (byKey) {
    if (byKey.blocked) throw blockedDevice();
    await db.update(devices).set(details).where(eq(devices.dongleId, byKey.dongleId));
    return { dongleId: byKey.dongleId, created: false };
  }
  const bySerial = serial ? await db.query.devices.findFirst({ where: eq(devices.serial, serial) }) : undefined;
  if (bySerial) {
    if (bySerial.blocked) throw blockedDevice();
    // A known serial with a new key: the device may have regenerated its key (/persist wiped), or someone copied
    // the serial. Proof of the new key (the register token) says nothing about which, so the owner decides.
    await fileKeyChangeRequest(db, bySerial, { publicKey, keyAlgorithm: algorithm, serial, ip: req.ip ?? null });
    return { dongleId: bySerial.dongleId, created: false };
  }

  for (let attempt = 0; attempt < 5; attempt++) {
    const dongleId = randomHex(8);
    const inserted = await db
      .insert(devices)
      .values({ dongleId, publicKey, keyAlgorithm: algorithm, ...details })
      .onConflictDoNothing()
      .returning({ dongleId: devices.dongleId });
    if (inserted.length) return { dongleId, created: true };
    // Lost a race with a concurrent registration of the same key: answer with the id it got.
    const raced = await db.query.devices.findFirst({ where: eq(devices.publicKey, publicKey) });
    if (raced) return { dongleId: raced.dongleId, created: false };
  }
  throw new Error("could not allocate a dongle id");
}

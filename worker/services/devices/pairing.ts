/**
 * Pairing (`POST /v2/pilotpair/`): the device shows a QR `https://connect.comma.ai/?pair=<token>` where the token
 * is its API JWT plus `pair: true`. comma's apps map the error statuses to messages:
 * 400 invalid request, 401 could not decode token, 403 paired with another owner, 404 unknown device, 417 not a pair token.
 */
import { eq } from "drizzle-orm";
import { decodeJwt } from "jose";
import type { Db } from "../../db/client";
import { devices, deviceUsers } from "../../db/schema";
import type { DeviceRow, UserRow } from "../../db/types";
import { ApiError, badRequest, forbidden, notFound } from "../../errors";
import { DeviceJwtError, verifyDeviceJwt } from "../../protocol/device-jwt";
import { auditInsert, type AuditSource } from "../audit";
import { forgetDeviceRouteShares } from "../drives/sharing";

/**
 * Accepts the bare token, the QR URL, or the pre-2020 `imei--serial--token` form. Only the text before the token's
 * first "." (its header) is searched for the "--" separators: a JWT's base64url signature contains "--" now and then,
 * and splitting the whole text cut such tokens apart (a rare 401 on pairing, issue #13 finding 5).
 */
export function extractPairToken(input: string): string {
  const text = input.trim();
  if (/^https?:\/\//i.test(text)) {
    try {
      return new URL(text).searchParams.get("pair") ?? "";
    } catch {
      return "";
    }
  }
  const firstDot = text.indexOf(".");
  const prefix = firstDot < 0 ? text : text.slice(0, firstDot);
  const parts = prefix.split("--");
  return parts.length === 3 ? parts[2] + text.slice(prefix.length) : text;
}

export async function pairDevice(
  db: Db,
  user: UserRow,
  rawToken: string,
  source: AuditSource,
): Promise<{ dongle_id: string; first_pair: boolean }> {
  if (!rawToken) throw badRequest("missing_pair_token", "pair_token is required");
  if (user.role === "viewer") throw forbidden("Viewer accounts cannot pair devices", "insufficient_role");
  const token = extractPairToken(rawToken);
  let claims;
  try {
    claims = decodeJwt(token);
  } catch {
    throw new ApiError(401, "invalid_pair_token", "Could not decode the pair token");
  }
  if (typeof claims.identity !== "string")
    throw new ApiError(401, "invalid_pair_token", "The pair token has no identity");
  const device = await db.query.devices.findFirst({ where: eq(devices.dongleId, claims.identity) });
  if (!device) throw notFound("No device is registered with this dongle id", "device_not_found");
  try {
    await verifyDeviceJwt(token, device.publicKey, { purpose: "pair" });
  } catch (err) {
    const why = err instanceof DeviceJwtError ? err.message : "invalid token";
    throw new ApiError(401, "invalid_pair_token", `Could not verify the pair token: ${why}`);
  }
  if (claims.pair !== true)
    throw new ApiError(417, "not_a_pair_token", "The token is not a pair token (pair must be true)");
  if (device.ownerId && device.ownerId !== user.id)
    throw forbidden("The device is paired with a different owner", "paired_to_other_owner");

  const firstPair = !device.everPaired;
  await db.batch([
    db
      .update(devices)
      .set({ ownerId: user.id, isPaired: true, everPaired: true })
      .where(eq(devices.dongleId, device.dongleId)),
    auditInsert(db, {
      ...source,
      action: "device.paired",
      target: { kind: "device", id: device.dongleId },
      userId: user.id,
      detail: { first_pair: firstPair },
    }),
  ]);
  return { dongle_id: device.dongleId, first_pair: firstPair };
}

/**
 * Unpairing forgets the owner and every share (device and single drives); the device shows its pairing QR again.
 * The event goes to the owner's activity (an admin may be the one unpairing).
 */
export async function unpairDevice(db: Db, device: DeviceRow, source: AuditSource): Promise<void> {
  const dongleId = device.dongleId;
  await db.batch([
    auditInsert(db, {
      ...source,
      action: "device.unpaired",
      target: { kind: "device", id: dongleId },
      userId: device.ownerId ?? source.userId,
    }),
    db.delete(deviceUsers).where(eq(deviceUsers.dongleId, dongleId)),
    forgetDeviceRouteShares(db, dongleId),
    db.update(devices).set({ ownerId: null, isPaired: false }).where(eq(devices.dongleId, dongleId)),
  ]);
}

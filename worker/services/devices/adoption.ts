/**
 * Adoption of devices that carry a comma-issued dongle id (docs/device-protocol.md §5). Such a device never
 * calls pilotauth, so its first athena handshake names a dongle we have never seen, signed by a key we do not
 * know. The DeviceObject asks the device for that key and checks the handshake against it (durable-objects/
 * adoption.ts); the result waits here as "pending" until an admin approves (it becomes an ordinary registered,
 * unpaired device) or rejects (its websocket is refused from then on).
 */
import { and, count, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { devices, pendingDevices } from "../../db/schema";
import type { UserRow } from "../../db/types";
import { ApiError, forbidden, notFound, unauthorized } from "../../errors";
import { nowSeconds } from "../../lib/time";
import { CLOCK_LEEWAY_S, DeviceJwtError, peekDeviceClaims, verifyDeviceJwt } from "../../protocol/device-jwt";
import { deviceObject } from "../athena/relay";
import { auditInsert, type AuditSource } from "../audit";

/** Anyone can claim unseen dongle ids; cap how many claims can wait so the list stays reviewable. */
export const MAX_PENDING_DEVICES = 200;

/** Close codes the device sees (it reconnects at once after an established connection ends). */
export const CLOSE_APPROVED = 4002;
export const CLOSE_REJECTED = 4003;

/**
 * Decides how an unknown dongle's websocket proceeds: "pending" (its recorded key verifies the token) or
 * "adopt" (first contact: the DeviceObject will ask for the key). Throws for rejected or unverifiable claims.
 */
export async function unknownDeviceRole(db: Db, dongleId: string, token: string): Promise<"pending" | "adopt"> {
  const pending = await db.query.pendingDevices.findFirst({ where: eq(pendingDevices.dongleId, dongleId) });
  if (pending?.state === "rejected")
    throw forbidden("This device was rejected by the server administrator", "device_rejected");
  if (pending) {
    try {
      await verifyDeviceJwt(token, pending.publicKey);
    } catch (err) {
      if (err instanceof DeviceJwtError)
        throw unauthorized("Device token does not match the key on record", "invalid_device_token");
      throw err;
    }
    await db.update(pendingDevices).set({ lastSeen: nowSeconds() }).where(eq(pendingDevices.dongleId, dongleId));
    return "pending";
  }
  // Cheap checks before spending a DO on it: the key is unknown, but an expired token is expired either way.
  const exp = peekDeviceClaims(token)?.payload.exp;
  if (typeof exp !== "number") throw unauthorized("Device token has no exp", "invalid_device_token");
  if (exp + CLOCK_LEEWAY_S < nowSeconds()) throw unauthorized("Device token expired", "invalid_device_token");
  const [{ n }] = await db.select({ n: count() }).from(pendingDevices).where(eq(pendingDevices.state, "pending"));
  if (n >= MAX_PENDING_DEVICES) throw new ApiError(503, "adoption_full", "Too many devices are waiting for approval");
  return "adopt";
}

export function requireAdmin(user: UserRow): void {
  if (user.role !== "admin") throw forbidden("Only administrators can do this", "admin_required");
}

export async function listPendingDevices(db: Db) {
  const rows = await db.query.pendingDevices.findMany({ orderBy: (t, { desc }) => [desc(t.firstSeen)] });
  return rows.map((r) => ({
    dongle_id: r.dongleId,
    state: r.state,
    public_key: r.publicKey,
    key_algorithm: r.keyAlgorithm,
    first_seen: r.firstSeen,
    last_seen: r.lastSeen,
    decided_at: r.decidedAt,
  }));
}

async function findPending(db: Db, dongleId: string) {
  const row = await db.query.pendingDevices.findFirst({
    where: and(eq(pendingDevices.dongleId, dongleId), eq(pendingDevices.state, "pending")),
  });
  if (!row) throw notFound("No device with this dongle id is waiting for approval", "pending_device_not_found");
  return row;
}

/** Turns a pending device into a registered (unpaired) one, then makes its socket reconnect as such. */
export async function approveDevice(
  env: Env,
  db: Db,
  dongleId: string,
  source: AuditSource,
): Promise<{ dongle_id: string; approved: true }> {
  const row = await findPending(db, dongleId);
  const clash = await db.query.devices.findFirst({
    columns: { dongleId: true },
    where: eq(devices.publicKey, row.publicKey),
  });
  if (clash) throw new ApiError(409, "key_registered", `This key is already registered as ${clash.dongleId}`);
  await db.batch([
    db
      .insert(devices)
      .values({ dongleId, publicKey: row.publicKey, keyAlgorithm: row.keyAlgorithm, lastSeen: row.lastSeen }),
    db.delete(pendingDevices).where(eq(pendingDevices.dongleId, dongleId)),
    auditInsert(db, {
      ...source,
      action: "device.adopted",
      target: { kind: "device", id: dongleId },
      detail: { key_algorithm: row.keyAlgorithm },
    }),
  ]);
  await deviceObject(env, dongleId).closeDeviceSocket(CLOSE_APPROVED, "approved: reconnect");
  return { dongle_id: dongleId, approved: true };
}

export async function rejectDevice(
  env: Env,
  db: Db,
  admin: UserRow,
  dongleId: string,
  source: AuditSource,
): Promise<{ dongle_id: string; rejected: true }> {
  await findPending(db, dongleId);
  await db.batch([
    db
      .update(pendingDevices)
      .set({ state: "rejected", decidedBy: admin.id, decidedAt: nowSeconds() })
      .where(eq(pendingDevices.dongleId, dongleId)),
    auditInsert(db, { ...source, action: "device.adoption_rejected", target: { kind: "device", id: dongleId } }),
  ]);
  await deviceObject(env, dongleId).closeDeviceSocket(CLOSE_REJECTED, "rejected");
  return { dongle_id: dongleId, rejected: true };
}

/**
 * Key-change requests: a registration that names a known serial with a key the device row does not hold. The serial
 * is no secret (stickers, screenshots, boot logs), so it never moves an identity by itself. The request waits for the
 * device's owner (or an admin; for an unowned device only an admin can decide); the old key keeps working until then.
 * docs/security.md → "Device identity".
 */
import { and, count, desc, eq, exists, isNull, ne } from "drizzle-orm";
import type { Db } from "../../db/client";
import { deviceKeyRequests, devices } from "../../db/schema";
import type { DeviceRow, UserRow } from "../../db/types";
import { ApiError, notFound } from "../../errors";
import { toHex } from "../../lib/encoding";
import { nowSeconds } from "../../lib/time";
import type { DeviceKeyAlgorithm } from "../../protocol/device-keys";
import { parseDevicePublicKey } from "../../protocol/device-keys";
import { deviceObject } from "../athena/relay";
import { auditInsert, recordAudit } from "../audit";

/** Fresh keys cost an attacker little: at most this many requests wait per device, so the owner's list stays short. */
export const MAX_PENDING_KEY_REQUESTS = 20;

/** Close code for the device socket after an approved key change (it reconnects at once, with whichever key it holds). */
export const CLOSE_KEY_CHANGED = 4004;

export interface KeyChangeClaim {
  publicKey: string;
  keyAlgorithm: DeviceKeyAlgorithm;
  serial: string | null;
  ip: string | null;
}

/**
 * Files (or refreshes) the request. Decided requests keep their state: a rejected key is answered as before and files
 * nothing new. Writes `device.key_change_requested` once per request, on the owner's audit page.
 */
export async function fileKeyChangeRequest(db: Db, device: DeviceRow, claim: KeyChangeClaim): Promise<void> {
  const now = nowSeconds();
  const existing = await db.query.deviceKeyRequests.findFirst({
    columns: { id: true },
    where: and(eq(deviceKeyRequests.dongleId, device.dongleId), eq(deviceKeyRequests.publicKey, claim.publicKey)),
  });
  if (existing) {
    await db
      .update(deviceKeyRequests)
      .set({ lastSeen: now, ip: claim.ip })
      .where(eq(deviceKeyRequests.id, existing.id));
    return;
  }
  const [{ n }] = await db
    .select({ n: count() })
    .from(deviceKeyRequests)
    .where(and(eq(deviceKeyRequests.dongleId, device.dongleId), eq(deviceKeyRequests.state, "pending")));
  if (n >= MAX_PENDING_KEY_REQUESTS) return;
  const [inserted] = await db
    .insert(deviceKeyRequests)
    .values({
      dongleId: device.dongleId,
      publicKey: claim.publicKey,
      keyAlgorithm: claim.keyAlgorithm,
      serial: claim.serial,
      lastSeen: now,
      ip: claim.ip,
    })
    .onConflictDoNothing()
    .returning({ id: deviceKeyRequests.id });
  if (!inserted) return; // a concurrent registration with the same key filed it
  await recordAudit(db, {
    action: "device.key_change_requested",
    actor: { kind: "anonymous" },
    target: { kind: "device", id: device.dongleId },
    userId: device.ownerId,
    ip: claim.ip,
    detail: { request_id: inserted.id, key_algorithm: claim.keyAlgorithm },
  });
}

type RequestRow = typeof deviceKeyRequests.$inferSelect;

async function fingerprint(publicKey: string): Promise<string> {
  try {
    return toHex(await crypto.subtle.digest("SHA-256", parseDevicePublicKey(publicKey).spki));
  } catch {
    return "";
  }
}

/** What the owner sees: enough to recognise the device that asked (its serial, where from, when, which key). */
export async function keyRequestView(row: RequestRow) {
  return {
    id: row.id,
    dongle_id: row.dongleId,
    state: row.state,
    key_algorithm: row.keyAlgorithm,
    key_fingerprint: await fingerprint(row.publicKey),
    public_key: row.publicKey,
    serial: row.serial ?? "",
    ip: row.ip,
    first_seen: row.firstSeen,
    last_seen: row.lastSeen,
    decided_at: row.decidedAt,
  };
}

export async function listKeyRequests(db: Db, dongleId: string) {
  const rows = await db.query.deviceKeyRequests.findMany({
    where: eq(deviceKeyRequests.dongleId, dongleId),
    orderBy: [desc(deviceKeyRequests.id)],
    limit: 100,
  });
  return Promise.all(rows.map(keyRequestView));
}

/** Admins: pending requests of devices nobody owns (no owner can decide those). */
export async function listUnownedKeyRequests(db: Db) {
  const rows = await db
    .select({ request: deviceKeyRequests })
    .from(deviceKeyRequests)
    .innerJoin(devices, eq(devices.dongleId, deviceKeyRequests.dongleId))
    .where(and(eq(deviceKeyRequests.state, "pending"), isNull(devices.ownerId)))
    .orderBy(desc(deviceKeyRequests.id))
    .limit(500);
  return Promise.all(rows.map((r) => keyRequestView(r.request)));
}

async function pendingRequest(db: Db, dongleId: string, id: number): Promise<RequestRow> {
  const row = await db.query.deviceKeyRequests.findFirst({
    where: and(eq(deviceKeyRequests.id, id), eq(deviceKeyRequests.dongleId, dongleId)),
  });
  if (!row) throw notFound("No such key request for this device", "key_request_not_found");
  if (row.state !== "pending") throw new ApiError(409, "key_request_decided", `This request was already ${row.state}`);
  return row;
}

/**
 * The device's key becomes the requested one, in the same batch that marks the request approved and rejects the
 * other pending ones; then the socket held with the old key is closed (the device reconnects with its key).
 */
export async function approveKeyRequest(
  env: Env,
  db: Db,
  user: UserRow,
  device: DeviceRow,
  id: number,
  ip: string | null,
) {
  const row = await pendingRequest(db, device.dongleId, id);
  const clash = await db.query.devices.findFirst({
    columns: { dongleId: true },
    where: eq(devices.publicKey, row.publicKey),
  });
  if (clash) throw new ApiError(409, "key_registered", `This key is already registered as ${clash.dongleId}`);
  const now = nowSeconds();
  const others = await db.query.deviceKeyRequests.findMany({
    columns: { id: true },
    where: and(
      eq(deviceKeyRequests.dongleId, device.dongleId),
      eq(deviceKeyRequests.state, "pending"),
      ne(deviceKeyRequests.id, id),
    ),
  });
  const decided = { decidedBy: user.id, decidedAt: now };
  // Guards the key swap against a concurrent decision: it happens only while this request is still pending.
  const stillPending = db
    .select({ id: deviceKeyRequests.id })
    .from(deviceKeyRequests)
    .where(and(eq(deviceKeyRequests.id, id), eq(deviceKeyRequests.state, "pending")));
  await db.batch([
    db
      .update(devices)
      .set({ publicKey: row.publicKey, keyAlgorithm: row.keyAlgorithm })
      .where(and(eq(devices.dongleId, device.dongleId), exists(stillPending))),
    db
      .update(deviceKeyRequests)
      .set({ state: "approved", ...decided })
      .where(and(eq(deviceKeyRequests.id, id), eq(deviceKeyRequests.state, "pending"))),
    db
      .update(deviceKeyRequests)
      .set({ state: "rejected", ...decided })
      .where(
        and(
          eq(deviceKeyRequests.dongleId, device.dongleId),
          eq(deviceKeyRequests.state, "pending"),
          ne(deviceKeyRequests.id, id),
        ),
      ),
    auditInsert(db, {
      action: "device.key_change_approved",
      actor: { kind: "user", id: user.id },
      target: { kind: "device", id: device.dongleId },
      userId: device.ownerId ?? user.id, // the owner's audit page lists it, also when an admin decided
      ip,
      detail: { request_id: id, key_algorithm: row.keyAlgorithm, also_rejected: others.map((o) => o.id) },
    }),
  ]);
  await deviceObject(env, device.dongleId).closeDeviceSocket(CLOSE_KEY_CHANGED, "device key changed: reconnect");
  return keyRequestView({ ...row, state: "approved", ...decided });
}

export async function rejectKeyRequest(db: Db, user: UserRow, device: DeviceRow, id: number, ip: string | null) {
  const row = await pendingRequest(db, device.dongleId, id);
  const decided = { decidedBy: user.id, decidedAt: nowSeconds() };
  await db.batch([
    db
      .update(deviceKeyRequests)
      .set({ state: "rejected", ...decided })
      .where(and(eq(deviceKeyRequests.id, id), eq(deviceKeyRequests.state, "pending"))),
    auditInsert(db, {
      action: "device.key_change_rejected",
      actor: { kind: "user", id: user.id },
      target: { kind: "device", id: device.dongleId },
      userId: device.ownerId ?? user.id,
      ip,
      detail: { request_id: id },
    }),
  ]);
  return keyRequestView({ ...row, state: "rejected", ...decided });
}

/** Sharing a device with other accounts by email: read (view drives) or write (also act on the device). */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { deviceUsers, users } from "../../db/schema";
import type { DeviceRow } from "../../db/types";
import { badRequest, notFound } from "../../errors";
import { auditInsert, type AuditSource, recordAudit } from "../audit";

export type SharePermission = "read" | "write";
const COMMA_PERMISSION = { read: "read_access", write: "write_access" } as const;

export async function listDeviceUsers(db: Db, device: DeviceRow) {
  const shares = await db
    .select({ email: users.email, permission: deviceUsers.permission })
    .from(deviceUsers)
    .innerJoin(users, eq(users.id, deviceUsers.userId))
    .where(eq(deviceUsers.dongleId, device.dongleId));
  const owner = device.ownerId
    ? await db.query.users.findFirst({ columns: { email: true }, where: eq(users.id, device.ownerId) })
    : undefined;
  return [
    ...(owner ? [{ email: owner.email, permission: "owner" as const }] : []),
    ...shares.map((s) => ({ email: s.email, permission: COMMA_PERMISSION[s.permission] })),
  ];
}

/** The account behind an email (also used to share single drives); unknown → 404 `user_not_found`. */
export async function userByEmail(db: Db, email: unknown) {
  if (typeof email !== "string" || !email.includes("@")) throw badRequest("invalid_email", "email is required");
  const user = await db.query.users.findFirst({ where: eq(users.email, email.trim().toLowerCase()) });
  if (!user) throw notFound("No account uses this email", "user_not_found");
  return user;
}

/** Share events go to the owner's activity, naming the device and the account (by id, never its email). */
export async function addDeviceUser(
  db: Db,
  device: DeviceRow,
  email: unknown,
  permission: unknown,
  source: AuditSource,
) {
  const perm: SharePermission = permission === "write" || permission === "write_access" ? "write" : "read";
  const user = await userByEmail(db, email);
  if (user.id === device.ownerId) throw badRequest("already_owner", "This account owns the device");
  await db.batch([
    db
      .insert(deviceUsers)
      .values({ dongleId: device.dongleId, userId: user.id, permission: perm })
      .onConflictDoUpdate({ target: [deviceUsers.dongleId, deviceUsers.userId], set: { permission: perm } }),
    auditInsert(db, {
      ...source,
      action: "share.granted",
      target: { kind: "device", id: device.dongleId },
      userId: device.ownerId ?? source.userId,
      detail: { user_id: user.id, permission: perm },
    }),
  ]);
}

/** Idempotent; only a share that existed is recorded as revoked. */
export async function removeDeviceUser(db: Db, device: DeviceRow, email: unknown, source: AuditSource) {
  const user = await userByEmail(db, email);
  const removed = await db
    .delete(deviceUsers)
    .where(and(eq(deviceUsers.dongleId, device.dongleId), eq(deviceUsers.userId, user.id)))
    .returning({ permission: deviceUsers.permission });
  if (removed.length)
    await recordAudit(db, {
      ...source,
      action: "share.revoked",
      target: { kind: "device", id: device.dongleId },
      userId: device.ownerId ?? source.userId,
      detail: { user_id: user.id, permission: removed[0].permission },
    });
}

/**
 * One authorization layer for both API surfaces. A user's access to a device is the highest of:
 * admin (role), owner, shared write, shared read. Viewers (role) never get more than read.
 */
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import { deviceUsers, devices } from "../db/schema";
import type { DeviceRow, Principal, UserRow } from "../http/app-env";
import { forbidden, notFound, unauthorized } from "../http/errors";

export type DeviceAccess = "owner" | "write" | "read";
const rank: Record<DeviceAccess, number> = { read: 1, write: 2, owner: 3 };

export async function userDeviceAccess(db: Db, user: UserRow, device: DeviceRow): Promise<DeviceAccess | null> {
  let access: DeviceAccess | null = null;
  if (device.ownerId === user.id) access = "owner";
  else if (user.role === "admin") access = "owner";
  else {
    const share = await db.query.deviceUsers.findFirst({
      where: and(eq(deviceUsers.dongleId, device.dongleId), eq(deviceUsers.userId, user.id)),
    });
    if (share) access = share.permission;
  }
  if (access && user.role === "viewer") return "read";
  return access;
}

export interface DeviceContext {
  device: DeviceRow;
  /** null when the caller is the device itself. */
  user: UserRow | null;
  access: DeviceAccess;
}

/** The device and the caller's share of it (if any) in one statement, so a request pays one D1 round trip. */
function deviceWithShare(db: Db, dongleId: string, userId: string) {
  return db.select({ device: devices, permission: deviceUsers.permission }).from(devices)
    .leftJoin(deviceUsers, and(eq(deviceUsers.dongleId, devices.dongleId), eq(deviceUsers.userId, userId)))
    .where(eq(devices.dongleId, dongleId)).limit(1);
}

type DeviceWithShare = { device: DeviceRow; permission: DeviceAccess | null };

function decide(principal: Principal | null, dongleId: string, row: DeviceWithShare | undefined, needed: DeviceAccess): DeviceContext {
  if (!principal) throw unauthorized();
  if (principal.kind === "device") {
    if (principal.device.dongleId !== dongleId) throw forbidden("Token identity does not match the dongle in the path", "identity_mismatch");
    return { device: principal.device, user: null, access: "owner" };
  }
  if (!row) throw notFound("Device not found", "device_not_found");
  const user = principal.user;
  let access: DeviceAccess | null = row.device.ownerId === user.id || user.role === "admin" ? "owner" : row.permission;
  if (access && user.role === "viewer") access = "read";
  if (!access) throw notFound("Device not found", "device_not_found");
  if (rank[access] < rank[needed]) throw forbidden(`This needs ${needed} access to the device`, "insufficient_access");
  return { device: row.device, user, access };
}

/**
 * Loads a device and checks the caller may act on it at `needed` level. Strangers get 404 rather than 403
 * for devices they cannot see, so dongle ids cannot be probed; the device itself counts as owner of itself.
 */
export async function loadDeviceFor(db: Db, principal: Principal | null, dongleId: string, needed: DeviceAccess): Promise<DeviceContext> {
  if (!principal || principal.kind === "device") return decide(principal, dongleId, undefined, needed);
  const [row] = await deviceWithShare(db, dongleId, principal.user.id);
  return decide(principal, dongleId, row, needed);
}

/**
 * loadDeviceFor plus the caller's own read queries of that device, sent to D1 as one batch (one round trip instead
 * of two or three). The queries run before access is decided, so their results are handed out only after
 * `decide` passed; they must be reads. Lists of drives use this: it is their whole latency budget.
 */
export async function loadDeviceWith<T extends readonly BatchItem<"sqlite">[]>(
  db: Db, principal: Principal | null, dongleId: string, needed: DeviceAccess, queries: T,
): Promise<[DeviceContext, { [K in keyof T]: Awaited<T[K]> }]> {
  if (!principal || principal.kind === "device") {
    const ctx = decide(principal, dongleId, undefined, needed);
    const results = queries.length ? await db.batch(queries as unknown as [BatchItem<"sqlite">]) : [];
    return [ctx, results as unknown as { [K in keyof T]: Awaited<T[K]> }];
  }
  const [rows, ...results] = await db.batch([deviceWithShare(db, dongleId, principal.user.id), ...queries] as unknown as [BatchItem<"sqlite">]);
  const ctx = decide(principal, dongleId, (rows as DeviceWithShare[])[0], needed);
  return [ctx, results as unknown as { [K in keyof T]: Awaited<T[K]> }];
}

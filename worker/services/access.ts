/**
 * One authorization layer for both API surfaces. A user's access to a device is the highest of:
 * admin (role), owner, shared write, shared read. Viewers (role) never get more than read.
 */
import { and, eq } from "drizzle-orm";
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

/**
 * Loads a device and checks the caller may act on it at `needed` level. Strangers get 404 rather than 403
 * for devices they cannot see, so dongle ids cannot be probed; the device itself counts as owner of itself.
 */
export async function loadDeviceFor(db: Db, principal: Principal | null, dongleId: string, needed: DeviceAccess): Promise<DeviceContext> {
  if (!principal) throw unauthorized();
  if (principal.kind === "device") {
    if (principal.device.dongleId !== dongleId) throw forbidden("Token identity does not match the dongle in the path", "identity_mismatch");
    return { device: principal.device, user: null, access: "owner" };
  }
  const device = await db.query.devices.findFirst({ where: eq(devices.dongleId, dongleId) });
  if (!device) throw notFound("Device not found", "device_not_found");
  const access = await userDeviceAccess(db, principal.user, device);
  if (!access) throw notFound("Device not found", "device_not_found");
  if (rank[access] < rank[needed]) throw forbidden(`This needs ${needed} access to the device`, "insufficient_access");
  return { device, user: principal.user, access };
}

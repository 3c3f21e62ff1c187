/**
 * One authorization layer for both API surfaces. A user's access to a device is the highest of:
 * admin (role), owner, shared write, shared read. Viewers (role) never get more than read.
 */
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import { deviceUsers, devices, users } from "../db/schema";
import type { Caller, Principal, UserCaller } from "./principal";
import type { DeviceRow, UserRow } from "../db/types";
import { forbidden, notFound, unauthorized } from "../errors";

export type DeviceAccess = "owner" | "write" | "read";
const rank: Record<DeviceAccess, number> = { read: 1, write: 2, owner: 3 };

export async function userDeviceAccess(db: Db, user: UserRow, device: DeviceRow): Promise<DeviceAccess | null> {
  if (device.ownerId === user.id || user.role === "admin") return accessOf(user, device.ownerId, null);
  const share = await db.query.deviceUsers.findFirst({
    where: and(eq(deviceUsers.dongleId, device.dongleId), eq(deviceUsers.userId, user.id)),
  });
  return accessOf(user, device.ownerId, share?.permission ?? null);
}

export interface DeviceContext {
  device: DeviceRow;
  /** null when the caller is the device itself. */
  user: UserRow | null;
  access: DeviceAccess;
}

/** The device and the caller's share of it (if any) in one statement, so a request pays one D1 round trip. */
function deviceWithShare(db: Db, dongleId: string, userId: string) {
  return db
    .select({ device: devices, permission: deviceUsers.permission })
    .from(devices)
    .leftJoin(deviceUsers, and(eq(deviceUsers.dongleId, devices.dongleId), eq(deviceUsers.userId, userId)))
    .where(eq(devices.dongleId, dongleId))
    .limit(1);
}

type DeviceWithShare = { device: DeviceRow; permission: DeviceAccess | null };

/** The rules: owner or admin → owner, else the share; viewers never get more than read. */
function accessOf(
  user: Pick<UserRow, "id" | "role">,
  ownerId: string | null,
  permission: DeviceAccess | null,
): DeviceAccess | null {
  let access: DeviceAccess | null = ownerId === user.id || user.role === "admin" ? "owner" : permission;
  if (access && user.role === "viewer") access = "read";
  return access;
}

function requireAccess(access: DeviceAccess | null, needed: DeviceAccess): DeviceAccess {
  if (!access) throw notFound("Device not found", "device_not_found");
  if (rank[access] < rank[needed]) throw forbidden(`This needs ${needed} access to the device`, "insufficient_access");
  return access;
}

/** A device acting on a dongle: only on its own, as its owner. */
function decideForDevice(device: DeviceRow, dongleId: string): DeviceAccess {
  if (device.dongleId !== dongleId)
    throw forbidden("Token identity does not match the dongle in the path", "identity_mismatch");
  return "owner";
}

function decide(
  principal: Principal | null,
  dongleId: string,
  row: DeviceWithShare | undefined,
  needed: DeviceAccess,
): DeviceContext {
  if (!principal) throw unauthorized();
  if (principal.kind === "device")
    return { device: principal.device, user: null, access: decideForDevice(principal.device, dongleId) };
  if (!row) throw notFound("Device not found", "device_not_found");
  const user = principal.user;
  return {
    device: row.device,
    user,
    access: requireAccess(accessOf(user, row.device.ownerId, row.permission), needed),
  };
}

/**
 * Loads a device and checks the caller may act on it at `needed` level. Strangers get 404 rather than 403
 * for devices they cannot see, so dongle ids cannot be probed; the device itself counts as owner of itself.
 */
export async function loadDeviceFor(
  db: Db,
  principal: Principal | null,
  dongleId: string,
  needed: DeviceAccess,
): Promise<DeviceContext> {
  if (!principal || principal.kind === "device") return decide(principal, dongleId, undefined, needed);
  const [row] = await deviceWithShare(db, dongleId, principal.user.id);
  return decide(principal, dongleId, row, needed);
}

export const accountGone = () => unauthorized("Account no longer exists", "invalid_token");

/**
 * What a statement that reads the caller together with their data (route-lists.ts) learnt about a user and a
 * device: the user's role, whether the device exists (`deviceId`), its owner and the user's share of it.
 */
export interface DeviceFacts {
  userId: string;
  role: UserRow["role"];
  deviceId: string | null;
  ownerId: string | null;
  permission: DeviceAccess | null;
}

/**
 * `decide` for a caller whose row came with the data (`batchesIdentity` handlers): `facts` undefined means the
 * account is gone (401). A device caller is decided without facts. Returns the user id (null for a device).
 */
export function decideFromFacts(
  caller: Caller | null,
  dongleId: string,
  facts: DeviceFacts | undefined,
  needed: DeviceAccess,
): { userId: string | null; access: DeviceAccess } {
  if (!caller) throw unauthorized();
  if (caller.kind === "device") return { userId: null, access: decideForDevice(caller.device, dongleId) };
  if (!facts) throw accountGone();
  if (!facts.deviceId) throw notFound("Device not found", "device_not_found");
  return {
    userId: facts.userId,
    access: requireAccess(accessOf({ id: facts.userId, role: facts.role }, facts.ownerId, facts.permission), needed),
  };
}

type BatchResults<T extends readonly BatchItem<"sqlite">[]> = { [K in keyof T]: Awaited<T[K]> };

function runBatch(db: Db, statements: readonly BatchItem<"sqlite">[]): Promise<unknown[]> {
  return statements.length ? db.batch(statements as unknown as [BatchItem<"sqlite">]) : Promise.resolve([]);
}

/** The signed-in user plus read queries that depend only on the user id, in one batch when the row is not loaded yet. */
export async function loadUserWith<T extends readonly BatchItem<"sqlite">[]>(
  db: Db,
  caller: UserCaller,
  queries: (userId: string) => T,
): Promise<[UserRow, BatchResults<T>]> {
  if (caller.kind === "user") return [caller.user, (await runBatch(db, queries(caller.user.id))) as BatchResults<T>];
  const [rows, ...results] = await runBatch(db, [
    db.select().from(users).where(eq(users.id, caller.userId)).limit(1),
    ...queries(caller.userId),
  ]);
  const user = (rows as UserRow[])[0];
  if (!user) throw accountGone();
  return [user, results as BatchResults<T>];
}

/**
 * One authorization layer for both API surfaces. A user's access to a device is the highest of:
 * admin (role), owner, shared write, shared read. Viewers (role) never get more than read.
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import { deviceUsers, devices, users } from "../db/schema";
import type { Caller, DeviceRow, Principal, UserCaller, UserRow } from "../http/app-env";
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
 * The user, the device and the user's share of it in one statement (no user row: no result row). Inside a D1 batch
 * rows come back as objects keyed by column name, so two columns of the same name would collapse into one and shift
 * every later value: users.created_at is renamed (devices has a created_at too).
 */
function userWithDeviceShare(db: Db, dongleId: string, userId: string) {
  const user = {
    id: users.id, email: users.email, name: users.name, passwordHash: users.passwordHash, role: users.role,
    createdAt: sql<number>`${users.createdAt}`.mapWith(Number).as("user_created_at"),
  };
  return db.select({ user, device: devices, permission: deviceUsers.permission }).from(users)
    .leftJoin(devices, eq(devices.dongleId, dongleId))
    .leftJoin(deviceUsers, and(eq(deviceUsers.dongleId, devices.dongleId), eq(deviceUsers.userId, users.id)))
    .where(eq(users.id, userId)).limit(1);
}

type UserWithDeviceShare = { user: UserRow; device: DeviceRow | null; permission: DeviceAccess | null };

const accountGone = () => unauthorized("Account no longer exists", "invalid_token");

type BatchResults<T extends readonly BatchItem<"sqlite">[]> = { [K in keyof T]: Awaited<T[K]> };

function runBatch(db: Db, statements: readonly BatchItem<"sqlite">[]): Promise<unknown[]> {
  return statements.length ? db.batch(statements as unknown as [BatchItem<"sqlite">]) : Promise.resolve([]);
}

/**
 * loadDeviceFor plus the caller's own read queries of that device, sent to D1 as one batch (one round trip instead
 * of two or three); for a caller whose user row is not loaded yet (`batchesIdentity` handlers) the row comes in the
 * same statement as the device. The queries run before access is decided, so their results are handed out only
 * after `decide` passed; they must be reads. Lists of drives use this: it is their whole latency budget.
 */
export async function loadDeviceWith<T extends readonly BatchItem<"sqlite">[]>(
  db: Db, caller: Caller | null, dongleId: string, needed: DeviceAccess, queries: T,
): Promise<[DeviceContext, BatchResults<T>]> {
  if (!caller || caller.kind === "device") {
    const ctx = decide(caller, dongleId, undefined, needed);
    return [ctx, (await runBatch(db, queries)) as BatchResults<T>];
  }
  if (caller.kind === "user-id") {
    const [rows, ...results] = await runBatch(db, [userWithDeviceShare(db, dongleId, caller.userId), ...queries]);
    const row = (rows as UserWithDeviceShare[])[0];
    if (!row) throw accountGone();
    const ctx = decide({ kind: "user", user: row.user }, dongleId, row.device ? { device: row.device, permission: row.permission } : undefined, needed);
    return [ctx, results as BatchResults<T>];
  }
  const [rows, ...results] = await runBatch(db, [deviceWithShare(db, dongleId, caller.user.id), ...queries]);
  const ctx = decide(caller, dongleId, (rows as DeviceWithShare[])[0], needed);
  return [ctx, results as BatchResults<T>];
}

/** The signed-in user plus read queries that depend only on the user id, in one batch when the row is not loaded yet. */
export async function loadUserWith<T extends readonly BatchItem<"sqlite">[]>(
  db: Db, caller: UserCaller, queries: (userId: string) => T,
): Promise<[UserRow, BatchResults<T>]> {
  if (caller.kind === "user") return [caller.user, (await runBatch(db, queries(caller.user.id))) as BatchResults<T>];
  const [rows, ...results] = await runBatch(db, [db.select().from(users).where(eq(users.id, caller.userId)).limit(1), ...queries(caller.userId)]);
  const user = (rows as UserRow[])[0];
  if (!user) throw accountGone();
  return [user, results as BatchResults<T>];
}

/**
 * Sharing one drive with a person: view only, and only that drive (device-sharing.ts shares a whole device).
 * Who may read a shared drive is decided in route-access.ts; this module only keeps the list.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { devices, routes, routeUsers, users } from "../../db/schema";
import { badRequest } from "../../errors";
import { type AuditSource, recordAudit } from "../audit";
import { userByEmail } from "../devices/sharing";
import type { RouteRow } from "./views";

export async function listRouteUsers(db: Db, route: RouteRow) {
  const rows = await db
    .select({ email: users.email, name: users.name, createdAt: routeUsers.createdAt })
    .from(routeUsers)
    .innerJoin(users, eq(users.id, routeUsers.userId))
    .where(eq(routeUsers.fullname, route.fullname))
    .orderBy(routeUsers.createdAt, users.email);
  return rows.map((r) => ({ email: r.email, name: r.name, created_at: r.createdAt }));
}

async function deviceOwner(db: Db, dongleId: string): Promise<string | null> {
  const device = await db.query.devices.findFirst({
    columns: { ownerId: true },
    where: eq(devices.dongleId, dongleId),
  });
  return device?.ownerId ?? null;
}

/**
 * Idempotent: sharing again with the same person keeps the first share (and records nothing new). Events go to
 * the device owner's activity, naming the account by id.
 */
export async function addRouteUser(db: Db, route: RouteRow, email: unknown, source: AuditSource) {
  const user = await userByEmail(db, email);
  const ownerId = await deviceOwner(db, route.dongleId);
  if (user.id === ownerId) throw badRequest("already_owner", "This account owns the device");
  const added = await db
    .insert(routeUsers)
    .values({ fullname: route.fullname, userId: user.id })
    .onConflictDoNothing()
    .returning({ userId: routeUsers.userId });
  if (added.length)
    await recordAudit(db, {
      ...source,
      action: "share.granted",
      target: { kind: "route", id: route.fullname },
      userId: ownerId ?? source.userId,
      detail: { user_id: user.id, permission: "read" },
    });
}

/** Idempotent too; an email without an account is still a 404 so typos are not mistaken for success. */
export async function removeRouteUser(db: Db, route: RouteRow, email: unknown, source: AuditSource) {
  const user = await userByEmail(db, email);
  const removed = await db
    .delete(routeUsers)
    .where(and(eq(routeUsers.fullname, route.fullname), eq(routeUsers.userId, user.id)))
    .returning({ userId: routeUsers.userId });
  if (removed.length)
    await recordAudit(db, {
      ...source,
      action: "share.revoked",
      target: { kind: "route", id: route.fullname },
      userId: (await deviceOwner(db, route.dongleId)) ?? source.userId,
      detail: { user_id: user.id },
    });
}

export async function isRouteSharedWith(db: Db, fullname: string, userId: string): Promise<boolean> {
  const row = await db.query.routeUsers.findFirst({
    columns: { userId: true },
    where: and(eq(routeUsers.fullname, fullname), eq(routeUsers.userId, userId)),
  });
  return !!row;
}

/** Unpairing forgets every share of the device's drives, as it forgets the device's own shares. */
export function forgetDeviceRouteShares(db: Db, dongleId: string) {
  const names = db.select({ fullname: routes.fullname }).from(routes).where(eq(routes.dongleId, dongleId));
  return db.delete(routeUsers).where(inArray(routeUsers.fullname, names));
}

/**
 * Sharing one drive with a person: view only, and only that drive (device-sharing.ts shares a whole device).
 * Who may read a shared drive is decided in route-access.ts; this module only keeps the list.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { devices, routeUsers, routes, users } from "../../db/schema";
import { badRequest } from "../../errors";
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

/** Idempotent: sharing again with the same person keeps the first share. */
export async function addRouteUser(db: Db, route: RouteRow, email: unknown) {
  const user = await userByEmail(db, email);
  const device = await db.query.devices.findFirst({
    columns: { ownerId: true },
    where: eq(devices.dongleId, route.dongleId),
  });
  if (user.id === device?.ownerId) throw badRequest("already_owner", "This account owns the device");
  await db.insert(routeUsers).values({ fullname: route.fullname, userId: user.id }).onConflictDoNothing();
}

/** Idempotent too; an email without an account is still a 404 so typos are not mistaken for success. */
export async function removeRouteUser(db: Db, route: RouteRow, email: unknown) {
  const user = await userByEmail(db, email);
  await db.delete(routeUsers).where(and(eq(routeUsers.fullname, route.fullname), eq(routeUsers.userId, user.id)));
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

/** Driving statistics and last known location of a device, computed from its processed routes. */
import { and, desc, eq, gte, isNotNull, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { routes } from "../db/schema";
import { nowSeconds } from "../lib/time";

async function totals(db: Db, dongleId: string, sinceCreateTime: number | null) {
  const [row] = await db.select({
    distance: sql<number>`coalesce(sum(${routes.distanceMiles}), 0)`,
    minutes: sql<number>`coalesce(sum(max(0, (${routes.endTimeMs} - ${routes.startTimeMs}) / 60000.0)), 0)`,
    routes: sql<number>`count(*)`,
  }).from(routes).where(and(
    eq(routes.dongleId, dongleId), isNull(routes.deletedAt),
    sinceCreateTime === null ? undefined : gte(routes.createTime, sinceCreateTime),
  ));
  return { distance: Math.round(row.distance * 1000) / 1000, minutes: Math.round(row.minutes), routes: row.routes };
}

/** comma's DrivingStatistics: {all, week} with distance in miles. */
export async function drivingStats(db: Db, dongleId: string) {
  return { all: await totals(db, dongleId, null), week: await totals(db, dongleId, nowSeconds() - 7 * 86400) };
}

/** The end of the most recent drive with GPS, as comma's DeviceLocation. */
export async function lastLocation(db: Db, dongleId: string) {
  const route = await db.query.routes.findFirst({
    where: and(eq(routes.dongleId, dongleId), isNull(routes.deletedAt), isNotNull(routes.endLat), isNotNull(routes.endLng)),
    orderBy: [desc(routes.endTimeMs)],
  });
  if (!route) return null;
  return { dongle_id: dongleId, lat: route.endLat!, lng: route.endLng!, time: route.endTimeMs ?? 0, accuracy: 0, speed: 0, bearing: 0 };
}

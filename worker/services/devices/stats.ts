/** Driving statistics and last known location of a device, computed from its processed routes. */
import { and, desc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { routes } from "../../db/schema";
import { nowSeconds } from "../../lib/time";

const WEEK_S = 7 * 86400;

/** Sums over a set of routes, unrounded. "known": routes whose engaged time and event counts are stored (not NULL). */
interface Sums {
  routes: number;
  distance: number;
  durationMs: number;
  /** Distance and duration of the routes whose duration is known and positive (for the average speed). */
  timedDistance: number;
  timedMs: number;
  known: number;
  engagedMs: number;
  /** Engaged time and duration of the known routes with a positive duration (for the engaged share). */
  shareEngagedMs: number;
  shareMs: number;
  alerts: number;
  userFlags: number;
  engagements: number;
  disengagements: number;
}

const ZERO: Sums = {
  routes: 0,
  distance: 0,
  durationMs: 0,
  timedDistance: 0,
  timedMs: 0,
  known: 0,
  engagedMs: 0,
  shareEngagedMs: 0,
  shareMs: 0,
  alerts: 0,
  userFlags: 0,
  engagements: 0,
  disengagements: 0,
};

const add = (a: Sums, b: Sums): Sums =>
  Object.fromEntries(Object.keys(ZERO).map((k) => [k, a[k as keyof Sums] + b[k as keyof Sums]])) as unknown as Sums;

/**
 * The device's routes in one query (a device can have thousands), grouped into "created this week" and "before":
 * all = both groups, week = the first. max(0, NULL) is NULL and sum() skips NULLs, so a route without times adds
 * to neither duration.
 */
async function sums(db: Db, dongleId: string): Promise<{ all: Sums; week: Sums }> {
  const dur = sql`max(0, ${routes.endTimeMs} - ${routes.startTimeMs})`;
  const known = sql`${routes.engagedMs} IS NOT NULL`;
  const n = (expr: ReturnType<typeof sql>) => sql<number>`coalesce(sum(${expr}), 0)`;
  const rows = await db
    .select({
      recent: sql<number>`${routes.createTime} >= ${nowSeconds() - WEEK_S}`.as("recent"),
      routes: sql<number>`count(*)`,
      distance: n(sql`${routes.distanceMiles}`),
      durationMs: n(dur),
      timedDistance: n(sql`CASE WHEN ${dur} > 0 THEN ${routes.distanceMiles} END`),
      timedMs: n(sql`CASE WHEN ${dur} > 0 THEN ${dur} END`),
      known: sql<number>`count(${routes.engagedMs})`,
      engagedMs: n(sql`${routes.engagedMs}`),
      shareEngagedMs: n(sql`CASE WHEN ${known} AND ${dur} > 0 THEN ${routes.engagedMs} END`),
      shareMs: n(sql`CASE WHEN ${known} AND ${dur} > 0 THEN ${dur} END`),
      alerts: n(sql`${routes.alertCount}`),
      userFlags: n(sql`${routes.userFlagCount}`),
      engagements: n(sql`${routes.engagementCount}`),
      disengagements: n(sql`${routes.disengagementCount}`),
    })
    .from(routes)
    .where(and(eq(routes.dongleId, dongleId), isNull(routes.deletedAt)))
    .groupBy(sql`recent`);
  const pick = (recent: boolean): Sums => {
    const row = rows.find((r) => !!r.recent === recent);
    if (!row) return ZERO;
    const { recent: _r, ...s } = row;
    return s;
  };
  const week = pick(true);
  return { all: add(pick(false), week), week };
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/** comma's DrivingStatistics totals: distance in miles, minutes, drives. */
const commaTotals = (s: Sums) => ({
  distance: round(s.distance, 3),
  minutes: Math.round(s.durationMs / 60000),
  routes: s.routes,
});

/**
 * /api/v1's totals: comma's plus average speed, engaged time/share and event counts by route-stats.ts's rules.
 * Engaged time, share and events come only from routes whose numbers are known (routes_with_engagement).
 */
const detailedTotals = (s: Sums) => ({
  ...commaTotals(s),
  average_speed_mph: s.timedMs > 0 ? round(s.timedDistance / (s.timedMs / 3_600_000), 3) : 0,
  routes_with_engagement: s.known,
  engaged_minutes: round(s.engagedMs / 60000, 2),
  engaged_share: s.shareMs > 0 ? round(s.shareEngagedMs / s.shareMs, 4) : 0,
  events: { alerts: s.alerts, user_flags: s.userFlags, engagements: s.engagements, disengagements: s.disengagements },
});

/** comma's DrivingStatistics: {all, week} with distance in miles. Its shape must not grow (comma's apps read it). */
export async function drivingStats(db: Db, dongleId: string) {
  const s = await sums(db, dongleId);
  return { all: commaTotals(s.all), week: commaTotals(s.week) };
}

/** The same {all, week} with the detailed totals, for /api/v1. */
export async function detailedDrivingStats(db: Db, dongleId: string) {
  const s = await sums(db, dongleId);
  return { all: detailedTotals(s.all), week: detailedTotals(s.week) };
}

/** The end of the most recent drive with GPS, as comma's DeviceLocation. */
export async function lastLocation(db: Db, dongleId: string) {
  const route = await db.query.routes.findFirst({
    where: and(
      eq(routes.dongleId, dongleId),
      isNull(routes.deletedAt),
      isNotNull(routes.endLat),
      isNotNull(routes.endLng),
    ),
    orderBy: [desc(routes.endTimeMs)],
  });
  if (!route) return null;
  return {
    dongle_id: dongleId,
    lat: route.endLat!,
    lng: route.endLng!,
    time: route.endTimeMs ?? 0,
    accuracy: 0,
    speed: 0,
    bearing: 0,
  };
}

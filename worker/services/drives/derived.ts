/**
 * Reading a drive's derived files (events.json, sprite.jpg: written per segment by the qlog processor at
 * derivedKey) across its segments. Only segments with a qlog can have them; a segment whose qlog is not processed
 * yet (or failed) simply has no object, so it is skipped rather than reported.
 */
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { segments } from "../../db/schema";
import { serveObject } from "./media";
import type { RouteEvent } from "./stats";
import { type RouteRow, derivedKey } from "./views";

async function qlogSegmentNumbers(db: Db, route: RouteRow): Promise<number[]> {
  const rows = await db
    .select({ number: segments.number })
    .from(segments)
    .where(and(eq(segments.dongleId, route.dongleId), eq(segments.logId, route.logId), eq(segments.hasQlog, true)))
    .orderBy(asc(segments.number));
  return rows.map((r) => r.number);
}

/** Every segment's events.json concatenated in segment order (each file is already sorted by time). */
export async function routeEvents(env: Env, db: Db, route: RouteRow): Promise<RouteEvent[]> {
  const numbers = await qlogSegmentNumbers(db, route);
  // Fetched in parallel; Promise.all keeps segment order.
  const perSegment = await Promise.all(
    numbers.map(async (n) => {
      const obj = await env.MEDIA.get(derivedKey(route.dongleId, route.logId, n, "events.json"));
      return obj ? ((await obj.json()) as RouteEvent[]) : [];
    }),
  );
  return perSegment.flat();
}

/**
 * The first segment's sprite.jpg that exists, served like other media (ETag, If-None-Match → 304, Cache-Control);
 * null when no segment has one. Tried in order, one at a time: usually segment 0 has it and that is one R2 read.
 */
export async function routeThumbnail(env: Env, db: Db, route: RouteRow, request: Request): Promise<Response | null> {
  for (const n of await qlogSegmentNumbers(db, route)) {
    const res = await serveObject(env.MEDIA, derivedKey(route.dongleId, route.logId, n, "sprite.jpg"), request);
    if (res) return res;
  }
  return null;
}

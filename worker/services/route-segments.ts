/**
 * A page of routes and the segments of exactly those routes, as two statements that go to D1 in one batch (one
 * round trip). The segments statement repeats the page's filter as a subquery; the row-value
 * `(dongle_id, log_id) IN (…)` form lets SQLite search the (dongle_id, log_id, number) index once per route
 * (comparing a concatenated `dongle_id || '|' || log_id` scanned every segment of the table: 30 ms at 30 000 rows).
 */
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { routes, segments } from "../db/schema";
import type { RouteRow, SegmentNumber } from "./route-views";

/**
 * Lists need only which segments exist: three columns instead of all sixteen. Every cell of a D1 batch result is
 * turned into an object property by the D1 client and back by drizzle, which was a fifth of a list's CPU.
 */
const segmentNumber = { dongleId: segments.dongleId, logId: segments.logId, number: segments.number };

export function routePageQueries(db: Db, where: SQL | undefined, orderBy: SQL[], limit: number) {
  const page = db.select().from(routes).where(where).orderBy(...orderBy).limit(limit);
  const keys = db.select({ dongleId: routes.dongleId, logId: routes.logId }).from(routes).where(where).orderBy(...orderBy).limit(limit);
  const segs = db.select(segmentNumber).from(segments).where(sql`(${segments.dongleId}, ${segments.logId}) IN ${keys}`);
  return [page, segs] as const;
}

/** Segments grouped by route fullname, every route of the page present (possibly with none). */
export function groupSegments(rows: RouteRow[], segs: SegmentNumber[]): Map<string, SegmentNumber[]> {
  const byRoute = new Map<string, SegmentNumber[]>(rows.map((r) => [r.fullname, []]));
  for (const s of segs) byRoute.get(`${s.dongleId}|${s.logId}`)?.push(s);
  return byRoute;
}

/** Segments of routes already loaded (one statement; keys travel as one JSON parameter: D1 binds ≤ 100 values). */
export async function segmentsOfRoutes(db: Db, rows: RouteRow[]): Promise<Map<string, SegmentNumber[]>> {
  if (!rows.length) return new Map();
  const keys = JSON.stringify(rows.map((r) => [r.dongleId, r.logId]));
  const found = await db.select(segmentNumber).from(segments).where(sql`(${segments.dongleId}, ${segments.logId}) IN
    (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(${keys}))`);
  return groupSegments(rows, found);
}

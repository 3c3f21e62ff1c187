/**
 * Segments of a page of routes in one query. The route keys travel as one JSON parameter (json_each) because D1
 * allows at most 100 bound parameters per statement and a page can hold 100 routes.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { segments } from "../db/schema";
import type { RouteRow, SegmentRow } from "./route-views";

export async function segmentsOfRoutes(db: Db, rows: RouteRow[]): Promise<Map<string, SegmentRow[]>> {
  const byRoute = new Map<string, SegmentRow[]>(rows.map((r) => [r.fullname, []]));
  if (!rows.length) return byRoute;
  const keys = JSON.stringify(rows.map((r) => `${r.dongleId}|${r.logId}`));
  const found = await db.select().from(segments)
    .where(sql`${segments.dongleId} || '|' || ${segments.logId} IN (SELECT value FROM json_each(${keys}))`);
  for (const s of found) byRoute.get(`${s.dongleId}|${s.logId}`)?.push(s);
  return byRoute;
}

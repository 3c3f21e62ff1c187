/**
 * A page of routes with the numbers of each route's segments, as one statement: a correlated subquery per route
 * reads the segments(dongle_id, log_id, number) index and returns "0,1,2". Earlier this was a second statement
 * with all segment rows of the page; in a D1 batch every result cell is turned into an object property by the D1
 * client and back by drizzle, and those 30 rows × 16 cells cost more CPU than SQLite spends on the lookups.
 */
import { and, eq, getTableColumns, sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { routes, segments } from "../db/schema";
import type { RouteRow } from "./route-views";

// Plain SQL on purpose: inside the subquery `routes.…` must name the outer query's row.
const segmentNumbers = sql<string | null>`(SELECT group_concat(s.number) FROM segments AS s WHERE s.dongle_id = routes.dongle_id AND s.log_id = routes.log_id)`.as("segment_numbers");

export type ListedRoute = RouteRow & { segmentNumbers: string | null };

export function routePageQuery(db: Db, where: SQL | undefined, orderBy: SQL[], limit: number) {
  return db.select({ ...getTableColumns(routes), segmentNumbers }).from(routes).where(where).orderBy(...orderBy).limit(limit);
}

/** The listed route's segment numbers, ascending ("2,0,1" → [0, 1, 2]). */
export function segmentNumbersOf(route: ListedRoute): number[] {
  return route.segmentNumbers ? route.segmentNumbers.split(",").map(Number).sort((a, b) => a - b) : [];
}

/** One route's segment numbers, ascending. */
export async function segmentNumbersOfRoute(db: Db, route: RouteRow): Promise<number[]> {
  const rows = await db.select({ number: segments.number }).from(segments)
    .where(and(eq(segments.dongleId, route.dongleId), eq(segments.logId, route.logId))).orderBy(segments.number);
  return rows.map((r) => r.number);
}

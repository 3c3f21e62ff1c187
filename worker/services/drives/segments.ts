/**
 * What a listed drive carries (route-lists.ts) and its segment numbers: a correlated subquery per drive reads the
 * segments(dongle_id, log_id, number) index and returns "0,1,2". Earlier this was a second statement with all
 * segment rows of the page; every result cell is serialised by D1 and parsed again in the Worker, and those
 * 30 rows × 16 cells cost more CPU than SQLite spends on the lookups.
 */
import { and, eq, getTableColumns, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { routes, segments } from "../../db/schema";
import type { RouteRow, ViewedRoute } from "./views";

// Plain SQL on purpose: inside the subquery `routes.…` must name the outer query's row.
export const segmentNumbers = sql<
  string | null
>`(SELECT group_concat(s.number) FROM segments AS s WHERE s.dongle_id = routes.dongle_id AND s.log_id = routes.log_id)`.as(
  "segment_numbers",
);

// The columns of ViewedRoute (route-views.ts). Each cell of each listed row is serialised by D1 and parsed again
// here, so the ones no view reads are left out.
const {
  logId: _logId,
  engagedMs: _e,
  alertCount: _a,
  userFlagCount: _u,
  engagementCount: _en,
  disengagementCount: _d,
  deletedAt: _del,
  ...listColumns
} = getTableColumns(routes);
export const LIST_COLUMNS = listColumns;

export type ListedRoute = ViewedRoute & { segmentNumbers: string | null };

/** The listed route's segment numbers, ascending ("2,0,1" → [0, 1, 2]). */
export function segmentNumbersOf(route: ListedRoute): number[] {
  return route.segmentNumbers
    ? route.segmentNumbers
        .split(",")
        .map(Number)
        .sort((a, b) => a - b)
    : [];
}

/** One route's segment numbers, ascending. */
export async function segmentNumbersOfRoute(db: Db, route: RouteRow): Promise<number[]> {
  const rows = await db
    .select({ number: segments.number })
    .from(segments)
    .where(and(eq(segments.dongleId, route.dongleId), eq(segments.logId, route.logId)))
    .orderBy(segments.number);
  return rows.map((r) => r.number);
}

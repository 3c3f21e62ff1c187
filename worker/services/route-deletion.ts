/**
 * Deleting a drive: the route is marked deleted at once (it disappears from every list and link, and later uploads
 * of its files get 412 so the device drops them), then its R2 objects are removed in the background.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { routes, segments, uploadedFiles } from "../db/schema";
import type { RouteRow } from "./route-views";

export async function deleteRoute(env: Env, db: Db, route: RouteRow): Promise<void> {
  await db.batch([
    db.update(routes).set({ deletedAt: Math.floor(Date.now() / 1000), isPublic: false, isPreserved: false }).where(eq(routes.id, route.id)),
    db.delete(uploadedFiles).where(and(eq(uploadedFiles.dongleId, route.dongleId), eq(uploadedFiles.logId, route.logId))),
    db.delete(segments).where(and(eq(segments.dongleId, route.dongleId), eq(segments.logId, route.logId))),
  ]);
}

/** Removes every object under <dongle>/<log_id>/ (uploads and derived files), 1000 keys per call. */
export async function purgeRouteObjects(bucket: R2Bucket, route: RouteRow): Promise<number> {
  let removed = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: `${route.dongleId}/${route.logId}/`, cursor, limit: 1000 });
    if (page.objects.length) await bucket.delete(page.objects.map((o) => o.key));
    removed += page.objects.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return removed;
}

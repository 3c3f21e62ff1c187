/**
 * Deleting a drive. DELETE marks the route deleted in D1 at once (it disappears from every list and link, and later
 * uploads of its files get 412 so the device drops them), removes its segment/file rows, and queues a
 * `purge-route` message; the queue consumer then removes its R2 objects page by page. Going through the queue
 * (not waitUntil) makes the purge durable: a failed page is retried with backoff instead of leaving files behind.
 *
 * Every step is idempotent. DELETE of an already deleted route answers 200 again and re-queues the purge, so a
 * client retrying after a lost response (or after an enqueue that failed) both succeeds and heals the purge.
 */
import { and, eq, gte, lt, sql } from "drizzle-orm";
import { database, type Db } from "../../db/client";
import { devices, fileProcessing, routes, segmentQlogs, segments, uploadedFiles } from "../../db/schema";
import { notFound } from "../../errors";
import type { PurgeRouteMessage } from "../../protocol/queue-messages";
import { auditInsert, auditSource } from "../audit";
import { authorizeRoute, parseRouteName } from "./access";
import type { Principal } from "../principal";

/** One R2 list/delete call handles at most 1000 keys. */
const PAGE = 1000;
/** Pages per queue delivery: bounds one invocation's subrequests; a bigger route continues in a new message. */
export const PURGE_PAGES_PER_MESSAGE = 20;

export const routePrefix = (dongleId: string, logId: string) => `${dongleId}/${logId}/`;

/**
 * Owner, admin or shared-write users of the route's device (and the device itself, as for every write); a user
 * the drive alone is shared with gets 403. authorizeRoute, not loadRouteFor: a deleted drive must stay deletable.
 */
export async function deleteRouteFor(
  env: Env,
  db: Db,
  principal: Principal | null,
  rawName: string,
  req: Request,
): Promise<void> {
  const { fullname, dongleId, logId } = parseRouteName(rawName);
  await authorizeRoute(db, principal, fullname, dongleId, "write");
  const route = await db.query.routes.findFirst({
    columns: { id: true, deletedAt: true },
    where: eq(routes.fullname, fullname),
  });
  if (!route) throw notFound("Route not found", "route_not_found");
  await db.batch([
    // deleted_at keeps its first value: "deleted since" stays true when DELETE is repeated.
    db
      .update(routes)
      .set({ deletedAt: sql`coalesce(${routes.deletedAt}, unixepoch())`, isPublic: false, isPreserved: false })
      .where(eq(routes.id, route.id)),
    ...leftoverRowStatements(db, dongleId, logId),
  ]);
  // Only the first deletion is an event (a repeated DELETE only heals the purge). It goes to the device owner.
  if (route.deletedAt === null) {
    const owner = await db.query.devices.findFirst({
      columns: { ownerId: true },
      where: eq(devices.dongleId, dongleId),
    });
    const source = auditSource(principal, req);
    await auditInsert(db, {
      ...source,
      action: "route.deleted",
      target: { kind: "route", id: fullname },
      userId: owner?.ownerId ?? source.userId,
    });
  }
  const message: PurgeRouteMessage = { type: "purge-route", dongleId, logId };
  await env.UPLOAD_QUEUE.send(message);
}

/**
 * D1 rows a deleted route must not keep: its files and segments (what made it visible), the per-segment qlog
 * metadata and per-file processing notes (derived caches). Also run by the purge, for rows an upload that raced
 * the delete booked afterwards.
 */
export function leftoverRowStatements(db: Db, dongleId: string, logId: string) {
  const prefix = routePrefix(dongleId, logId);
  return [
    db.delete(uploadedFiles).where(and(eq(uploadedFiles.dongleId, dongleId), eq(uploadedFiles.logId, logId))),
    db.delete(segments).where(and(eq(segments.dongleId, dongleId), eq(segments.logId, logId))),
    db.delete(segmentQlogs).where(and(eq(segmentQlogs.dongleId, dongleId), eq(segmentQlogs.logId, logId))),
    // Keys under "<dongle>/<log_id>/" as a primary-key range: "0" is the character after "/".
    db
      .delete(fileProcessing)
      .where(and(gte(fileProcessing.key, prefix), lt(fileProcessing.key, `${prefix.slice(0, -1)}0`))),
  ] as const;
}

export async function isRouteDeleted(env: Env, dongleId: string, logId: string): Promise<boolean> {
  const row = await database(env)
    .select({ deletedAt: routes.deletedAt })
    .from(routes)
    .where(and(eq(routes.dongleId, dongleId), eq(routes.logId, logId)))
    .get();
  return row?.deletedAt != null;
}

export type PurgeOutcome = { state: "done" | "more"; removed: number } | { state: "not-deleted"; removed: 0 };

/**
 * The consumer's side: removes up to `limits.pages` pages of objects under <dongle>/<log_id>/ (uploads and derived
 * files) and the route's leftover rows. Only ever for a route D1 says is deleted, so a stray or forged message
 * cannot destroy a live drive. Lists from the start each page (the previous page is gone by then), so a retry
 * after a failure anywhere simply carries on. "more": objects remain, queue another message.
 */
export async function purgeDeletedRoute(
  env: Env,
  dongleId: string,
  logId: string,
  limits = { pages: PURGE_PAGES_PER_MESSAGE, pageSize: PAGE },
): Promise<PurgeOutcome> {
  if (!(await isRouteDeleted(env, dongleId, logId))) return { state: "not-deleted", removed: 0 };
  const db = database(env);
  await db.batch(leftoverRowStatements(db, dongleId, logId));
  let removed = 0;
  for (let page = 0; page < limits.pages; page++) {
    const listed = await env.MEDIA.list({ prefix: routePrefix(dongleId, logId), limit: limits.pageSize });
    if (listed.objects.length) await env.MEDIA.delete(listed.objects.map((o) => o.key));
    removed += listed.objects.length;
    if (!listed.truncated) return { state: "done", removed };
  }
  return { state: "more", removed };
}

/**
 * For the file consumer: if the file's route was deleted (before or while the file was processed), remove what
 * the upload or the processing left (the stray object, derived files, rows) and report true. Objects beyond one
 * delivery's pages go to a purge message.
 */
export async function purgeIfDeleted(env: Env, dongleId: string, logId: string): Promise<boolean> {
  const outcome = await purgeDeletedRoute(env, dongleId, logId);
  if (outcome.state === "not-deleted") return false;
  if (outcome.state === "more")
    await env.UPLOAD_QUEUE.send({ type: "purge-route", dongleId, logId } satisfies PurgeRouteMessage);
  return true;
}

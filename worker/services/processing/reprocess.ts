/**
 * Admin re-process: rebuild a route from what is in R2. Every uploaded object of the route (listed in R2, plus any
 * uploaded_files row whose object is gone, so the consumer can mark it failed) is booked again exactly as an
 * upload books it (uploaded_files pending, route counters, segment flags; rows recreated if D1 lost them) and
 * re-queued. Processing is idempotent, so this is safe to run at any time, also twice.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { devices, routes, segments, uploadedFiles } from "../../db/schema";
import { ApiError, badRequest, notFound } from "../../errors";
import {
  DONGLE_ID_RE,
  InvalidUploadPathError,
  LOG_ID_RE,
  objectKey,
  parseObjectKey,
  type UploadTarget,
} from "../../protocol/upload-key";
import type { UploadedFileMessage } from "../../protocol/queue-messages";
import { kindColumns, routeFullname } from "../devices/uploads";

/** Queues.sendBatch takes at most 100 messages. */
const SEND_BATCH = 100;

export interface ReprocessResult {
  fullname: string;
  /** Messages queued (one per object). */
  enqueued: number;
  /** Keys whose uploaded_files row exists but whose object is missing from R2 (they will be marked failed). */
  missing: string[];
}

/** "dongle|log_id" (as in comma's API; `%7C` is decoded by the router) → its parts, validated. */
export function parseFullname(fullname: string): { dongleId: string; logId: string } {
  const [dongleId, logId, extra] = fullname.split("|");
  if (extra !== undefined || !DONGLE_ID_RE.test(dongleId ?? "") || !LOG_ID_RE.test(logId ?? "")) {
    throw badRequest("invalid_route", "route name must be <dongle_id>|<log_id>");
  }
  return { dongleId, logId };
}

async function listRouteObjects(bucket: R2Bucket, prefix: string): Promise<R2Object[]> {
  const out: R2Object[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    out.push(...page.objects);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out;
}

/** Upload objects only (derived coords.json/events.json/sprite.jpg share the prefix but are not upload files). */
function uploadTarget(key: string): UploadTarget | null {
  try {
    return parseObjectKey(key).target;
  } catch (err) {
    if (err instanceof InvalidUploadPathError) return null;
    throw err;
  }
}

export async function reprocessRoute(env: Env, db: Db, fullname: string): Promise<ReprocessResult> {
  const { dongleId, logId } = parseFullname(fullname);
  const route = await db.query.routes.findFirst({ columns: { deletedAt: true }, where: eq(routes.fullname, fullname) });
  if (route?.deletedAt) throw new ApiError(409, "route_deleted", "This route was deleted; it is not re-processed");
  const device = await db.query.devices.findFirst({
    columns: { dongleId: true },
    where: eq(devices.dongleId, dongleId),
  });
  if (!device) throw notFound("No such route");

  const objects = (await listRouteObjects(env.MEDIA, `${dongleId}/${logId}/`))
    .map((o) => ({ object: o, target: uploadTarget(o.key) }))
    .filter((x): x is { object: R2Object; target: UploadTarget } => x.target !== null && x.target.logId === logId);
  const booked = await db
    .select({
      key: uploadedFiles.key,
      kind: uploadedFiles.kind,
      segment: uploadedFiles.segment,
      fileName: uploadedFiles.fileName,
      size: uploadedFiles.size,
    })
    .from(uploadedFiles)
    .where(and(eq(uploadedFiles.dongleId, dongleId), eq(uploadedFiles.logId, logId)));
  if (!objects.length && !booked.length) throw notFound("No such route");

  const inR2 = new Set(objects.map((o) => o.object.key));
  const missing = booked.filter((b) => !inR2.has(b.key));
  const statements = [];
  statements.push(
    db
      .insert(routes)
      .values({ dongleId, logId, fullname: routeFullname(dongleId, logId) })
      .onConflictDoNothing(),
  );
  const messages: UploadedFileMessage[] = [];
  for (const { object, target } of objects) {
    if (target.logId === null) continue;
    const key = objectKey(dongleId, target);
    const cols = kindColumns[target.kind];
    statements.push(
      db
        .insert(uploadedFiles)
        .values({
          key,
          dongleId,
          logId,
          segment: target.segment,
          fileName: target.fileName,
          kind: target.kind,
          size: object.size,
          etag: object.etag,
          state: "pending",
        })
        .onConflictDoUpdate({
          target: uploadedFiles.key,
          set: { size: object.size, etag: object.etag, state: "pending", failReason: null },
        }),
    );
    statements.push(
      db
        .update(routes)
        .set({ [cols.route]: sql`MAX(${routes[cols.route]}, ${target.segment})` })
        .where(eq(routes.fullname, fullname)),
    );
    statements.push(
      db
        .insert(segments)
        .values({ dongleId, logId, number: target.segment, [cols.segment]: true })
        .onConflictDoUpdate({
          target: [segments.dongleId, segments.logId, segments.number],
          set: { [cols.segment]: true, state: "pending", updatedAt: sql`(unixepoch())` },
        }),
    );
    messages.push({
      type: "file",
      key,
      dongleId,
      logId,
      segment: target.segment,
      kind: target.kind,
      fileName: target.fileName,
      size: object.size,
    });
  }
  for (const b of missing) {
    statements.push(
      db.update(uploadedFiles).set({ state: "pending", failReason: null }).where(eq(uploadedFiles.key, b.key)),
    );
    messages.push({
      type: "file",
      key: b.key,
      dongleId,
      logId,
      segment: b.segment,
      kind: b.kind,
      fileName: b.fileName,
      size: b.size,
    });
  }
  await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
  for (let i = 0; i < messages.length; i += SEND_BATCH) {
    await env.UPLOAD_QUEUE.sendBatch(messages.slice(i, i + SEND_BATCH).map((body) => ({ body })));
  }
  return { fullname, enqueued: messages.length, missing: missing.map((b) => b.key) };
}

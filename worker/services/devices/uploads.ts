/**
 * Device uploads: signed upload URLs and the PUT that streams a file into R2.
 * The device's uploader counts 200/201/401/403/412 as "done" and deletes nothing but stops retrying, so every
 * failure here that is not the device's final answer must be another status (400 for a bad signature).
 */
import { recordUpload as recordUploadMetric } from "../../observability/metrics";
import { eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { database } from "../../db/client";
import { devices, routes, segments, uploadedFiles } from "../../db/schema";
import { ApiError, badRequest } from "../../errors";
import { checkSignature, signPath } from "../../protocol/signed-url";
import {
  InvalidUploadPathError,
  objectKey,
  parseObjectKey,
  parseUploadPath,
  type UploadTarget,
} from "../../protocol/upload-key";
import type { UploadedFileMessage } from "../../protocol/queue-messages";

export const DEVICE_UPLOAD_URL_TTL_S = 3600;
/** Web apps queue athena uploads that may wait for days until the device is on Wi-Fi. */
export const BATCH_UPLOAD_URL_DEFAULT_DAYS = 7;
export const BATCH_UPLOAD_URL_MAX_DAYS = 30;
export const UPLOAD_PATH_PREFIX = "/upload/v1/";

export class UploadIgnoredError extends ApiError {
  constructor(message: string) {
    super(412, "upload_ignored", message);
  }
}

export function parseTarget(path: string): UploadTarget {
  try {
    return parseUploadPath(path);
  } catch (err) {
    if (err instanceof InvalidUploadPathError) throw badRequest("invalid_path", err.message);
    throw err;
  }
}

export function routeFullname(dongleId: string, logId: string) {
  return `${dongleId}|${logId}`;
}

/**
 * 412 tells the device to mark a file uploaded and never try again: used for devices set to ignore uploads
 * and for routes the owner deleted (a deleted route must not come back).
 */
export async function assertUploadWanted(db: Db, dongleId: string, target: UploadTarget, ignoreUploads: boolean) {
  if (ignoreUploads) throw new UploadIgnoredError("Uploads from this device are disabled");
  if (target.logId === null) return;
  const route = await db.query.routes.findFirst({
    columns: { deletedAt: true },
    where: eq(routes.fullname, routeFullname(dongleId, target.logId)),
  });
  if (route?.deletedAt) throw new UploadIgnoredError("This route was deleted");
}

export async function signedUploadUrl(
  env: Env,
  origin: string,
  dongleId: string,
  target: UploadTarget,
  ttlSeconds: number,
) {
  const urlPath = UPLOAD_PATH_PREFIX + objectKey(dongleId, target);
  const { exp, sig } = await signPath(env.URL_SIGNING_SECRET, "upload", urlPath, ttlSeconds);
  return { url: `${origin}${urlPath}?exp=${exp}&sig=${sig}`, headers: { "Content-Type": "application/octet-stream" } };
}

/** Which route counter and segment flag each kind of file moves. */
export const kindColumns = {
  qlog: { route: "maxqlog", segment: "hasQlog" },
  rlog: { route: "maxlog", segment: "hasRlog" },
  qcamera: { route: "maxqcamera", segment: "hasQcamera" },
  fcamera: { route: "maxcamera", segment: "hasFcamera" },
  ecamera: { route: "maxecamera", segment: "hasEcamera" },
  dcamera: { route: "maxdcamera", segment: "hasDcamera" },
} as const;

/**
 * Streams a PUT body into R2 under the key its signed path names. R2 writes an object atomically, so a body that
 * ends early (client gone, short Content-Length) leaves nothing visible. A re-upload of identical bytes is a no-op.
 */
export async function receiveUpload(
  env: Env,
  urlPath: string,
  query: { exp?: string; sig?: string },
  request: Request,
  /** Runs once the URL is known to be ours (signature and path checked), before anything is read or stored. */
  beforeStore?: (dongleId: string) => Promise<void>,
) {
  const check = await checkSignature(env.URL_SIGNING_SECRET, "upload", urlPath, query.exp, query.sig);
  if (check !== "ok") {
    throw badRequest(
      `${check}_signature`,
      check === "expired" ? "Upload URL has expired; request a new one" : "Upload URL signature is missing or invalid",
    );
  }
  let parsed;
  try {
    parsed = parseObjectKey(urlPath.slice(UPLOAD_PATH_PREFIX.length));
  } catch (err) {
    throw badRequest("invalid_path", err instanceof Error ? err.message : "invalid path");
  }
  const { dongleId, target } = parsed;
  await beforeStore?.(dongleId);
  const key = objectKey(dongleId, target);
  const db = database(env);
  const device = await db.query.devices.findFirst({
    columns: { dongleId: true },
    where: eq(devices.dongleId, dongleId),
  });
  if (!device) throw badRequest("unknown_device", "The device of this upload URL no longer exists");
  // Signed URLs live for hours (days for web apps' batches): one issued before the route was deleted must not
  // bring a file of it back. Checked before the bytes are stored.
  await assertUploadWanted(db, dongleId, target, false);

  const length = request.headers.get("Content-Length");
  if (length === null || !/^[0-9]+$/.test(length))
    throw new ApiError(411, "length_required", "Content-Length is required");
  if (!request.body || length === "0") throw badRequest("empty_upload", "The upload body is empty");

  const previous = await env.MEDIA.head(key);
  let object: R2Object;
  try {
    // FixedLengthStream gives R2 the length it needs for a streamed put and errors if the body is short or long,
    // so a truncated upload fails the put and never becomes visible. The body is never buffered.
    const sized = new FixedLengthStream(Number(length));
    const piping = request.body.pipeTo(sized.writable).catch(() => undefined);
    object = await env.MEDIA.put(key, sized.readable, {
      httpMetadata: { contentType: contentTypeFor(target.fileName) },
      customMetadata: { dongleId },
    });
    await piping;
  } catch (err) {
    console.warn("upload stream failed", key, err);
    throw badRequest("incomplete_upload", "The upload body ended before Content-Length bytes arrived");
  }
  if (previous && previous.etag === object.etag && previous.size === object.size) {
    return { key, size: object.size, duplicate: true };
  }
  await recordUpload(env, db, dongleId, target, key, object);
  return { key, size: object.size, duplicate: false };
}

export function contentTypeFor(fileName: string): string {
  if (fileName.endsWith(".ts")) return "video/mp2t";
  if (fileName.endsWith(".hevc")) return "video/hevc";
  return "application/octet-stream";
}

/** Books the file in D1 (route and segment rows appear as soon as any file of theirs arrives) and queues it. */
export async function recordUpload(
  env: Env,
  db: Db,
  dongleId: string,
  target: UploadTarget,
  key: string,
  object: R2Object,
) {
  const statements = [];
  statements.push(
    db
      .insert(uploadedFiles)
      .values({
        key,
        dongleId,
        logId: target.logId,
        segment: target.segment,
        fileName: target.fileName,
        kind: target.kind,
        size: object.size,
        etag: object.etag,
        state: "pending",
      })
      .onConflictDoUpdate({
        target: uploadedFiles.key,
        set: {
          size: object.size,
          etag: object.etag,
          state: "pending",
          failReason: null,
          uploadedAt: sql`(unixepoch())`,
        },
      }),
  );
  if (target.logId !== null) {
    const cols = kindColumns[target.kind];
    const fullname = routeFullname(dongleId, target.logId);
    const counter = routes[cols.route];
    // One upsert, and no write at all when the counter already covers this segment (D1 bills every row written,
    // a no-op UPDATE included): the route row and its indexes are written for a new route or a higher segment only.
    statements.push(
      db
        .insert(routes)
        .values({ dongleId, logId: target.logId, fullname, [cols.route]: target.segment })
        .onConflictDoUpdate({
          target: routes.fullname,
          set: { [cols.route]: sql`MAX(${counter}, ${target.segment})` },
          setWhere: sql`${counter} < ${target.segment}`,
        }),
    );
    statements.push(
      db
        .insert(segments)
        .values({ dongleId, logId: target.logId, number: target.segment, [cols.segment]: true })
        // A new file puts the segment back to pending until the consumer has processed it (services/processing/state.ts).
        .onConflictDoUpdate({
          target: [segments.dongleId, segments.logId, segments.number],
          set: { [cols.segment]: true, state: "pending", updatedAt: sql`(unixepoch())` },
        }),
    );
  }
  await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
  const message: UploadedFileMessage = {
    type: "file",
    key,
    dongleId,
    logId: target.logId,
    segment: target.segment,
    kind: target.kind,
    fileName: target.fileName,
    size: object.size,
  };
  await env.UPLOAD_QUEUE.send(message);
  recordUploadMetric(env, target.kind, object.size);
}

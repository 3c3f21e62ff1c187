/**
 * Resumable chunked imports: people copy old drives off a device and upload each file here in parts.
 * A session is an R2 multipart upload under a staging key (imports/<id>); completing it verifies the whole file's
 * SHA-256 before the bytes reach the file's real key, then books it exactly like a device upload (recordUpload).
 * Staging keeps a bad or half-done import from ever replacing a good file the device already uploaded.
 * Completion lives in import-complete.ts; the chunk rules in import-plan.ts.
 */
import { and, asc, eq, inArray, lt, or } from "drizzle-orm";
import { database, type Db } from "../../db/client";
import { importUploadParts, importUploads } from "../../db/schema";
import type { UserRow } from "../../db/types";
import { ApiError, badRequest, notFound } from "../../errors";
import { fromBase64, randomHex, toHex } from "../../lib/encoding";
import { nowSeconds } from "../../lib/time";
import { objectKey, type UploadTarget } from "../../protocol/upload-key";
import { loadDeviceFor } from "../access";
import { MAX_IMPORT_SIZE, partLength, planChunks } from "./plan";
import { assertUploadWanted, parseTarget, UploadIgnoredError } from "../devices/uploads";

export type ImportRow = typeof importUploads.$inferSelect;

/** R2 aborts incomplete multipart uploads 7 days after creation: stop a day earlier, so we never offer a resume R2 dropped. */
export const IMPORT_TTL_S = 6 * 86400;
/** Finished sessions stay a day, so a complete retried after a lost response gets the same answer. */
export const FINISHED_TTL_S = 86400;
/** One complete request holds this while it assembles, hashes and copies; a crashed attempt can be retried after it. */
export const COMPLETE_LEASE_S = 10 * 60;

export const stagingKey = (id: string) => `imports/${id}`;

export interface ImportInit {
  dongle_id: string;
  path: string;
  size: number;
  sha256: string;
  chunk_size?: number;
}

/** A deleted route must never come back, not even through an import. */
export async function assertRouteNotDeleted(db: Db, dongleId: string, target: UploadTarget) {
  try {
    await assertUploadWanted(db, dongleId, target, false);
  } catch (err) {
    if (err instanceof UploadIgnoredError)
      throw new ApiError(409, "route_deleted", "This route was deleted; its files cannot be imported again");
    throw err;
  }
}

const liveFor = (dongleId: string, key: string, size: number, sha256: string) =>
  and(
    eq(importUploads.dongleId, dongleId),
    eq(importUploads.objectKey, key),
    eq(importUploads.size, size),
    eq(importUploads.sha256, sha256),
    inArray(importUploads.state, ["open", "completing"]),
  );

/** Starts an import, or returns the live one for the same file (a client restarting after a crash resumes). */
export async function initImport(env: Env, db: Db, user: UserRow, input: ImportInit): Promise<ImportRow> {
  const { device } = await loadDeviceFor(db, { kind: "user", user }, input.dongle_id, "write");
  const target = parseTarget(input.path);
  if (input.size > MAX_IMPORT_SIZE)
    throw new ApiError(413, "file_too_large", `Imports are limited to ${MAX_IMPORT_SIZE} bytes per file`);
  await assertRouteNotDeleted(db, device.dongleId, target);
  const key = objectKey(device.dongleId, target);
  const sha256 = input.sha256.toLowerCase();

  const live = await db.query.importUploads.findFirst({ where: liveFor(device.dongleId, key, input.size, sha256) });
  if (live && live.expiresAt > nowSeconds()) return live;
  if (live) await failImport(env, db, live, "expired");

  const id = randomHex(16);
  const plan = planChunks(input.size, input.chunk_size);
  const upload = await env.MEDIA.createMultipartUpload(stagingKey(id));
  const [row] = await db
    .insert(importUploads)
    .values({
      id,
      dongleId: device.dongleId,
      userId: user.id,
      path: input.path.trim(),
      objectKey: key,
      size: input.size,
      sha256,
      chunkSize: plan.chunkSize,
      chunkCount: plan.chunkCount,
      r2UploadId: upload.uploadId,
      expiresAt: nowSeconds() + IMPORT_TTL_S,
    })
    .onConflictDoNothing()
    .returning();
  if (row) return row;
  // A concurrent init of the same file won the unique index: use its session and drop our multipart upload.
  await upload.abort().catch(() => undefined);
  const winner = await db.query.importUploads.findFirst({ where: liveFor(device.dongleId, key, input.size, sha256) });
  if (!winner)
    throw new ApiError(409, "upload_conflict", "Another request changed this import at the same time; retry");
  return winner;
}

/**
 * Loads a session for a caller who may write to its device (checked on every request, so revoking a share stops
 * an import). Callers without any access see 404, like for the device itself.
 */
export async function loadImportFor(db: Db, user: UserRow, id: string): Promise<ImportRow> {
  const row = await db.query.importUploads.findFirst({ where: eq(importUploads.id, id) });
  if (!row) throw notFound("Upload not found", "upload_not_found");
  try {
    await loadDeviceFor(db, { kind: "user", user }, row.dongleId, "write");
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw notFound("Upload not found", "upload_not_found");
    throw err;
  }
  return row;
}

export async function partsOf(db: Db, id: string) {
  return db
    .select()
    .from(importUploadParts)
    .where(eq(importUploadParts.uploadId, id))
    .orderBy(asc(importUploadParts.partNumber));
}

export function importView(row: ImportRow, received: number[]) {
  return {
    upload_id: row.id,
    dongle_id: row.dongleId,
    path: row.path,
    key: row.objectKey,
    size: row.size,
    sha256: row.sha256,
    chunk_size: row.chunkSize,
    chunk_count: row.chunkCount,
    state: row.state,
    expires_at: row.expiresAt,
    received,
  };
}

const leaseHeld = (row: ImportRow) => row.state === "completing" && (row.leaseUntil ?? 0) > nowSeconds();

/** The errors for a session that no longer takes parts, shared by chunk, complete and cancel. */
export function assertNotFinished(row: ImportRow) {
  if (row.state === "completed") throw new ApiError(409, "upload_completed", "This upload is already complete");
  if (row.state === "failed") {
    const code = row.failReason === "expired" ? "upload_expired" : "upload_failed";
    throw new ApiError(410, code, `This upload ended (${row.failReason ?? "failed"}); start a new one`);
  }
  if (leaseHeld(row))
    throw new ApiError(409, "upload_busy", "This upload is being completed; retry shortly", { "Retry-After": "5" });
}

/** R2's answer when a multipart upload was aborted (by us, or by its 7-day lifecycle) or already completed. */
export const isNoSuchUpload = (err: unknown) => /10024|NoSuchUpload|multipart upload does not exist/i.test(String(err));

/**
 * Streams one part into R2 (never buffered: FixedLengthStream gives R2 the exact length it needs) and books its
 * etag. Every part's length is fixed by the plan, so a wrong Content-Length is refused before reading anything.
 * An optional per-part digest (`Content-Digest: sha-256=:<base64>:` or `X-Content-SHA256: <hex>`) is computed on
 * the way through by a DigestStream, also without buffering.
 */
export async function receiveChunk(env: Env, db: Db, row: ImportRow, part: number, request: Request) {
  assertNotFinished(row);
  if (row.state !== "open")
    throw new ApiError(409, "upload_busy", "A complete request was interrupted; call complete again");
  if (row.expiresAt <= nowSeconds()) {
    await failImport(env, db, row, "expired");
    throw new ApiError(410, "upload_expired", "This upload expired; start a new one");
  }
  if (!Number.isInteger(part) || part < 1 || part > row.chunkCount) {
    throw badRequest("invalid_part", `part must be between 1 and ${row.chunkCount}`);
  }
  const expected = partLength(row, part);
  const length = request.headers.get("Content-Length");
  if (length === null || !/^[0-9]+$/.test(length))
    throw new ApiError(411, "length_required", "Content-Length is required");
  if (Number(length) !== expected) {
    throw badRequest("chunk_size_mismatch", `Part ${part} must be exactly ${expected} bytes, got ${length}`);
  }
  if (!request.body)
    throw badRequest("chunk_size_mismatch", `Part ${part} must be exactly ${expected} bytes, got none`);
  const wanted = declaredDigest(request.headers);

  const sized = new FixedLengthStream(expected);
  const digest = wanted ? new crypto.DigestStream("SHA-256") : null;
  const meter = passThrough(digest);
  // Errors of this pipe surface through uploadPart; the meter says whether the body fell short.
  const piping = request.body
    .pipeThrough(meter.stream)
    .pipeTo(sized.writable)
    .catch(() => undefined);
  let uploaded: R2UploadedPart;
  try {
    uploaded = await env.MEDIA.resumeMultipartUpload(stagingKey(row.id), row.r2UploadId).uploadPart(
      part,
      sized.readable,
    );
  } catch (err) {
    await piping;
    if (isNoSuchUpload(err)) {
      await failImport(env, db, row, "expired");
      throw new ApiError(410, "upload_expired", "Storage no longer has this upload; start a new one");
    }
    if (meter.bytes() < expected)
      throw badRequest("incomplete_chunk", "The chunk body ended before Content-Length bytes arrived");
    throw err;
  }
  await piping;
  if (digest && toHex(await digest.digest) !== wanted) {
    // R2 now holds these bad bytes as the part: forget the old etag too, so complete cannot use a stale one.
    await db
      .delete(importUploadParts)
      .where(and(eq(importUploadParts.uploadId, row.id), eq(importUploadParts.partNumber, part)));
    throw badRequest("chunk_checksum_mismatch", `Part ${part} does not match its declared SHA-256; send it again`);
  }
  await db
    .insert(importUploadParts)
    .values({ uploadId: row.id, partNumber: part, etag: uploaded.etag, size: expected })
    .onConflictDoUpdate({
      target: [importUploadParts.uploadId, importUploadParts.partNumber],
      set: { etag: uploaded.etag, size: expected, receivedAt: nowSeconds() },
    });
  return { part, size: expected };
}

/**
 * Counts the bytes on their way to R2 (a client that disconnects can look like a short but clean end of body)
 * and, when a digest was declared, copies them into the DigestStream, whose backpressure is negligible.
 */
function passThrough(digest: DigestStream | null) {
  let count = 0;
  const writer = digest?.getWriter();
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      count += chunk.byteLength;
      await writer?.write(chunk);
      controller.enqueue(chunk);
    },
    flush: () => writer?.close(),
  });
  return { stream, bytes: () => count };
}

function declaredDigest(headers: Headers): string | null {
  const hex = headers.get("X-Content-SHA256");
  if (hex !== null) {
    if (!/^[0-9a-fA-F]{64}$/.test(hex.trim()))
      throw badRequest("invalid_digest", "X-Content-SHA256 must be 64 hex characters");
    return hex.trim().toLowerCase();
  }
  const header = headers.get("Content-Digest");
  if (header === null) return null;
  // RFC 9530: a dictionary such as `sha-256=:<base64>:`; other algorithms are ignored rather than refused.
  const m = /(?:^|,)\s*sha-256\s*=\s*:([A-Za-z0-9+/=]+):/i.exec(header);
  if (!m) return null;
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(m[1]);
  } catch {
    throw badRequest("invalid_digest", "Content-Digest sha-256 is not valid base64");
  }
  if (bytes.length !== 32) throw badRequest("invalid_digest", "Content-Digest sha-256 must be 32 bytes");
  return toHex(bytes);
}

async function abortQuietly(env: Env, row: ImportRow) {
  // Already aborted or completed multipart uploads throw here; either way nothing is left to abort.
  await env.MEDIA.resumeMultipartUpload(stagingKey(row.id), row.r2UploadId)
    .abort()
    .catch(() => undefined);
}

/** Ends a session for good: nothing of it stays in R2, its parts are forgotten, the row answers 410 for a day. */
export async function failImport(env: Env, db: Db, row: ImportRow, reason: string) {
  await abortQuietly(env, row);
  await env.MEDIA.delete(stagingKey(row.id));
  await db.batch([
    db.delete(importUploadParts).where(eq(importUploadParts.uploadId, row.id)),
    db
      .update(importUploads)
      .set({ state: "failed", failReason: reason, leaseUntil: null, expiresAt: nowSeconds() + FINISHED_TTL_S })
      .where(eq(importUploads.id, row.id)),
  ]);
}

/** Aborts and forgets a session. Refused while a complete holds the lease, and once the file is in place. */
export async function cancelImport(env: Env, db: Db, row: ImportRow) {
  if (row.state === "completed") throw new ApiError(409, "upload_completed", "This upload is already complete");
  // Delete the row first (conditionally, against a complete claiming the lease meanwhile) so no part can be booked after.
  const gone = await db
    .delete(importUploads)
    .where(
      and(
        eq(importUploads.id, row.id),
        or(
          inArray(importUploads.state, ["open", "failed"]),
          and(eq(importUploads.state, "completing"), lt(importUploads.leaseUntil, nowSeconds())),
        ),
      ),
    )
    .returning({ id: importUploads.id });
  if (gone.length === 0)
    throw new ApiError(409, "upload_busy", "This upload is being completed; retry shortly", { "Retry-After": "5" });
  await abortQuietly(env, row);
  await env.MEDIA.delete(stagingKey(row.id));
}

/** Cron: drop expired sessions with whatever they left in R2. Batches of 50 stay under D1's 100 bound parameters. */
export async function sweepImports(env: Env, now = nowSeconds()) {
  const db = database(env);
  const expired = await db.select().from(importUploads).where(lt(importUploads.expiresAt, now)).limit(50);
  if (expired.length === 0) return 0;
  for (const row of expired) if (row.state === "open" || row.state === "completing") await abortQuietly(env, row);
  await env.MEDIA.delete(expired.map((r) => stagingKey(r.id)));
  await db.delete(importUploads).where(
    inArray(
      importUploads.id,
      expired.map((r) => r.id),
    ),
  );
  return expired.length;
}

/**
 * Completing an import: assemble the parts under the staging key, check size and the client's SHA-256 by
 * streaming the assembled object through a DigestStream (WebCrypto's digest() would need the whole file in
 * memory), and only then copy it to the file's real key and book it like a device upload. A mismatch leaves
 * nothing behind: the staging object is deleted, the real key was never touched, nothing is recorded.
 *
 * Every step can be retried: a lease keeps two completes apart, and a retry after a crash resumes from the
 * staged object (assembled already) or re-copies it (put and recordUpload are idempotent).
 */
import { and, eq, lt, or } from "drizzle-orm";
import type { Db } from "../../db/client";
import { importUploadParts, importUploads } from "../../db/schema";
import { ApiError } from "../../errors";
import { toHex } from "../../lib/encoding";
import { nowSeconds } from "../../lib/time";
import {
  COMPLETE_LEASE_S,
  FINISHED_TTL_S,
  assertNotFinished,
  assertRouteNotDeleted,
  failImport,
  isNoSuchUpload,
  partsOf,
  stagingKey,
  type ImportRow,
} from "./imports";
import { contentTypeFor, parseTarget, recordUpload } from "../devices/uploads";

export interface ImportResult {
  key: string;
  size: number;
  sha256: string;
}

const resultOf = (row: ImportRow): ImportResult => ({ key: row.objectKey, size: row.size, sha256: row.sha256 });

export async function completeImport(env: Env, db: Db, row: ImportRow): Promise<ImportResult> {
  if (row.state === "completed") return resultOf(row); // a retry whose first answer was lost
  assertNotFinished(row);
  if (row.expiresAt <= nowSeconds()) {
    await failImport(env, db, row, "expired");
    throw new ApiError(410, "upload_expired", "This upload expired; start a new one");
  }
  const parts = await partsOf(db, row.id);
  const have = new Set(parts.map((p) => p.partNumber));
  const missing = Array.from({ length: row.chunkCount }, (_, i) => i + 1).filter((n) => !have.has(n));
  if (missing.length > 0) {
    const list = missing.length > 20 ? `${missing.slice(0, 20).join(", ")}, …` : missing.join(", ");
    throw new ApiError(409, "upload_incomplete", `Missing parts: ${list}`);
  }
  const target = parseTarget(row.path);
  await assertRouteNotDeleted(db, row.dongleId, target);
  if (!(await claimLease(db, row.id))) {
    throw new ApiError(409, "upload_busy", "This upload is being completed; retry shortly", { "Retry-After": "5" });
  }

  try {
    const staged = await assemble(env, db, row, parts);
    const problem = await verify(env, row, staged);
    if (problem) {
      await failImport(env, db, row, problem.code);
      throw new ApiError(422, problem.code, problem.message);
    }
    const source = await env.MEDIA.get(stagingKey(row.id));
    if (!source) throw new Error(`staged import ${row.id} vanished`);
    // R2 checks the sha256 again while copying, so the real key can only ever receive the verified bytes.
    const object = await env.MEDIA.put(row.objectKey, source.body, {
      sha256: row.sha256,
      httpMetadata: { contentType: contentTypeFor(target.fileName) },
      customMetadata: { dongleId: row.dongleId },
    });
    await recordUpload(env, db, row.dongleId, target, row.objectKey, object);
    await db
      .update(importUploads)
      .set({ state: "completed", leaseUntil: null, expiresAt: nowSeconds() + FINISHED_TTL_S })
      .where(eq(importUploads.id, row.id));
    await env.MEDIA.delete(stagingKey(row.id));
    return resultOf(row);
  } catch (err) {
    // Hand the lease back at once so the client's retry resumes instead of waiting it out (no-op after failImport).
    await db
      .update(importUploads)
      .set({ leaseUntil: 0 })
      .where(and(eq(importUploads.id, row.id), eq(importUploads.state, "completing")));
    throw err;
  }
}

/** Atomically moves open → completing (or takes over a lapsed lease); false when another request holds it. */
async function claimLease(db: Db, id: string): Promise<boolean> {
  const now = nowSeconds();
  const claimed = await db
    .update(importUploads)
    .set({ state: "completing", leaseUntil: now + COMPLETE_LEASE_S })
    .where(
      and(
        eq(importUploads.id, id),
        or(
          eq(importUploads.state, "open"),
          and(eq(importUploads.state, "completing"), lt(importUploads.leaseUntil, now)),
        ),
      ),
    )
    .returning({ id: importUploads.id });
  return claimed.length === 1;
}

/** The staged object, assembling it from the parts unless an earlier attempt already did. */
async function assemble(
  env: Env,
  db: Db,
  row: ImportRow,
  parts: { partNumber: number; etag: string }[],
): Promise<R2Object> {
  const staged = await env.MEDIA.head(stagingKey(row.id));
  if (staged) return staged;
  try {
    return await env.MEDIA.resumeMultipartUpload(stagingKey(row.id), row.r2UploadId).complete(
      parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
    );
  } catch (err) {
    if (isNoSuchUpload(err)) {
      await failImport(env, db, row, "expired");
      throw new ApiError(410, "upload_expired", "Storage no longer has this upload; start a new one");
    }
    // R2 refused our part list (a part replaced by a concurrent re-send): the upload itself is intact, so reopen
    // it with no parts booked and let the client send them all again.
    console.warn("import assembly refused", row.id, err);
    await db.batch([
      db.delete(importUploadParts).where(eq(importUploadParts.uploadId, row.id)),
      db
        .update(importUploads)
        .set({ state: "open", leaseUntil: null })
        .where(and(eq(importUploads.id, row.id), eq(importUploads.state, "completing"))),
    ]);
    throw new ApiError(
      409,
      "assembly_failed",
      "Storage refused the uploaded parts; send all parts again, then complete",
    );
  }
}

async function verify(env: Env, row: ImportRow, staged: R2Object): Promise<{ code: string; message: string } | null> {
  if (staged.size !== row.size) {
    return { code: "size_mismatch", message: `The assembled file has ${staged.size} bytes, expected ${row.size}` };
  }
  const object = await env.MEDIA.get(stagingKey(row.id));
  if (!object) throw new Error(`staged import ${row.id} vanished`);
  const digest = new crypto.DigestStream("SHA-256");
  await object.body.pipeTo(digest);
  const actual = toHex(await digest.digest);
  if (actual !== row.sha256) {
    return {
      code: "checksum_mismatch",
      message: `The file's SHA-256 is ${actual}, expected ${row.sha256}; nothing was stored`,
    };
  }
  return null;
}

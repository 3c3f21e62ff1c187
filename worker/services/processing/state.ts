/**
 * Processing state. uploaded_files holds each file's state (pending/done/failed + fail_reason); a segment's state
 * is derived from its files in SQL (failed if any file failed, else pending if any is pending, else done), so it
 * is right whatever order the files are processed in and whichever consumer finished last.
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { type Db, database } from "../../db/client";
import { fileProcessing, segments, uploadedFiles } from "../../db/schema";
import type { UploadedFileMessage } from "../../protocol/queue-messages";

export type Statement = BatchItem<"sqlite">;

/** Keep reasons readable in lists and bounded in D1. */
const MAX_REASON = 500;
export const reasonText = (e: unknown): string => {
  const s = e instanceof Error ? e.message : String(e);
  return s.length > MAX_REASON ? `${s.slice(0, MAX_REASON - 1)}…` : s;
};

export function fileStateStatements(
  db: Db,
  msg: UploadedFileMessage,
  attempts: number,
  outcome: { state: "done"; info: unknown } | { state: "failed"; reason: string },
): Statement[] {
  const failReason = outcome.state === "failed" ? outcome.reason : null;
  const info = outcome.state === "done" ? (outcome.info ?? {}) : null;
  const processed = { info, attempts, lastError: null, processedAt: sql`unixepoch()` };
  const stmts: Statement[] = [
    db.update(uploadedFiles).set({ state: outcome.state, failReason }).where(eq(uploadedFiles.key, msg.key)),
    db
      .insert(fileProcessing)
      .values({ key: msg.key, ...processed })
      .onConflictDoUpdate({ target: fileProcessing.key, set: processed }),
  ];
  if (msg.logId !== null && msg.segment !== null)
    stmts.push(segmentStateStatement(db, msg.dongleId, msg.logId, msg.segment));
  return stmts;
}

/** The files of the segment row being updated, in a correlated subquery. */
const filesOfSegment = (state: "failed" | "pending") =>
  sql`FROM ${uploadedFiles} WHERE ${uploadedFiles.dongleId} = ${segments.dongleId} AND ${uploadedFiles.logId} = ${segments.logId}
      AND ${uploadedFiles.segment} = ${segments.number} AND ${uploadedFiles.state} = ${state}`;

export function segmentStateStatement(db: Db, dongleId: string, logId: string, segment: number): Statement {
  return db
    .update(segments)
    .set({
      state: sql`CASE WHEN EXISTS (SELECT 1 ${filesOfSegment("failed")}) THEN 'failed'
                      WHEN EXISTS (SELECT 1 ${filesOfSegment("pending")}) THEN 'pending' ELSE 'done' END`,
      failReason: sql`(SELECT group_concat(${uploadedFiles.fileName} || ': ' || coalesce(${uploadedFiles.failReason}, 'failed'), '; ')
                       ${filesOfSegment("failed")})`,
      updatedAt: sql`unixepoch()`,
    })
    .where(and(eq(segments.dongleId, dongleId), eq(segments.logId, logId), eq(segments.number, segment)));
}

/** An unexpected error: the file stays pending (it will be retried); remember why for the dead-letter consumer. */
export async function recordAttemptError(env: Env, key: string, attempts: number, err: unknown): Promise<void> {
  const attempt = { attempts, lastError: reasonText(err) };
  await database(env)
    .insert(fileProcessing)
    .values({ key, ...attempt })
    .onConflictDoUpdate({ target: fileProcessing.key, set: attempt });
}

/** Dead-lettered: every retry failed. Mark the file (and so its segment) failed with the last error seen. */
export async function markDeadLettered(env: Env, msg: UploadedFileMessage): Promise<void> {
  const db = database(env);
  // The dead-letter delivery counts its own attempts from 1: the main queue's count is the one we recorded.
  const last = await db
    .select({ attempts: fileProcessing.attempts, lastError: fileProcessing.lastError })
    .from(fileProcessing)
    .where(eq(fileProcessing.key, msg.key))
    .get();
  const tries = last?.attempts ? ` after ${last.attempts} attempts` : "";
  const reason = `processing kept failing${tries}${last?.lastError ? `: ${last.lastError}` : ""}`;
  const stmts: [Statement, ...Statement[]] = [
    db
      .update(uploadedFiles)
      .set({ state: "failed", failReason: reasonText(reason) })
      .where(and(eq(uploadedFiles.key, msg.key), eq(uploadedFiles.state, "pending"))),
  ];
  if (msg.logId !== null && msg.segment !== null)
    stmts.push(segmentStateStatement(db, msg.dongleId, msg.logId, msg.segment));
  await db.batch(stmts);
}

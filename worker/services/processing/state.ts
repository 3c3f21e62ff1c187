/**
 * Processing state. uploaded_files holds each file's state (pending/done/failed + fail_reason); a segment's state
 * is derived from its files in SQL (failed if any file failed, else pending if any is pending, else done), so it
 * is right whatever order the files are processed in and whichever consumer finished last.
 */
import type { UploadedFileMessage } from "../../queue/messages";

/** Keep reasons readable in lists and bounded in D1. */
const MAX_REASON = 500;
export const reasonText = (e: unknown): string => {
  const s = e instanceof Error ? e.message : String(e);
  return s.length > MAX_REASON ? `${s.slice(0, MAX_REASON - 1)}…` : s;
};

export function fileStateStatements(
  env: Env,
  msg: UploadedFileMessage,
  attempts: number,
  outcome: { state: "done"; info: unknown } | { state: "failed"; reason: string },
) {
  const failReason = outcome.state === "failed" ? outcome.reason : null;
  const info = outcome.state === "done" ? JSON.stringify(outcome.info ?? {}) : null;
  const stmts = [
    env.DB.prepare("UPDATE uploaded_files SET state = ?1, fail_reason = ?2 WHERE key = ?3").bind(
      outcome.state,
      failReason,
      msg.key,
    ),
    env.DB.prepare(
      `INSERT INTO file_processing (key, info, attempts, last_error, processed_at) VALUES (?1, ?2, ?3, NULL, unixepoch())
       ON CONFLICT (key) DO UPDATE SET info = excluded.info, attempts = excluded.attempts, last_error = NULL, processed_at = excluded.processed_at`,
    ).bind(msg.key, info, attempts),
  ];
  if (msg.logId !== null && msg.segment !== null)
    stmts.push(segmentStateStatement(env, msg.dongleId, msg.logId, msg.segment));
  return stmts;
}

export function segmentStateStatement(env: Env, dongleId: string, logId: string, segment: number) {
  const files =
    "FROM uploaded_files f WHERE f.dongle_id = segments.dongle_id AND f.log_id = segments.log_id AND f.segment = segments.number";
  return env.DB.prepare(
    `UPDATE segments SET
       state = CASE WHEN EXISTS (SELECT 1 ${files} AND f.state = 'failed') THEN 'failed'
                    WHEN EXISTS (SELECT 1 ${files} AND f.state = 'pending') THEN 'pending'
                    ELSE 'done' END,
       fail_reason = (SELECT group_concat(f.file_name || ': ' || coalesce(f.fail_reason, 'failed'), '; ') ${files} AND f.state = 'failed'),
       updated_at = unixepoch()
     WHERE dongle_id = ?1 AND log_id = ?2 AND number = ?3`,
  ).bind(dongleId, logId, segment);
}

/** An unexpected error: the file stays pending (it will be retried); remember why for the dead-letter consumer. */
export async function recordAttemptError(env: Env, key: string, attempts: number, err: unknown): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO file_processing (key, attempts, last_error) VALUES (?1, ?2, ?3)
     ON CONFLICT (key) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error`,
  )
    .bind(key, attempts, reasonText(err))
    .run();
}

/** Dead-lettered: every retry failed. Mark the file (and so its segment) failed with the last error seen. */
export async function markDeadLettered(env: Env, msg: UploadedFileMessage): Promise<void> {
  // The dead-letter delivery counts its own attempts from 1: the main queue's count is the one we recorded.
  const last = await env.DB.prepare("SELECT attempts, last_error FROM file_processing WHERE key = ?")
    .bind(msg.key)
    .first<{ attempts: number; last_error: string | null }>();
  const tries = last?.attempts ? ` after ${last.attempts} attempts` : "";
  const reason = `processing kept failing${tries}${last?.last_error ? `: ${last.last_error}` : ""}`;
  const stmts = [
    env.DB.prepare(
      "UPDATE uploaded_files SET state = 'failed', fail_reason = ?1 WHERE key = ?2 AND state = 'pending'",
    ).bind(reasonText(reason), msg.key),
  ];
  if (msg.logId !== null && msg.segment !== null)
    stmts.push(segmentStateStatement(env, msg.dongleId, msg.logId, msg.segment));
  await env.DB.batch(stmts);
}

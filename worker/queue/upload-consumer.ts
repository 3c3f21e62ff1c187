/**
 * Consumer of UPLOAD_QUEUE (and its dead-letter queue). Message types (protocol/queue-messages.ts):
 *   - "file": an uploaded file → its processor (services/processing/);
 *   - "purge-route": a deleted route's R2 objects → removed (services/drives/deletion.ts);
 *   - "health": a probe sent by GET /api/v1/health → acked, nothing else.
 * Messages are handled one at a time and each on its own, so one bad message never blocks the batch (and only one
 * decoder window is in memory at once). A file problem is settled by the processor (failed + reason) and acked; an
 * unexpected error retries that message with exponential backoff and, after max_retries (wrangler.jsonc), Queues
 * moves it to the dead-letter queue, whose consumer marks the file failed with the last error seen.
 */
import { logError, logUnsafe } from "../observability/log";
import { flushMetrics, recordProcessing } from "../observability/metrics";
import { parseFileMessage, processUploadedFile } from "../services/processing";
import { markDeadLettered, recordAttemptError } from "../services/processing/state";
import { purgeDeletedRoute } from "../services/drives/deletion";
import { DONGLE_ID_RE, LOG_ID_RE } from "../protocol/upload-key";
import type { PurgeRouteMessage, UploadedFileMessage, UploadQueueMessage } from "../protocol/queue-messages";

/** 10 s, 20 s, 40 s, … capped at 5 min: long enough for a D1/R2 hiccup to pass. `attempts` starts at 1. */
export const retryDelaySeconds = (attempts: number) => Math.min(300, 10 * 2 ** Math.max(0, attempts - 1));

export const isDeadLetterQueue = (queue: string) => queue.endsWith("-dlq");

export function parsePurgeMessage(body: unknown): PurgeRouteMessage | null {
  const m = body as Partial<PurgeRouteMessage> | null;
  if (!m || m.type !== "purge-route" || !DONGLE_ID_RE.test(m.dongleId ?? "") || !LOG_ID_RE.test(m.logId ?? ""))
    return null;
  return m as PurgeRouteMessage;
}

export const isHealthProbe = (body: unknown) => (body as { type?: unknown } | null)?.type === "health";

export async function handleUploadQueue(
  batch: MessageBatch<UploadQueueMessage>,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  const dead = isDeadLetterQueue(batch.queue);
  for (const message of batch.messages) {
    if (isHealthProbe(message.body)) {
      message.ack();
      continue;
    }
    const started = performance.now();
    const purge = parsePurgeMessage(message.body);
    const file = purge ? null : parseFileMessage(message.body);
    // Object keys (<dongle>/<log_id>/<segment>/<file>) hold no secret; message bodies from elsewhere are not logged.
    const base = {
      queue: dead ? "dlq" : "main",
      message_id: message.id,
      attempts: message.attempts,
      kind: purge ? "purge-route" : file ? file.kind : "malformed",
      key: purge ? `${purge.dongleId}/${purge.logId}` : (file?.key ?? null),
    };
    const done = (outcome: string, extra: Record<string, unknown> = {}) => {
      const durationMs = Math.round(performance.now() - started);
      const level = outcome === "done" || outcome === "purged" || outcome === "more" ? "info" : "warn";
      logUnsafe(level, "queue_message", { ...base, outcome, duration_ms: durationMs, ...extra });
      recordProcessing(env, { kind: base.kind, outcome, dead, durationMs, attempts: message.attempts });
    };
    if (!purge && !file) {
      done("malformed");
      message.ack();
      continue;
    }
    try {
      const outcome = purge
        ? await handlePurge(env, purge, dead)
        : await handleFile(env, file!, message.attempts, dead);
      message.ack();
      done(outcome.state, outcome.reason ? { reason: outcome.reason } : {});
    } catch (err) {
      const durationMs = Math.round(performance.now() - started);
      logError("queue_message", err, { ...base, outcome: "retry", duration_ms: durationMs });
      recordProcessing(env, { kind: base.kind, outcome: "retry", dead, durationMs, attempts: message.attempts });
      if (file) await recordAttemptError(env, file.key, message.attempts, err).catch(() => undefined);
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
  flushMetrics(env, (p) => ctx.waitUntil(p));
}

type MessageOutcome = { state: string; reason?: string };

async function handleFile(
  env: Env,
  msg: UploadedFileMessage,
  attempts: number,
  dead: boolean,
): Promise<MessageOutcome> {
  if (dead) {
    await markDeadLettered(env, msg);
    return { state: "dead-lettered" };
  }
  const outcome = await processUploadedFile(env, msg, attempts);
  return { state: outcome.state, reason: outcome.state === "done" ? undefined : outcome.reason };
}

/**
 * A purge is idempotent, so the dead-letter consumer simply tries once more. A route with more objects than one
 * delivery removes continues in a fresh message (not a retry: it made progress and must not run into max_retries).
 */
async function handlePurge(env: Env, msg: PurgeRouteMessage, dead: boolean): Promise<MessageOutcome> {
  const outcome = await purgeDeletedRoute(env, msg.dongleId, msg.logId);
  if (outcome.state === "not-deleted") return { state: "not-deleted", reason: "the route is not deleted" };
  if (outcome.state === "more" && !dead) await env.UPLOAD_QUEUE.send(msg);
  if (outcome.state === "more" && dead)
    return { state: "incomplete", reason: "purge from the dead-letter queue left objects behind" };
  return { state: outcome.state === "more" ? "more" : "purged" };
}

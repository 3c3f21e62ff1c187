/**
 * Queue consumers for uploaded files (processing itself lives in services/processing/). Messages are handled
 * one at a time and each on its own, so one bad file never blocks the batch (and only one decoder window is in
 * memory at once). A file problem is settled by the processor (failed + reason) and acked; an unexpected error
 * retries that message with exponential backoff and, after max_retries (wrangler.toml), Queues moves it to the
 * dead-letter queue, whose consumer marks the file failed with the last error seen.
 */
import { parseFileMessage, processUploadedFile } from "../services/processing";
import { markDeadLettered, recordAttemptError } from "../services/processing/state";
import type { UploadQueueMessage } from "./messages";

/** 10 s, 20 s, 40 s, … capped at 5 min: long enough for a D1/R2 hiccup to pass. `attempts` starts at 1. */
export const retryDelaySeconds = (attempts: number) => Math.min(300, 10 * 2 ** Math.max(0, attempts - 1));

export const isDeadLetterQueue = (queue: string) => queue.endsWith("-dlq");

export async function handleUploadQueue(batch: MessageBatch<UploadQueueMessage>, env: Env, _ctx: ExecutionContext): Promise<void> {
  const dead = isDeadLetterQueue(batch.queue);
  for (const message of batch.messages) {
    const msg = parseFileMessage(message.body);
    if (!msg) {
      console.error("dropping malformed upload message", batch.queue, message.id, JSON.stringify(message.body).slice(0, 200));
      message.ack();
      continue;
    }
    try {
      if (dead) await markDeadLettered(env, msg);
      else {
        const outcome = await processUploadedFile(env, msg, message.attempts);
        if (outcome.state !== "done") console.warn("file processing", outcome.state, msg.key, outcome.reason);
      }
      message.ack();
    } catch (err) {
      console.error("upload processing failed; will retry", msg.key, `attempt ${message.attempts}`, err);
      await recordAttemptError(env, msg.key, message.attempts, err).catch(() => undefined);
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}

import type { UploadQueueMessage } from "./messages";

/**
 * Queue consumer for uploaded files. Each message is handled on its own so one bad file never blocks the
 * batch; a thrown error retries that message with backoff and, after max_retries, it goes to the DLQ.
 * (Log decoding and derived files are added by the processing work.)
 */
export async function handleUploadQueue(batch: MessageBatch<UploadQueueMessage>, env: Env, _ctx: ExecutionContext): Promise<void> {
  for (const message of batch.messages) {
    try {
      await env.DB.prepare("UPDATE uploaded_files SET state = 'done' WHERE key = ?").bind(message.body.key).run();
      message.ack();
    } catch (err) {
      console.error("upload processing failed", message.body.key, err);
      message.retry({ delaySeconds: Math.min(300, 10 * 2 ** message.attempts) });
    }
  }
}

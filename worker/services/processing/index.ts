/**
 * One uploaded file → its processor by kind, and the bookkeeping around it:
 *   - success: the processor's statements + file done + segment state, in one D1 batch, then its `after` step;
 *   - a file problem (LogFormatError, object gone): file failed with a readable reason, the processor's `failed`
 *     clean-up, and the message is done (retrying a corrupt file cannot help);
 *   - anything else is thrown to the queue consumer, which retries with backoff and finally dead-letters it.
 * Re-running a message repeats the same writes to the same keys and rows: redelivery changes nothing.
 */
import type { FileKind } from "../../protocol/upload-key";
import type { UploadedFileMessage } from "../../protocol/queue-messages";
import { purgeIfDeleted } from "../drives/deletion";
import { bootlogProcessor } from "./bootlog";
import { isPermanent, type Processor } from "./context";
import { qcameraProcessor } from "./qcamera";
import { qlogProcessor } from "./qlog";
import { rlogProcessor } from "./rlog";
import { database } from "../../db/client";
import { fileStateStatements, reasonText, type Statement } from "./state";
import { storedProcessor } from "./stored";

export const PROCESSORS: Record<FileKind, Processor> = {
  qlog: qlogProcessor,
  rlog: rlogProcessor,
  qcamera: qcameraProcessor,
  fcamera: storedProcessor,
  ecamera: storedProcessor,
  dcamera: storedProcessor,
  boot: bootlogProcessor,
  crash: storedProcessor,
};

export type FileOutcome =
  | { state: "done" }
  | { state: "failed"; reason: string }
  | { state: "skipped"; reason: string };
const ROUTE_DELETED: FileOutcome = { state: "skipped", reason: "route deleted" };

/** Checks a queue body is one of ours before anything trusts its fields (a bad body is dropped, not retried). */
export function parseFileMessage(body: unknown): UploadedFileMessage | null {
  const m = body as Partial<UploadedFileMessage> | null;
  if (
    !m ||
    m.type !== "file" ||
    typeof m.key !== "string" ||
    typeof m.dongleId !== "string" ||
    !m.kind ||
    !(m.kind in PROCESSORS)
  )
    return null;
  const isSegmentFile = m.kind !== "boot" && m.kind !== "crash";
  if (isSegmentFile && (typeof m.logId !== "string" || !Number.isInteger(m.segment))) return null;
  return m as UploadedFileMessage;
}

export async function processUploadedFile(env: Env, msg: UploadedFileMessage, attempts: number): Promise<FileOutcome> {
  // A deleted route must not come back through a file that was uploaded (or queued) before the delete reached it:
  // the file is not processed, and its object and any rows booked for it are removed with the route's leftovers.
  if (msg.logId !== null && (await purgeIfDeleted(env, msg.dongleId, msg.logId))) return ROUTE_DELETED;
  const processor = PROCESSORS[msg.kind];
  const db = database(env);
  const ctx = { env, db, msg };
  try {
    const done = await processor.run(ctx);
    await db.batch([
      ...fileStateStatements(db, msg, attempts, { state: "done", info: done.info }),
      ...(done.statements ?? []),
    ] as [Statement, ...Statement[]]);
    await done.after?.();
    // Deleted while this file was processed: the purge may have listed the route before our derived files existed.
    if (msg.logId !== null && (await purgeIfDeleted(env, msg.dongleId, msg.logId))) return ROUTE_DELETED;
    return { state: "done" };
  } catch (err) {
    if (!isPermanent(err)) throw err;
    const reason = reasonText(err);
    const undo = (await processor.failed?.(ctx)) ?? {};
    await db.batch([
      ...fileStateStatements(db, msg, attempts, { state: "failed", reason }),
      ...(undo.statements ?? []),
    ] as [Statement, ...Statement[]]);
    await undo.after?.();
    return { state: "failed", reason };
  }
}

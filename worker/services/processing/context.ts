/**
 * Shared shapes for the per-kind processors. A processor reads its object from R2 (streamed), does its work and
 * returns the D1 statements that record the result; the dispatcher (index.ts) runs them in one batch together
 * with the file/segment state, so a file is never marked done without its results (or the reverse).
 */
import { LogFormatError } from "../../logs";
import type { Db } from "../../db/client";
import type { UploadedFileMessage } from "../../protocol/queue-messages";
import type { Statement } from "./state";

export interface ProcessingContext {
  env: Env;
  db: Db;
  msg: UploadedFileMessage;
}

export interface Processed {
  /** Small JSON summary kept in file_processing.info (what the run found; for admins and tests). */
  info?: Record<string, unknown>;
  /** Written in the same D1 batch as the file's done/failed state. */
  statements?: Statement[];
  /** Runs after that batch (e.g. re-aggregating the route from every processed segment). */
  after?: () => Promise<void>;
}

export interface Processor {
  run(ctx: ProcessingContext): Promise<Processed>;
  /** Undo what an earlier good run of the same key left behind, once the current object turned out bad. */
  failed?(ctx: ProcessingContext): Promise<Processed>;
}

/** The object named by a message is gone (deleted route/object, or a stale re-process): not worth retrying. */
export class MissingObjectError extends Error {
  constructor(key: string) {
    super(`object ${key} is not in storage`);
  }
}

/** Errors that describe the file (or its absence), not our infrastructure: mark failed, do not retry. */
export const isPermanent = (e: unknown): e is LogFormatError | MissingObjectError =>
  e instanceof LogFormatError || e instanceof MissingObjectError;

export async function getObject(env: Env, key: string): Promise<R2ObjectBody> {
  const obj = await env.MEDIA.get(key);
  if (!obj) throw new MissingObjectError(key);
  return obj;
}

/** Segment files always carry both; a message without them is malformed (checked once in the dispatcher). */
export function segmentOf(msg: UploadedFileMessage): { logId: string; segment: number } {
  if (msg.logId === null || msg.segment === null)
    throw new Error(`${msg.kind} message without route/segment: ${msg.key}`);
  return { logId: msg.logId, segment: msg.segment };
}

/**
 * One error type for every way a log file can be unusable, so callers (the queue consumer) can tell
 * "bad upload, don't retry" (LogFormatError) from infrastructure failures (anything else, retry).
 */
export type LogErrorCode =
  | "empty" // no bytes at all
  | "truncated" // input ended inside a compressed block or a capnp message
  | "corrupt-zstd" // zstd decoder rejected the data
  | "corrupt-bzip2" // bad bzip2 header/block/CRC
  | "bad-frame" // capnp segment table is impossible (too many segments, too large)
  | "bad-pointer" // capnp pointer out of bounds or of an unexpected kind
  | "missing-init-data" // a qlog without initData cannot be placed on the route timeline
  | "too-large" // a limit set to protect the Worker's 128 MB was hit
  | "bad-video"; // qcamera.ts validation failed

export class LogFormatError extends Error {
  override readonly name = "LogFormatError";
  constructor(
    readonly code: LogErrorCode,
    message: string,
    /** Decompressed byte offset (or input offset for video) where the problem was seen, when known. */
    readonly offset?: number,
  ) {
    super(`${code}: ${message}${offset !== undefined ? ` (at byte ${offset})` : ""}`);
  }
}

export const isLogFormatError = (e: unknown): e is LogFormatError => e instanceof LogFormatError;

import type { FileKind } from "../protocol/upload-key";

/** One message per object that landed in R2 (device upload, user import, or an admin re-process). */
export interface UploadedFileMessage {
  type: "file";
  key: string;
  dongleId: string;
  logId: string | null;
  segment: number | null;
  kind: FileKind;
  fileName: string;
  size: number;
}

export type UploadQueueMessage = UploadedFileMessage;

import type { FileKind } from "./upload-key";

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

/**
 * Remove every R2 object of a deleted route (services/drives/deletion.ts). Sent by DELETE after the route is marked
 * deleted in D1, and again by the consumer itself when one delivery did not get through every page.
 */
export interface PurgeRouteMessage {
  type: "purge-route";
  dongleId: string;
  logId: string;
}

/** Sent by GET /api/v1/health to prove the queue accepts messages; the consumer acks it and does nothing else. */
export interface HealthProbeMessage {
  type: "health";
}

/** All travel on UPLOAD_QUEUE, told apart by `type` (file messages queued before purges existed still parse). */
export type UploadQueueMessage = UploadedFileMessage | PurgeRouteMessage | HealthProbeMessage;

/**
 * Calls to the device through our athena relay, POST /api/v1/devices/<dongle>/athena with a JSON-RPC body (the
 * same relay as comma's POST /<dongle>, docs/connect-api.md §6, but with HTTP statuses): a device that is offline
 * answers 404 unless `expiry` was given, in which case the call is queued (202); a timeout is 504.
 */
import { ApiError, request } from "./client";
import type { OfflineQueueItem, Snapshot, UploadItem } from "./types";

export const QUEUED = "Device offline, message queued";

interface RpcReply<T> {
  result?: T;
  error?: { code?: number; message?: string; data?: { message?: string } } | string;
}

export async function call<T>(
  dongleId: string,
  method: string,
  params?: unknown,
  opts: { expiry?: number; timeoutS?: number } = {},
): Promise<T> {
  const body: Record<string, unknown> = { id: 0, jsonrpc: "2.0", method };
  if (params !== undefined) body.params = params;
  if (opts.expiry !== undefined) body.expiry = opts.expiry;
  const q = opts.timeoutS ? `?timeout=${opts.timeoutS}` : "";
  const reply = await request<RpcReply<T>>(`/api/v1/devices/${encodeURIComponent(dongleId)}/athena${q}`, {
    json: body,
  });
  if (reply && reply.error !== undefined) {
    const e = reply.error;
    const message = typeof e === "string" ? e : (e.data?.message ?? e.message ?? "Device error");
    throw new ApiError(200, "device_error", message);
  }
  return reply.result as T;
}

export const takeSnapshot = (dongleId: string) => call<Snapshot>(dongleId, "takeSnapshot", undefined, { timeoutS: 30 });
export const listUploadQueue = (dongleId: string) =>
  call<UploadItem[]>(dongleId, "listUploadQueue", undefined, { timeoutS: 10 });
export const cancelUploads = (dongleId: string, ids: string[]) =>
  call<{ success: number }>(dongleId, "cancelUpload", { upload_id: ids });

export interface FileToUpload {
  fn: string;
  url: string;
  headers: Record<string, string>;
}

/** Queued for a week when the device is offline: it uploads once it reconnects. Returns "queued" in that case. */
export async function uploadFilesToUrls(
  dongleId: string,
  files: FileToUpload[],
): Promise<{ enqueued: number; failed?: string[] } | "queued"> {
  const files_data = files.map((f) => ({ ...f, allow_cellular: false, priority: 1 }));
  const expiry = Math.floor(Date.now() / 1000) + 7 * 86400;
  const result = await call<{ enqueued: number; failed?: string[] } | string>(
    dongleId,
    "uploadFilesToUrls",
    { files_data },
    { expiry },
  );
  return result === QUEUED ? "queued" : (result as { enqueued: number; failed?: string[] });
}

export const offlineQueue = (dongleId: string) =>
  request<OfflineQueueItem[]>(`/v1/devices/${encodeURIComponent(dongleId)}/athena_offline_queue`);

/**
 * Calls the device makes to us (docs/athena.md). forwardLogs and storeStats get
 * {"jsonrpc":"2.0","id":<same>,"result":{"success":1}} once stored: athenad waits up to ~100 s for it before
 * sending the next log file, and re-sends unacknowledged files hourly. Every other method gets a JSON-RPC error.
 * All replies go through deviceSafeJson: the device routes any text containing "method" as a call.
 */
import {
  errorReply,
  RPC_INVALID_PARAMS,
  RPC_METHOD_NOT_FOUND,
  RPC_SERVER_ERROR,
  successReply,
  type RpcId,
} from "../worker/protocol/jsonrpc";
import type { DeviceLogs, LogKind } from "./device-logs";

const STORED: Record<string, { kind: LogKind; param: string }> = {
  forwardLogs: { kind: "swaglog", param: "logs" },
  storeStats: { kind: "stats", param: "stats" },
};

export interface DeviceCallContext {
  dongleId: string;
  logs: DeviceLogs;
  /** Unapproved (adopting/pending) devices are acknowledged but not stored: we do not know who they are yet. */
  trusted: boolean;
  nowS: number;
}

export async function answerDeviceCall(
  call: { method: string; params?: unknown; id: RpcId | null },
  ctx: DeviceCallContext,
): Promise<string> {
  const target = STORED[call.method];
  if (!target) return errorReply(call.id, RPC_METHOD_NOT_FOUND, "Method not found");
  const params = call.params as Record<string, unknown> | undefined;
  const text = params && typeof params === "object" ? params[target.param] : undefined;
  if (typeof text !== "string")
    return errorReply(call.id, RPC_INVALID_PARAMS, `Invalid params: ${target.param} must be a string`);
  if (!ctx.trusted) return successReply(call.id);
  try {
    await ctx.logs.store(ctx.dongleId, target.kind, call.id === null ? "" : String(call.id), text, ctx.nowS);
  } catch (err) {
    // No success: the device keeps the file and sends it again within the hour.
    console.error("storing forwarded device data failed", ctx.dongleId, target.kind, err);
    return errorReply(call.id, RPC_SERVER_ERROR, "Server error: could not store");
  }
  return successReply(call.id);
}

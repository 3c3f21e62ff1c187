/**
 * The Worker's side of athena: who may call which device method, and turning a relay outcome from the
 * DeviceObject into an HTTP answer. On our API (`/api/v1/devices/{id}/athena`) failures are HTTP statuses with JSON
 * {error, message}; on comma's path (`POST /:dongle`) they are JSON-RPC errors on 200, because comma's web apps throw
 * on any other status (new-connect fires setRouteViewed without catching). Both keep comma's texts clients look
 * for ("Device not registered", "Timed out") and 202 {"result": "Device offline, message queued"}.
 */
import { CONNECT_HEADERS, type ConnectRole, type RelayOutcome } from "../../../durable-objects/contract";
import { ApiError, badRequest } from "../../errors";
import { parseUserCall, type RpcId, RpcShapeError, type UserCall } from "../../protocol/jsonrpc";
import type { DeviceAccess } from "../access";

export const DEFAULT_TIMEOUT_S = 30;
export const MAX_TIMEOUT_S = 120;

/**
 * Methods that only read the device's state: users a device is shared with read-only may call these.
 * Everything else changes the device (uploads, cancel, setRouteViewed, nav, clips, streams) and needs write.
 */
export const READ_ONLY_METHODS: ReadonlySet<string> = new Set([
  "echo",
  "getVersion",
  "getMessage",
  "listDataDirectory",
  "listUploadQueue",
  "getPublicKey",
  "getSshAuthorizedKeys",
  "getGithubUsername",
  "getSimInfo",
  "getNetworkType",
  "getNetworkMetered",
  "getNetworks",
  "getNotCar",
  "takeSnapshot",
  "getFirehoseMode",
  "getClipState",
  "getClipChunk",
]);

/**
 * startLocalProxy makes the device open a websocket to a caller-chosen URL carrying its own JWT cookie (and then
 * SSH): whoever controls that URL can act as the device for an hour. Owners only.
 */
export const OWNER_ONLY_METHODS: ReadonlySet<string> = new Set(["startLocalProxy"]);

export function accessNeededFor(method: string): DeviceAccess {
  if (OWNER_ONLY_METHODS.has(method)) return "owner";
  return READ_ONLY_METHODS.has(method) ? "read" : "write";
}

export function parseRelayBody(body: unknown): UserCall {
  try {
    return parseUserCall(body);
  } catch (err) {
    if (err instanceof RpcShapeError) throw badRequest("invalid_jsonrpc", err.message);
    throw err;
  }
}

/** Per-call timeout in ms from `?timeout=` or the body's `timeout` (seconds), clamped to 1…MAX_TIMEOUT_S. */
export function relayTimeoutMs(query: string | undefined, body: unknown): number {
  const fromBody = body && typeof body === "object" ? (body as Record<string, unknown>).timeout : undefined;
  const raw = query ?? fromBody;
  if (raw === undefined || raw === null || raw === "") return DEFAULT_TIMEOUT_S * 1000;
  const s = Number(raw);
  if (!Number.isFinite(s) || s <= 0)
    throw badRequest("invalid_timeout", `timeout must be 1 to ${MAX_TIMEOUT_S} seconds`);
  return Math.round(Math.min(Math.max(s, 1), MAX_TIMEOUT_S) * 1000);
}

export const OFFLINE_QUEUED = { result: "Device offline, message queued" } as const;

/**
 * Failures of a relay call that are about the device, not the caller. `rpcMessage` is comma's text, which its apps
 * search for ("Device not registered" for an offline device, "Timed out").
 */
const DEVICE_FAILURES = {
  offline: {
    status: 404,
    code: "device_offline",
    message: "Device not connected",
    rpcMessage: "Device not registered",
  },
  timeout: {
    status: 504,
    code: "device_timeout",
    message: "Timed out waiting for the device to reply",
    rpcMessage: "Timed out waiting for the device to reply",
  },
  disconnected: {
    status: 502,
    code: "device_disconnected",
    message: "The device disconnected before replying",
    rpcMessage: "The device disconnected before replying",
  },
} as const;

/** JSON-RPC server-error codes (-32000…-32099 are for the implementation) for the failures above. */
const RPC_CODES = { offline: -32001, timeout: -32002, disconnected: -32003 } as const;

export type RelayStyle = "http-status" | "jsonrpc";

/**
 * Maps the DeviceObject's answer to the response, or throws the matching ApiError. In the "jsonrpc" style (comma's
 * path) an offline device, a timeout or a dropped socket become a JSON-RPC error object with the caller's id on 200,
 * as a device's own error is answered; `data.error` carries our stable code.
 */
export function relayResponse(
  outcome: RelayOutcome,
  style: RelayStyle = "http-status",
  callerId: RpcId | null = null,
): { status: 200 | 202; body: string } {
  switch (outcome.kind) {
    case "reply":
      return { status: 200, body: outcome.body };
    case "queued":
      return { status: 202, body: JSON.stringify(OFFLINE_QUEUED) };
    case "offline":
    case "timeout":
    case "disconnected": {
      const failure = DEVICE_FAILURES[outcome.kind];
      if (style === "http-status") throw new ApiError(failure.status, failure.code, failure.message);
      const error = { code: RPC_CODES[outcome.kind], message: failure.rpcMessage, data: { error: failure.code } };
      return { status: 200, body: JSON.stringify({ jsonrpc: "2.0", id: callerId, error }) };
    }
    case "queue-full":
      throw new ApiError(429, "queue_full", outcome.message);
  }
}

export function deviceObject(env: Env, dongleId: string) {
  return env.DEVICE.getByName(dongleId);
}

/** Hands an authenticated upgrade to the dongle's DeviceObject, with the role the Worker decided. */
export function connectToDeviceObject(
  env: Env,
  dongleId: string,
  role: ConnectRole,
  extra: { token?: string; userId?: string } = {},
) {
  const headers = new Headers({
    Upgrade: "websocket",
    [CONNECT_HEADERS.role]: role,
    [CONNECT_HEADERS.dongle]: dongleId,
  });
  if (extra.token) headers.set(CONNECT_HEADERS.token, extra.token);
  if (extra.userId) headers.set(CONNECT_HEADERS.user, extra.userId);
  return deviceObject(env, dongleId).fetch(new Request("https://device-object/connect", { headers }));
}

/**
 * The Worker's side of athena: who may call which device method, and turning a relay outcome from the
 * DeviceObject into an HTTP answer. Errors follow comma's athena where clients depend on them (a 504 whose text
 * contains "Timed out"; 202 {"result": "Device offline, message queued"}), as JSON {error, message}.
 */
import { CONNECT_HEADERS, type ConnectRole, type RelayOutcome } from "../../../durable-objects/contract";
import { ApiError, badRequest } from "../../errors";
import { parseUserCall, RpcShapeError, type UserCall } from "../../protocol/jsonrpc";
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

/** Maps the DeviceObject's answer to the response, or throws the matching ApiError. */
export function relayResponse(outcome: RelayOutcome): { status: 200 | 202; body: string } {
  switch (outcome.kind) {
    case "reply":
      return { status: 200, body: outcome.body };
    case "queued":
      return { status: 202, body: JSON.stringify(OFFLINE_QUEUED) };
    case "offline":
      throw new ApiError(404, "device_offline", "Device not connected");
    case "timeout":
      throw new ApiError(504, "device_timeout", "Timed out waiting for the device to reply");
    case "disconnected":
      throw new ApiError(502, "device_disconnected", "The device disconnected before replying");
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

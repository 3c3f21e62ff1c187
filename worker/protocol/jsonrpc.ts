/**
 * JSON-RPC 2.0 as athenad speaks it (docs/athena.md). Shared by the Worker (validating user calls)
 * and the DeviceObject (framing calls to the device, classifying what the device sends back).
 *
 * Device quirks this module exists for:
 * - json-rpc 1.15 (openpilot ≤ 0.11.x) rejects any top-level key other than jsonrpc/method/params/id, so calls
 *   are rebuilt from those four keys only (the web apps add `expiry`, callers may add anything).
 * - ids must be strings or integers; we always send one, or the device answers with a bare error object.
 * - athenad routes frames by substring: any text containing "method" is treated as a call. A reply to a
 *   device-initiated call must therefore never contain that substring, not even inside an id or a message.
 */

export type RpcId = string | number;

export interface RpcCall {
  jsonrpc: "2.0";
  method: string;
  params?: unknown;
  id: RpcId;
}

export interface RpcReply {
  jsonrpc?: string;
  id?: RpcId | null;
  result?: unknown;
  error?: unknown;
}

/** What a user asked for, reduced to what may be forwarded, plus the extras the relay itself consumes. */
export interface UserCall {
  method: string;
  params?: unknown;
  /** The caller's id, restored on the reply (web apps send 0 from every tab). */
  callerId: RpcId | null;
  /** Unix seconds: queue the call while the device is offline, until then. */
  expiry: number | null;
}

export class RpcShapeError extends Error {}

const MAX_METHOD_LENGTH = 100;

export function isRpcId(v: unknown): v is RpcId {
  return typeof v === "string" || (typeof v === "number" && Number.isSafeInteger(v));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Validates a user's JSON-RPC request body. Throws RpcShapeError with a message fit for a 400. */
export function parseUserCall(body: unknown): UserCall {
  if (!isObject(body)) throw new RpcShapeError("The body must be a JSON-RPC request object");
  const { method, params, id, expiry } = body;
  if (typeof method !== "string" || !method || method.length > MAX_METHOD_LENGTH || method.startsWith("rpc.")) {
    throw new RpcShapeError("method must be a non-empty string");
  }
  if (params !== undefined && params !== null && typeof params !== "object") {
    throw new RpcShapeError("params must be an object or an array");
  }
  if (id !== undefined && id !== null && !isRpcId(id)) throw new RpcShapeError("id must be a string or an integer");
  let exp: number | null = null;
  if (expiry !== undefined && expiry !== null) {
    exp = typeof expiry === "string" ? Number(expiry) : (expiry as number);
    if (typeof exp !== "number" || !Number.isFinite(exp)) throw new RpcShapeError("expiry must be unix seconds");
    exp = Math.floor(exp);
  }
  return { method, params: params ?? undefined, callerId: (id as RpcId | undefined) ?? null, expiry: exp };
}

/** The exact frame sent to the device: the four allowed keys, `params` only when given. */
export function wireCall(method: string, params: unknown, id: RpcId): string {
  const call: RpcCall = params === undefined ? { jsonrpc: "2.0", method, id } : { jsonrpc: "2.0", method, params, id };
  return JSON.stringify(call);
}

export type DeviceFrame =
  | { kind: "call"; call: { method: string; params?: unknown; id: RpcId | null } }
  | { kind: "reply"; reply: RpcReply & { id: RpcId } }
  | { kind: "bare-error"; error: unknown }
  | { kind: "garbage"; reason: string };

/** Classifies one message from the device. Never throws: garbage is reported, not fatal. */
export function classifyDeviceFrame(message: string | ArrayBuffer): DeviceFrame {
  let text: string;
  try {
    text =
      typeof message === "string"
        ? message
        : new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(message);
  } catch {
    return { kind: "garbage", reason: "binary frame is not UTF-8" };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: "garbage", reason: "not JSON" };
  }
  if (!isObject(parsed)) return { kind: "garbage", reason: "not a JSON object" };
  if (typeof parsed.method === "string") {
    return {
      kind: "call",
      call: { method: parsed.method, params: parsed.params, id: isRpcId(parsed.id) ? parsed.id : null },
    };
  }
  if (isRpcId(parsed.id) && ("result" in parsed || "error" in parsed)) {
    return { kind: "reply", reply: parsed as unknown as RpcReply & { id: RpcId } };
  }
  // A handler crash on the device sends {"error": "<str(e)>"} with no id: nothing to correlate it with.
  if ("error" in parsed) return { kind: "bare-error", error: parsed.error };
  return { kind: "garbage", reason: "neither a call nor a reply" };
}

/**
 * Serialises a reply to a device-initiated call so that the raw text has no "method" substring. Our replies use
 * no key containing it, so any occurrence sits inside a string value, where "\u006d" decodes back to "m".
 */
export function deviceSafeJson(reply: RpcReply): string {
  return JSON.stringify(reply).replace(/method/g, "\\u006dethod");
}

export function successReply(id: RpcId | null): string {
  return deviceSafeJson({ jsonrpc: "2.0", id, result: { success: 1 } });
}

export function errorReply(id: RpcId | null, code: number, message: string): string {
  return deviceSafeJson({ jsonrpc: "2.0", id, error: { code, message } });
}

export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INVALID_PARAMS = -32602;
export const RPC_SERVER_ERROR = -32000;

/**
 * Keepalive without PING frames. A Worker cannot send WebSocket PINGs (workerd#3664), and athenad ends the
 * connection when its 30 s socket read times out and no PING came for 70 s (after any reconnect every on-demand
 * upload restarts from byte 0). Any text frame ends the read, so we send one well inside 30 s: a JSON-RPC `echo`,
 * which every openpilot from 0.9.5 to 2026 master answers cheaply. The reply doubles as our liveness signal.
 */
import { wireCall, type RpcId } from "../worker/protocol/jsonrpc";
import type { DeviceAttachment } from "./sockets";

/**
 * 20 s: 10 s of slack under the device's 30 s read timeout for a late alarm and a slow cellular link (measured:
 * 25 s already gives zero reconnects, docs/athena.md (Keepalive)).
 */
export const KEEPALIVE_INTERVAL_MS = 20_000;
/** No frame at all from the device for this long (four keepalives unanswered): the connection is dead. */
export const DEAD_AFTER_MS = 90_000;
const KEEPALIVE_PREFIX = "ka.";

/** Only the four keys old json-rpc accepts; the id tells the reply apart from relayed ones. */
export function keepaliveFrame(nowMs: number): string {
  return wireCall("echo", { s: "keepalive" }, `${KEEPALIVE_PREFIX}${nowMs}`);
}

export function isKeepaliveId(id: RpcId): boolean {
  return typeof id === "string" && id.startsWith(KEEPALIVE_PREFIX);
}

export function isDead(att: DeviceAttachment, nowMs: number): boolean {
  return nowMs - att.lastFrameAt > DEAD_AFTER_MS;
}

/**
 * The two kinds of hibernatable sockets this object holds, told apart by tag, with their state in the socket
 * attachment (kept by the runtime across hibernation; lost with the socket, which is fine: so is the state).
 */
export const DEVICE_TAG = "device";
export const VIEWER_TAG = "viewer";

/**
 * online   a registered device: relayed to, presence written to D1
 * adopting an unknown dongle id: we asked it for getPublicKey and are checking its handshake JWT
 * pending  an unknown dongle id whose key is recorded; held open (with keepalive) until an admin decides
 */
export type DeviceSocketState = "online" | "adopting" | "pending";

export interface DeviceAttachment {
  role: "device";
  state: DeviceSocketState;
  /** Unique per connection: waiters sent over one connection fail when it closes, not when a newer one does. */
  connId: string;
  connectedAt: number;
  /** Last time any frame arrived from the device (ms): the liveness signal the keepalive checks. */
  lastFrameAt: number;
  /** When the next keepalive is due (ms). Kept here, not in the timers table: attachments are not billed storage. */
  keepaliveAt: number;
}

export interface ViewerAttachment {
  role: "viewer";
  userId: string;
  since: number;
}

export type Attachment = DeviceAttachment | ViewerAttachment;

export function attachmentOf(ws: WebSocket): Attachment | null {
  try {
    return ws.deserializeAttachment() as Attachment | null;
  } catch {
    return null;
  }
}

export function deviceAttachment(ws: WebSocket): DeviceAttachment | null {
  const a = attachmentOf(ws);
  return a?.role === "device" ? a : null;
}

const isOpen = (ws: WebSocket) => ws.readyState === WebSocket.OPEN;

/** The device's open socket (the runtime may still list sockets that are closing). */
export function openDeviceSocket(ctx: DurableObjectState, except?: WebSocket): WebSocket | null {
  return ctx.getWebSockets(DEVICE_TAG).find((ws) => ws !== except && isOpen(ws)) ?? null;
}

export function openViewers(ctx: DurableObjectState, except?: WebSocket): WebSocket[] {
  return ctx.getWebSockets(VIEWER_TAG).filter((ws) => ws !== except && isOpen(ws));
}

/** Sends without throwing: a socket can close between the lookup and the send. */
export function trySend(ws: WebSocket, text: string): boolean {
  try {
    ws.send(text);
    return true;
  } catch {
    return false;
  }
}

/** Closes without throwing. 1005/1006 are reserved (cannot be sent), so they become 1000. */
export function tryClose(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason.slice(0, 120));
  } catch {
    /* already closed */
  }
}

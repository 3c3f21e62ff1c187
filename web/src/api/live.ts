/**
 * The device's live view socket (GET /api/v1/devices/:d/live). Browsers cannot set headers on a WebSocket, so
 * the access token travels as a subprotocol next to our protocol name, which the server echoes back.
 */
import { currentAccessToken } from "./client";

export type LiveEvent =
  | { type: "status"; online: boolean; connected_at: number | null; last_frame_at: number | null }
  | { type: "state"; service: string; at: number; data?: Record<string, unknown>; error?: unknown };

export interface LiveHandle {
  close(): void;
}

const PROTOCOL = "edge-connect.live";

/** Connects and reconnects (with backoff) until closed. */
export function openLive(
  dongleId: string,
  onEvent: (e: LiveEvent) => void,
  onState: (connected: boolean) => void,
): LiveHandle {
  let ws: WebSocket | null = null;
  let closed = false;
  let retry = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const connect = async () => {
    const token = await currentAccessToken();
    if (closed || !token) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${scheme}://${location.host}/api/v1/devices/${encodeURIComponent(dongleId)}/live`, [
      PROTOCOL,
      token,
    ]);
    ws.onopen = () => {
      retry = 0;
      onState(true);
    };
    ws.onmessage = (m) => {
      try {
        onEvent(JSON.parse(String(m.data)) as LiveEvent);
      } catch {
        /* ignore malformed frames */
      }
    };
    ws.onclose = () => {
      onState(false);
      if (!closed) timer = setTimeout(connect, Math.min(30_000, 1000 * 2 ** retry++));
    };
  };
  void connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      ws?.close(1000, "bye");
    },
  };
}

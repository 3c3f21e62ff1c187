/**
 * Live view for browsers: viewers are hibernatable sockets tagged "viewer". They get online/offline changes as
 * they happen and, while at least one viewer is connected and the device is online, the device's live state
 * polled through the relay every LIVE_POLL_MS. Polling is an alarm timer, so it stops by itself when the last
 * viewer leaves (nobody re-arms it) and costs the device nothing while nobody watches.
 */
import type { CallResult } from "./relay";
import { openViewers, trySend } from "./sockets";

export const LIVE_POLL_MS = 5_000;
/** Per-call wait inside a poll: shorter than the poll period, so a slow device cannot stack polls up. */
export const LIVE_CALL_TIMEOUT_MS = 4_000;
/** getMessage services that make up the dashboard: power/thermal, panda, GPS. */
export const LIVE_SERVICES = ["deviceState", "peripheralState", "gpsLocationExternal"] as const;

export interface StatusEvent {
  type: "status";
  online: boolean;
  connected_at: number | null;
  last_frame_at: number | null;
}

export type LiveEvent = StatusEvent | { type: "state"; service: string; at: number; data?: unknown; error?: unknown };

export function broadcast(ctx: DurableObjectState, event: LiveEvent, except?: WebSocket): number {
  const text = JSON.stringify(event);
  let sent = 0;
  for (const ws of openViewers(ctx, except)) if (trySend(ws, text)) sent++;
  return sent;
}

/** One poll round: the services are asked concurrently (the device answers from 4 handler threads). */
export async function pollLiveState(
  ctx: DurableObjectState,
  call: (method: string, params: unknown, timeoutMs: number) => Promise<CallResult>,
): Promise<void> {
  await Promise.all(
    LIVE_SERVICES.map(async (service) => {
      const result = await call("getMessage", { service, timeout: 1000 }, LIVE_CALL_TIMEOUT_MS);
      const at = Date.now();
      if (result.kind !== "reply") {
        broadcast(ctx, { type: "state", service, at, error: result.kind });
      } else if (result.reply.error !== undefined) {
        broadcast(ctx, { type: "state", service, at, error: result.reply.error });
      } else {
        broadcast(ctx, { type: "state", service, at, data: result.reply.result });
      }
    }),
  );
}

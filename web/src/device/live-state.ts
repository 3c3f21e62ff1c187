/** Folds the live socket's events into what the device page shows (services from getMessage). */
import { createSignal, onCleanup } from "solid-js";
import { type LiveEvent, openLive } from "../api/live";

export interface LiveState {
  socket: boolean;
  online: boolean | null;
  /** V, from peripheralState.voltage (mV) */
  voltage?: number;
  /** °C, hottest CPU core */
  cpuTemp?: number;
  freeSpacePercent?: number;
  gps?: { lat: number; lng: number; at: number };
  updatedAt?: number;
}

type Msg = Record<string, Record<string, unknown> | undefined>;

export function createLiveState(dongleId: () => string) {
  const [state, setState] = createSignal<LiveState>({ socket: false, online: null });
  const apply = (e: LiveEvent) => {
    if (e.type === "status") return setState((s) => ({ ...s, online: e.online }));
    if (!e.data) return;
    const msg = (e.data as Msg)[e.service] ?? {};
    setState((s) => {
      const next: LiveState = { ...s, updatedAt: e.at };
      if (e.service === "peripheralState" && typeof msg.voltage === "number") next.voltage = msg.voltage / 1000;
      if (e.service === "deviceState") {
        if (Array.isArray(msg.cpuTempC) && msg.cpuTempC.length) next.cpuTemp = Math.max(...(msg.cpuTempC as number[]));
        if (typeof msg.freeSpacePercent === "number") next.freeSpacePercent = msg.freeSpacePercent;
      }
      if (e.service === "gpsLocationExternal" && msg.hasFix !== false && typeof msg.latitude === "number") {
        next.gps = { lat: msg.latitude, lng: msg.longitude as number, at: e.at };
      }
      return next;
    });
  };
  const handle = openLive(dongleId(), apply, (socket) => setState((s) => ({ ...s, socket })));
  onCleanup(() => handle.close());
  return state;
}

/** The signed-in user's devices, shared by every page (one request, refreshed when a page asks). */
import { createSignal } from "solid-js";
import { listDevices } from "../api/devices";
import type { Device } from "../api/types";

const [devices, setDevices] = createSignal<Device[] | undefined>(undefined);
const [error, setError] = createSignal<unknown>(null);
let inflight: Promise<void> | null = null;

/** Owned first, then by name: the order people expect to find their own car in. */
const order = (a: Device, b: Device) =>
  Number(b.is_owner) - Number(a.is_owner) ||
  deviceName(a).localeCompare(deviceName(b)) ||
  a.dongle_id.localeCompare(b.dongle_id);

export function refreshDevices(): Promise<void> {
  inflight ??= listDevices()
    .then((list) => {
      setDevices([...list].sort(order));
      setError(null);
    })
    .catch((err) => setError(err))
    .finally(() => {
      inflight = null;
    });
  return inflight;
}

export function deviceName(d: Pick<Device, "alias" | "device_type" | "dongle_id">): string {
  return d.alias?.trim() || (d.device_type ? `comma ${d.device_type}` : d.dongle_id);
}

export function patchDevice(updated: Device): void {
  setDevices((list) => list?.map((d) => (d.dongle_id === updated.dongle_id ? { ...d, ...updated } : d)));
}

export function forgetDevice(dongleId: string): void {
  setDevices((list) => list?.filter((d) => d.dongle_id !== dongleId));
}

export { devices, error as devicesError };

/** Devices: comma-compatible endpoints (docs/connect-api.md §3, §4.3). */
import { request } from "./client";
import type { Device, DeviceLocation, DeviceStats, DeviceUser } from "./types";

const d = (dongleId: string) => encodeURIComponent(dongleId);

export const ONLINE_WINDOW_S = 120;
export const isOnline = (device: Pick<Device, "last_athena_ping">, nowS = Date.now() / 1000) =>
  device.last_athena_ping > 0 && nowS - device.last_athena_ping <= ONLINE_WINDOW_S;

export const listDevices = () => request<Device[]>("/v1/me/devices/");
export const getDevice = (dongleId: string) => request<Device>(`/v1.1/devices/${d(dongleId)}/`);
export const setAlias = (dongleId: string, alias: string) =>
  request<Device>(`/v1/devices/${d(dongleId)}/`, { method: "PATCH", json: { alias } });
export const getStats = (dongleId: string) => request<DeviceStats>(`/v1.1/devices/${d(dongleId)}/stats`);
export const getLocation = (dongleId: string) => request<DeviceLocation>(`/v1/devices/${d(dongleId)}/location`);
export const listUsers = (dongleId: string) => request<DeviceUser[]>(`/v1/devices/${d(dongleId)}/users`);
export const addUser = (dongleId: string, email: string, permission: "read" | "write" = "read") =>
  request(`/v1/devices/${d(dongleId)}/add_user`, { json: { email, permission } });
export const removeUser = (dongleId: string, email: string) =>
  request(`/v1/devices/${d(dongleId)}/del_user`, { json: { email } });
export const unpair = (dongleId: string) => request(`/v1/devices/${d(dongleId)}/unpair`, { method: "POST" });

/** POST /v2/pilotpair/ with the device's pair token (form field `pair_token`, as comma's apps send it). */
export const pair = (pairToken: string) =>
  request<{ dongle_id?: string; first_pair?: boolean }>("/v2/pilotpair/", { form: { pair_token: pairToken } });

/** A registration that named this device's serial with another key (docs/security.md → "Device identity"). */
export interface KeyRequest {
  id: number;
  dongle_id: string;
  state: "pending" | "approved" | "rejected";
  key_algorithm: "RS256" | "ES256";
  key_fingerprint: string;
  serial: string;
  ip: string | null;
  first_seen: number;
  last_seen: number | null;
}
export const listKeyRequests = (dongleId: string) =>
  request<KeyRequest[]>(`/api/v1/devices/${d(dongleId)}/key-requests`);
export const decideKeyRequest = (dongleId: string, id: number, decision: "approve" | "reject") =>
  request<KeyRequest>(`/api/v1/devices/${d(dongleId)}/key-requests/${id}/${decision}`, { method: "POST" });

/**
 * What `last_athena_ping` we report. The device's Durable Object writes D1 only on connect, on disconnect and
 * once per PRESENCE_LEASE_REFRESH_S while the socket stays open (durable-objects/presence.ts), instead of every
 * minute: that write was a third of all D1 rows written per device. While `athena_online` is set and the lease is
 * fresh, the device is held by its object and answers keepalives every 20 s, so "now" is the truth comma's apps
 * want (online = ping within 120 s). The lease bounds the damage if the object ever fails to clear
 * `athena_online` (its keepalive alarm repairs a socket that vanished without a close event; the lease covers a lost
 * alarm or a failed D1 write): after it, the stored value shows through and the device reads as offline.
 */
export const PRESENCE_LEASE_REFRESH_S = 30 * 60;
/** Refresh interval plus slack for a late keepalive reply and a failed write retried on the next frame. */
export const PRESENCE_LEASE_S = PRESENCE_LEASE_REFRESH_S + 5 * 60;

export function reportedAthenaPing(
  device: { lastAthenaPing: number | null; athenaOnline: boolean },
  nowS: number,
): number {
  const stored = device.lastAthenaPing ?? 0;
  return device.athenaOnline && stored >= nowS - PRESENCE_LEASE_S ? nowS : stored;
}

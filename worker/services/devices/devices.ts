import { eq } from "drizzle-orm";
import { database } from "../../db/client";
import { devices } from "../../db/schema";
import type { DeviceRow } from "../../db/types";
import { reportedAthenaPing } from "../../lib/athena-presence";
import { nowSeconds } from "../../lib/time";
import type { DeviceAccess } from "../access";

const TOUCH_INTERVAL_S = 60;

/** "openpilot-0.10.3" → "0.10.3". The Qt UI and python requests both send this User-Agent. */
export function versionFromUserAgent(ua: string | undefined | null): string | null {
  const m = /openpilot-([0-9][0-9A-Za-z.+_-]{0,40})/.exec(ua ?? "");
  return m ? m[1] : null;
}

/** Records that a device called, without writing D1 on every request (at most once a minute). */
export async function touchDevice(env: Env, device: DeviceRow, userAgent: string | undefined | null): Promise<void> {
  const now = nowSeconds();
  const version = versionFromUserAgent(userAgent);
  const versionChanged = version !== null && version !== device.openpilotVersion;
  if (!versionChanged && device.lastSeen && now - device.lastSeen < TOUCH_INTERVAL_S) return;
  await database(env)
    .update(devices)
    .set({ lastSeen: now, ...(version ? { openpilotVersion: version } : {}) })
    .where(eq(devices.dongleId, device.dongleId));
}

export function primeType(env: Env): number {
  const n = Number.parseInt(env.PRIME_TYPE ?? "0", 10);
  return Number.isInteger(n) && n >= 0 && n <= 5 ? n : 0;
}

/**
 * The ApiDevice object (docs/connect-api.md §4) that comma's apps render and the device polls.
 * The device reads only `is_paired` (boolean) and `prime_type` (int 0..5, never null).
 * `serial` is "" unless the viewer has owner access (owner, admin, the device itself): a serial is what a
 * key-change request names, so shares do not get to read it (docs/security.md).
 */
export function deviceView(env: Env, device: DeviceRow, viewer: { isOwner: boolean; access: DeviceAccess }) {
  const prime = primeType(env);
  return {
    dongle_id: device.dongleId,
    alias: device.alias ?? "",
    serial: viewer.access === "owner" ? (device.serial ?? "") : "",
    last_athena_ping: reportedAthenaPing(device, nowSeconds()),
    ignore_uploads: device.ignoreUploads,
    is_paired: device.isPaired,
    is_owner: viewer.isOwner,
    public_key: device.publicKey,
    prime: prime > 0,
    prime_type: prime,
    trial_claimed: false,
    device_type: device.deviceType ?? "",
    openpilot_version: device.openpilotVersion ?? "",
    sim_id: "",
    sim_type: 0,
    eligible_features: { prime: true, prime_data: true, nav: true },
    athena_host: null,
  };
}

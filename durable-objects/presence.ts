/**
 * Device presence in D1: `last_athena_ping` (unix s, what comma's apps read: online = within 120 s) and
 * `athena_online` (the socket is open). Readers report "now" for a device whose `athena_online` is set and whose
 * stored ping is inside the lease (worker/lib/athena-presence.ts), so D1 is written on connect, on disconnect (with
 * the time of the device's last frame, its "last seen") and once per PRESENCE_LEASE_REFRESH_S while the socket stays
 * open, not on every keepalive reply: 48 writes a day instead of 1,440.
 */
import { eq } from "drizzle-orm";
import { database } from "../worker/db/client";
import { devices } from "../worker/db/schema";
import type { DeviceRow } from "../worker/db/types";
import { PRESENCE_LEASE_REFRESH_S } from "../worker/lib/athena-presence";
import type { Meta } from "./storage";

/** How often the stored ping is refreshed while the socket is open (the bench prices it). */
export const PING_WRITE_INTERVAL_S = PRESENCE_LEASE_REFRESH_S;
const WRITTEN_AT = "ping_written_at";
const ONLINE = "online";

export class Presence {
  constructor(
    private readonly env: Env,
    private readonly meta: Meta,
  ) {}

  async connected(dongleId: string, nowS: number): Promise<void> {
    await this.write(dongleId, { lastAthenaPing: nowS, athenaOnline: true });
    this.meta.set(WRITTEN_AT, nowS);
    this.meta.set(ONLINE, 1);
  }

  /** Whether D1 was last told the device is online (to repair it if a socket vanished without a close event). */
  get markedOnline(): boolean {
    return this.meta.get(ONLINE) === "1";
  }

  /**
   * Called for every frame from the device; writes only when the lease needs refreshing. The time is remembered
   * only once the write succeeded, so a failed write is retried on the next frame (20 s later), not a lease later.
   */
  async heard(dongleId: string, nowS: number): Promise<void> {
    const last = this.meta.getNumber(WRITTEN_AT) ?? 0;
    if (nowS - last < PING_WRITE_INTERVAL_S) return;
    if (await this.write(dongleId, { lastAthenaPing: nowS })) this.meta.set(WRITTEN_AT, nowS);
  }

  /** `lastFrameS`: when the device was last heard, stored as its ping so an offline device shows when it left. */
  async disconnected(dongleId: string, lastFrameS: number | null): Promise<void> {
    this.meta.set(ONLINE, 0);
    await this.write(dongleId, {
      athenaOnline: false,
      ...(lastFrameS === null ? {} : { lastAthenaPing: lastFrameS }),
    });
  }

  /** One update of the device row; the drizzle instance is built once per isolate (worker/db/client.ts). */
  private async write(
    dongleId: string,
    set: Pick<Partial<DeviceRow>, "lastAthenaPing" | "athenaOnline">,
  ): Promise<boolean> {
    try {
      await database(this.env).update(devices).set(set).where(eq(devices.dongleId, dongleId));
      return true;
    } catch (err) {
      // Presence is advisory: a failed write must not break the socket or the relay.
      console.error("athena presence write failed", dongleId, err);
      return false;
    }
  }
}

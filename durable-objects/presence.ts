/**
 * Device presence in D1: `last_athena_ping` (unix s, what comma's apps read: online = within 120 s) and
 * `athena_online` (the socket is open). Keepalive replies arrive every KEEPALIVE_INTERVAL_MS from every connected
 * device, so the ping is written at most once per PING_WRITE_INTERVAL_S rather than on every frame; the value is
 * then never more than ~80 s old while the device answers, well inside the apps' 120 s window.
 */
import { eq } from "drizzle-orm";
import { database } from "../worker/db/client";
import { devices } from "../worker/db/schema";
import type { DeviceRow } from "../worker/db/types";
import type { Meta } from "./storage";

export const PING_WRITE_INTERVAL_S = 60;
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

  /** Called for every frame from the device; writes only when the stored ping is getting old. */
  async heard(dongleId: string, nowS: number): Promise<void> {
    const last = this.meta.getNumber(WRITTEN_AT) ?? 0;
    if (nowS - last < PING_WRITE_INTERVAL_S) return;
    this.meta.set(WRITTEN_AT, nowS);
    await this.write(dongleId, { lastAthenaPing: nowS });
  }

  async disconnected(dongleId: string): Promise<void> {
    this.meta.set(ONLINE, 0);
    await this.write(dongleId, { athenaOnline: false });
  }

  /** One update of the device row; the drizzle instance is built once per isolate (worker/db/client.ts). */
  private async write(
    dongleId: string,
    set: Pick<Partial<DeviceRow>, "lastAthenaPing" | "athenaOnline">,
  ): Promise<void> {
    try {
      await database(this.env).update(devices).set(set).where(eq(devices.dongleId, dongleId));
    } catch (err) {
      // Presence is advisory: a failed write must not break the socket or the relay.
      console.error("athena presence write failed", dongleId, err);
    }
  }
}

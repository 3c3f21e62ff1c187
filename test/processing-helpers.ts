/** Helpers for the processing tests: upload through the device path, wait for the real queue consumer, read results. */
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import {
  concatMessages,
  futureMember,
  initData,
  syntheticSegment,
  zstdStored,
  type SyntheticSegmentOptions,
} from "./fixtures/openpilot-log";
import { registeredDevice } from "./helpers";

/** A registered simulated device; its dongle id is known from here on. */
export type SimDevice = Awaited<ReturnType<typeof registeredDevice>> & { readonly dongleId: string };

export async function simDevice(): Promise<SimDevice> {
  return (await registeredDevice()) as SimDevice;
}

export interface FileRow {
  key: string;
  state: "pending" | "done" | "failed";
  fail_reason: string | null;
}

export async function upload(device: SimDevice, path: string, data: Uint8Array): Promise<void> {
  const out = await device.uploadFile(path, data);
  if (out.outcome !== "uploaded") throw new Error(`upload of ${path} failed: ${out.status}`);
}

/** R2 key of a device upload path ("<log_id>--<seg>/<file>" or "boot/<name>"). */
export function keyOf(device: SimDevice, path: string): string {
  const [dir, file] = path.split("/");
  if (dir === "boot" || dir === "crash") return `${device.dongleId}/${dir}/${file}`;
  const cut = dir.lastIndexOf("--");
  return `${device.dongleId}/${dir.slice(0, cut)}/${dir.slice(cut + 2)}/${file}`;
}

/** Waits until the queue consumer has settled every key (state no longer pending). */
export async function waitSettled(keys: string[], timeout = 20_000): Promise<FileRow[]> {
  return vi.waitFor(
    async () => {
      const rows: FileRow[] = [];
      for (const key of keys) {
        const row = await env.DB.prepare("SELECT key, state, fail_reason FROM uploaded_files WHERE key = ?")
          .bind(key)
          .first<FileRow>();
        if (!row || row.state === "pending") throw new Error(`${key} still ${row?.state ?? "missing"}`);
        rows.push(row);
      }
      return rows;
    },
    { timeout, interval: 100 },
  );
}

/** Upload files in order and wait for all of them to be processed. */
export async function uploadAndSettle(
  device: SimDevice,
  files: Record<string, Uint8Array> | [string, Uint8Array][],
): Promise<FileRow[]> {
  const list = Array.isArray(files) ? files : Object.entries(files);
  for (const [path, data] of list) await upload(device, path, data);
  return waitSettled(list.map(([path]) => keyOf(device, path)));
}

export async function r2Json(key: string): Promise<unknown> {
  const obj = await env.MEDIA.get(key);
  return obj ? obj.json() : null;
}

export async function r2Bytes(key: string): Promise<Uint8Array | null> {
  const obj = await env.MEDIA.get(key);
  return obj ? new Uint8Array(await obj.arrayBuffer()) : null;
}

export const routeRow = (dongleId: string, logId: string) =>
  env.DB.prepare("SELECT * FROM routes WHERE dongle_id = ? AND log_id = ?")
    .bind(dongleId, logId)
    .first<Record<string, unknown>>();

export const segmentRows = (dongleId: string, logId: string) =>
  env.DB.prepare(
    "SELECT number, state, fail_reason, start_time_ms, end_time_ms, qcamera_duration, has_qlog, has_qcamera, has_rlog FROM segments WHERE dongle_id = ? AND log_id = ? ORDER BY number",
  )
    .bind(dongleId, logId)
    .all<Record<string, unknown>>()
    .then((r) => r.results);

/** The route row without what legitimately differs between two routes (ids, names, creation time). */
export function routeFields(row: Record<string, unknown> | null) {
  if (!row) return null;
  const { id: _i, log_id: _l, fullname: _f, create_time: _c, dongle_id: _d, ...rest } = row;
  return rest;
}

/** A 3-segment synthetic route: raw capnp wrapped in a (stored-block) zstd frame, like a device's qlog.zst. */
export const qlogZst = (segment: number, o: SyntheticSegmentOptions = {}) =>
  zstdStored(syntheticSegment({ segment, routeSegments: 3, ...o }));

/** A boot log as bootlog.cc writes it: initData (with params) and a boot message (a member we do not read). */
export function bootLog(o: { deviceType?: number; version?: string; serial?: string } = {}): Uint8Array {
  const params: Record<string, string> = { RecordFront: "0" };
  if (o.serial) params.HardwareSerial = o.serial;
  const t = 12_000_000_000;
  return zstdStored(
    concatMessages([
      initData(t, { deviceType: o.deviceType ?? 6, version: o.version ?? "0.10.1", params }),
      futureMember(t + 1e6),
    ]),
  );
}

/** A whole-length zstd qlog whose first block has the reserved block type 3: the decoder must reject it. */
export function corruptZstd(): Uint8Array {
  const bad = qlogZst(1);
  bad[6] |= 0b110; // first block header (after the 6-byte frame header): type bits = 3
  return bad;
}

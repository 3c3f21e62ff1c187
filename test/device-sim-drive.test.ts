/**
 * The simulator's drive (what `npm run dev` seeds as the demo and `npm run device:sim` uploads): real synthetic
 * qlogs and qcamera video, uploaded in the device's order and processed by the real consumer into a drive with a
 * track, events and video, dated when the caller asked.
 */
import { describe, expect, it } from "vitest";
import { derivedKey } from "../worker/services/drives/views";
import { syntheticDriveFiles } from "./device-sim/drive-files";
import { newRouteName, uploadOrder } from "./device-sim/route";
import { r2Json, routeRow, segmentRows, simDevice, uploadAndSettle } from "./processing-helpers";

describe("simulated drive files", () => {
  it("process into a dated drive with a track, events and video on every segment", async () => {
    const device = await simDevice();
    const route = newRouteName();
    const startMs = Date.UTC(2026, 0, 15, 7, 30, 0);
    const files = uploadOrder(route, 2, syntheticDriveFiles({ segments: 2, startMs }));
    expect(files.map((f) => f.key)).toEqual([
      `${route}--0/qlog.zst`,
      `${route}--0/qcamera.ts`,
      `${route}--1/qlog.zst`,
      `${route}--1/qcamera.ts`,
    ]);
    // Same drive description, same bytes: what makes re-seeding the demo a no-op upload.
    expect(uploadOrder(route, 2, syntheticDriveFiles({ segments: 2, startMs }))).toEqual(files);

    const rows = await uploadAndSettle(
      device,
      files.map((f) => [f.key, f.data] as [string, Uint8Array]),
    );
    expect(rows.map((r) => r.state)).toEqual(["done", "done", "done", "done"]);
    expect(await routeRow(device.dongleId, route)).toMatchObject({
      start_time_ms: startMs,
      end_time_ms: startMs + 120_000,
      procqlog: 1,
      maxqcamera: 1,
    });
    expect((await segmentRows(device.dongleId, route)).map((s) => [s.state, s.qcamera_duration])).toEqual([
      ["done", 2],
      ["done", 2],
    ]);
    for (const n of [0, 1]) {
      expect(
        ((await r2Json(derivedKey(device.dongleId, route, n, "coords.json"))) as unknown[]).length,
      ).toBeGreaterThan(50);
    }
    const events = (await r2Json(derivedKey(device.dongleId, route, 0, "events.json"))) as { type: string }[];
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["state", "user_flag"]));
  });
});

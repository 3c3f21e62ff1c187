/**
 * Upload processing through the real path: device upload (signed PUT) → R2 + D1 booking → Queue → consumer
 * (worker/queue/upload-consumer.ts) → derived files in R2, segment/route rows in D1. Expected values come from
 * the synthetic drive's definition (test/fixtures/openpilot-log.ts), not from the code under test, except where
 * a test only checks that the consumer stored what the (separately tested) log library derives.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../worker";
import { deriveSegment } from "../worker/logs";
import type { UploadQueueMessage } from "../worker/protocol/queue-messages";
import { derivedKey } from "../worker/services/drives/views";
import { newRouteName } from "./device-sim/route";
import { SYN_CAR, SYN_INIT, SYN_WALL_OFFSET, syntheticSegment } from "./fixtures/openpilot-log";
import { syntheticJpeg } from "./fixtures/jpeg";
import { qcameraTs, synNewBz2Level1, synNewZst, synOldBz2 } from "./fixtures/log-fixtures.generated";
import {
  bootLog,
  keyOf,
  qlogZst,
  r2Bytes,
  r2Json,
  routeRow,
  segmentRows,
  simDevice,
  uploadAndSettle,
} from "./processing-helpers";

/** Wall ms of a synthetic logMonoTime, rounded to the second like comma's route times. */
const wallSecondMs = (mono: number) => Math.round(Number((BigInt(mono) + SYN_WALL_OFFSET) / 1_000_000n) / 1000) * 1000;

const fileInfo = (key: string) =>
  env.DB.prepare("SELECT info FROM file_processing WHERE key = ?")
    .bind(key)
    .first<{ info: string }>()
    .then((r) => (r ? JSON.parse(r.info) : null));

describe("qlog processing", () => {
  it("turns a 3-segment qlog.zst route into derived files, done segments and comma's route fields", async () => {
    const device = await simDevice();
    const route = newRouteName();
    const rows = await uploadAndSettle(device, [
      [`${route}--0/qlog.zst`, qlogZst(0)],
      [`${route}--0/qcamera.ts`, qcameraTs],
      [`${route}--1/qlog.zst`, qlogZst(1)],
      [`${route}--2/qlog.zst`, qlogZst(2)],
    ]);
    expect(rows.map((r) => r.state)).toEqual(["done", "done", "done", "done"]);

    for (const n of [0, 1, 2]) {
      const expected = await deriveSegment(syntheticSegment({ segment: n, routeSegments: 3 }));
      expect(await r2Json(derivedKey(device.dongleId, route, n, "coords.json"))).toEqual(expected.coords);
      expect(await r2Json(derivedKey(device.dongleId, route, n, "events.json"))).toEqual(expected.events);
      // The segment's qlog thumbnail is its sprite (fixture JPEG seeded with segment + 1).
      expect(await r2Bytes(derivedKey(device.dongleId, route, n, "sprite.jpg"))).toEqual(syntheticJpeg(3000, n + 1));
    }
    const coords0 = (await r2Json(derivedKey(device.dongleId, route, 0, "coords.json"))) as {
      t: number;
      lat: number;
    }[];
    expect(coords0[0].t).toBe(3); // the first fix comes 3 s into the route
    const events0 = (await r2Json(derivedKey(device.dongleId, route, 0, "events.json"))) as {
      type: string;
      data: Record<string, unknown>;
    }[];
    expect(events0[0]).toMatchObject({ type: "event", data: { event_type: "record_front_toggle", value: true } });

    const r = await routeRow(device.dongleId, route);
    const start = wallSecondMs(SYN_INIT);
    const end = wallSecondMs(SYN_INIT + 180e9 - 1e6); // last message: segment 2's end sentinel, 1 ms before 3 min
    expect(r).toMatchObject({
      start_time_ms: start,
      end_time_ms: end,
      maxqlog: 2,
      procqlog: 2,
      maxqcamera: 0,
      version: "0.10.2",
      git_branch: "master",
      git_commit: "d4185a5d571583f02a2683ff635a964313ea9a25",
      git_commit_date: "2025-11-08T01:37:40",
      git_dirty: 0,
      git_remote: "github.com/commaai/openpilot",
      platform: SYN_CAR.fingerprint,
      make: SYN_CAR.brand,
      vin: SYN_CAR.vin,
      device_type: "tizi",
    });
    // Start/end: the first and last GPS points of the drive; distance: the segments' last `dist`, in miles.
    const c = await Promise.all(
      [0, 1, 2].map(
        async (n) =>
          (await r2Json(derivedKey(device.dongleId, route, n, "coords.json"))) as {
            lat: number;
            lng: number;
            dist: number;
          }[],
      ),
    );
    expect(r!.start_lat).toBeCloseTo(c[0][0].lat, 4);
    expect(r!.end_lng).toBeCloseTo(c[2][c[2].length - 1].lng, 4);
    expect(r!.distance_miles).toBeCloseTo(
      c.reduce((d, s) => d + s[s.length - 1].dist, 0),
      6,
    );
    expect(r!.distance_miles).toBeGreaterThan(0.5); // ~1 km of driving at up to 20 m/s

    const segs = await segmentRows(device.dongleId, route);
    expect(segs).toEqual(
      [0, 1, 2].map((n) =>
        expect.objectContaining({
          number: n,
          state: "done",
          fail_reason: null,
          start_time_ms: start + 60_000 * n,
          end_time_ms: n === 2 ? end : start + 60_000 * (n + 1),
        }),
      ),
    );
    expect(segs[0].qcamera_duration).toBeCloseTo(2.0, 3); // the fixture is 2 s of 20 fps video
  });

  it.each([
    ["old schema, bzip2", "qlog.bz2", synOldBz2, "bzip2"],
    ["new schema, multi-block bzip2", "qlog.bz2", synNewBz2Level1, "bzip2"],
    ["new schema, real zstd", "qlog.zst", synNewZst, "zstd"],
    ["old schema, raw capnp", "qlog", syntheticSegment({ schema: "old", seconds: 20 }), "raw"],
  ])("reads a %s qlog", async (_name, file, bytes, container) => {
    const device = await simDevice();
    const route = newRouteName();
    const [row] = await uploadAndSettle(device, [[`${route}--0/${file}`, bytes]]);
    expect(row).toMatchObject({ state: "done", fail_reason: null });
    const expected = await deriveSegment(bytes);
    expect(expected.coords.length).toBeGreaterThan(5);
    expect(await r2Json(derivedKey(device.dongleId, route, 0, "coords.json"))).toEqual(expected.coords);
    expect(await r2Json(derivedKey(device.dongleId, route, 0, "events.json"))).toEqual(expected.events);
    expect(await fileInfo(keyOf(device, `${route}--0/${file}`))).toMatchObject({ container, truncated: false });
    const r = await routeRow(device.dongleId, route);
    expect(r).toMatchObject({
      procqlog: 0,
      start_time_ms: wallSecondMs(SYN_INIT),
      platform: SYN_CAR.fingerprint,
      make: SYN_CAR.brand,
    });
  });
});

describe("rows written (D1 bills each one)", () => {
  it("rewrites only the segment rows whose times change when a segment is added", async () => {
    const device = await simDevice();
    const route = newRouteName();
    await uploadAndSettle(
      device,
      [0, 1].map((n) => [`${route}--${n}/qlog.zst`, qlogZst(n)] as [string, Uint8Array]),
    );
    // Counts every UPDATE that writes a segment's times (a trigger fires once per row written).
    await env.DB.batch([
      env.DB.prepare("CREATE TABLE IF NOT EXISTS test_time_writes (number INTEGER)"),
      env.DB.prepare(
        `CREATE TRIGGER IF NOT EXISTS test_count_time_writes AFTER UPDATE OF start_time_ms, end_time_ms ON segments
         BEGIN INSERT INTO test_time_writes VALUES (NEW.number); END`,
      ),
    ]);
    const before = await segmentRows(device.dongleId, route);
    await uploadAndSettle(device, [[`${route}--2/qlog.zst`, qlogZst(2)]]);
    const written = await env.DB.prepare("SELECT number FROM test_time_writes ORDER BY number").all<{
      number: number;
    }>();
    await env.DB.exec("DROP TRIGGER test_count_time_writes");
    // Segment 0 keeps its times and is not written; the new segment gets its times.
    const numbers = written.results.map((r) => r.number);
    expect(numbers).toContain(2);
    expect(numbers).not.toContain(0);
    const after = await segmentRows(device.dongleId, route);
    expect(after[0]).toEqual(before[0]);
    expect(after[2].start_time_ms).toBe((after[0].start_time_ms as number) + 2 * 60_000);
  });
});

describe("other files", () => {
  it("validates an rlog with a strict scan; a truncated one fails its segment with the reason", async () => {
    const device = await simDevice();
    const route = newRouteName();
    const good = qlogZst(0);
    const cut = good.subarray(0, Math.floor(good.length * 0.7));
    const rows = await uploadAndSettle(device, [
      [`${route}--0/rlog.zst`, good],
      [`${route}--1/rlog.zst`, cut],
    ]);
    expect(rows[0]).toMatchObject({ state: "done", fail_reason: null });
    expect(rows[1].state).toBe("failed");
    expect(rows[1].fail_reason).toMatch(/^truncated: /);
    const info = await fileInfo(rows[0].key);
    expect(info).toMatchObject({ container: "zstd", messages: (await deriveSegment(good)).meta.messages });
    expect(info.services).toMatchObject({ initData: 1, thumbnail: 1 });
    const segs = await segmentRows(device.dongleId, route);
    expect(segs.map((s) => [s.number, s.state, s.has_rlog])).toEqual([
      [0, "done", 1],
      [1, "failed", 1],
    ]);
    expect(segs[1].fail_reason).toMatch(/^rlog\.zst: truncated: /);
    expect(await routeRow(device.dongleId, route)).toMatchObject({ maxlog: 1, procqlog: -1 });
  });

  it("takes qcamera.ts duration from the video; a cut file fails and has no duration", async () => {
    const device = await simDevice();
    const route = newRouteName();
    const rows = await uploadAndSettle(device, [
      [`${route}--0/qcamera.ts`, qcameraTs],
      [`${route}--1/qcamera.ts`, qcameraTs.subarray(0, qcameraTs.length - 100)],
    ]);
    expect(rows.map((r) => r.state)).toEqual(["done", "failed"]);
    expect(rows[1].fail_reason).toMatch(/^truncated: qcamera\.ts ends with a partial/);
    const segs = await segmentRows(device.dongleId, route);
    expect(segs[0]).toMatchObject({ state: "done", qcamera_duration: 2 });
    expect(segs[1]).toMatchObject({ state: "failed", qcamera_duration: null });
    expect(await fileInfo(rows[0].key)).toMatchObject({
      frames: 40,
      codec: "h264",
      hasAudio: true,
      firstFrameIsKeyframe: true,
    });
  });

  it("fills the device record from a boot log's initData without rolling the version back", async () => {
    const device = await simDevice();
    const dev = () =>
      env.DB.prepare("SELECT device_type, serial, openpilot_version FROM devices WHERE dongle_id = ?")
        .bind(device.dongleId)
        .first();
    await env.DB.prepare("UPDATE devices SET serial = NULL, device_type = NULL WHERE dongle_id = ?")
      .bind(device.dongleId)
      .run();
    const path = "boot/0000002b--e4f1a09c7d.zst";
    const bytes = bootLog({ deviceType: 6, version: "0.10.1", serial: "c0ffee42" });
    const [boot] = await uploadAndSettle(device, [[path, bytes]]);
    expect(boot.state).toBe("done");
    // The upload's own API calls reported 0.10.3 (User-Agent): a boot log, possibly days old, must not roll it back.
    expect(await dev()).toEqual({ device_type: "tizi", serial: "c0ffee42", openpilot_version: "0.10.3" });
    // Where the version is missing, the boot log fills it in (same message run again through the consumer).
    await env.DB.prepare("UPDATE devices SET openpilot_version = NULL WHERE dongle_id = ?").bind(device.dongleId).run();
    const msg = {
      type: "file",
      key: keyOf(device, path),
      dongleId: device.dongleId,
      logId: null,
      segment: null,
      kind: "boot",
      fileName: "0000002b--e4f1a09c7d.zst",
      size: bytes.length,
    };
    const batch = createMessageBatch("edge-connect-uploads", [
      { id: "boot-1", timestamp: Date.now(), attempts: 1, body: msg },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as MessageBatch<UploadQueueMessage>, env, ctx);
    expect(await getQueueResult(batch, ctx)).toMatchObject({ explicitAcks: ["boot-1"], retryMessages: [] });
    expect(await dev()).toEqual({ device_type: "tizi", serial: "c0ffee42", openpilot_version: "0.10.1" });
    // A later boot log keeps the serial already known; the device type follows the hardware.
    await uploadAndSettle(device, [
      ["boot/0000002a--aaaaaaaaaa.zst", bootLog({ deviceType: 7, version: "0.9.9", serial: "other" })],
    ]);
    expect(await dev()).toMatchObject({ device_type: "mici", serial: "c0ffee42" });
    // Not a log at all: failed with a reason.
    const [bad] = await uploadAndSettle(device, [
      ["boot/0000002c--bbbbbbbbbb", new TextEncoder().encode("not a capnp log, just text")],
    ]);
    expect(bad.state).toBe("failed");
    expect(bad.fail_reason).toBeTruthy();
    const [crash] = await uploadAndSettle(device, [
      ["crash/2025-12-01--10-11-12_abcdef12_ui", new TextEncoder().encode("Traceback …")],
    ]);
    expect(crash).toMatchObject({ state: "done", fail_reason: null });
  });

  it("records full-resolution camera files as done", async () => {
    const device = await simDevice();
    const route = newRouteName();
    const rows = await uploadAndSettle(device, [
      [`${route}--0/fcamera.hevc`, new Uint8Array(5000)],
      [`${route}--0/ecamera.hevc`, new Uint8Array(10)],
      [`${route}--0/dcamera.hevc`, new Uint8Array(10)],
    ]);
    expect(rows.map((r) => r.state)).toEqual(["done", "done", "done"]);
    expect(await fileInfo(rows[0].key)).toEqual({ size: 5000 });
    expect(await routeRow(device.dongleId, route)).toMatchObject({ maxcamera: 0, maxecamera: 0, maxdcamera: 0 });
    expect((await segmentRows(device.dongleId, route))[0]).toMatchObject({ state: "done" });
  });
});

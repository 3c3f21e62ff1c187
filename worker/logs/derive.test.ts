import { describe, expect, it } from "vitest";
import { synNewZst, synOldBz2 } from "../../test/fixtures/log-fixtures.generated";
import {
  bookmarkButton,
  concatMessages,
  gps,
  selfdriveState,
  SYN_CAR,
  SYN_DRIVE,
  SYN_INIT,
  SYN_WALL_OFFSET,
  syntheticSegment,
  zstdStored,
} from "../../test/fixtures/openpilot-log";
import { deriveSegment, spriteThumbnail } from "./derive";
import { syntheticJpeg } from "../../test/fixtures/jpeg";
import { LogFormatError } from "./errors";
import { aggregateRoute } from "./route";
import { scanRlog } from "./scan";
import { chunked } from "./stream";

async function* gen(b: Uint8Array, size: number) {
  yield* chunked(b, size);
}
const json = (v: unknown) => JSON.stringify(v);
const S = 1e9;

async function logError(p: Promise<unknown>): Promise<LogFormatError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(LogFormatError);
  return e as LogFormatError;
}

describe("deriveSegment on synthetic qlogs", () => {
  const newRaw = syntheticSegment({ schema: "new", userFlagsAt: [12.5] });

  it("produces the expected events.json for a current-schema segment", async () => {
    const d = await deriveSegment(newRaw);
    const segStart = SYN_INIT + 2e6;
    const ev = (time: number, rest: object) => ({
      time,
      offset_millis: Math.trunc((time - segStart) / 1e6),
      route_offset_millis: Math.floor((time - SYN_INIT) / 1e6),
      ...rest,
    });
    const st = (t: number, state: string, enabled: boolean, alertStatus: number) => ({
      type: "state",
      ...ev(t, { data: { state, enabled, alertStatus } }),
    });
    const expected = [
      { type: "event", ...ev(segStart, { data: { event_type: "record_front_toggle", value: true } }) },
      st(segStart + 37e6, "disabled", false, 1),
      { type: "event", ...ev(segStart + 945e6, { data: { event_type: "first_road_camera_frame" } }) },
      st(segStart + 5 * S + 37e6, "disabled", false, 0),
      { type: "user_flag", ...ev(segStart + 12.5 * S, { data: {} }) },
      st(segStart + 20 * S + 37e6, "enabled", true, 0),
      st(segStart + 40 * S + 37e6, "overriding", true, 0),
      st(segStart + 45 * S + 37e6, "enabled", true, 0),
    ].map((e) => {
      // Key order as comma writes it: type, time, offset_millis, route_offset_millis, data.
      const { type, time, offset_millis, route_offset_millis, data } = e as {
        type: string;
        time: number;
        offset_millis: number;
        route_offset_millis: number;
        data: unknown;
      };
      return { type, time, offset_millis, route_offset_millis, data };
    });
    expect(json(d.events)).toBe(json(expected));
  });

  it("produces coords sampled mid-second, interpolated, with cumulative miles", async () => {
    const d = await deriveSegment(newRaw);
    const segStart = SYN_INIT + 2e6;
    // First fix at route second 3.302 -> first sample at k=3 (s = 3.502 s route time).
    expect(d.coords[0].t).toBe(3);
    expect(d.coords.at(-1)!.t).toBe(58); // last fix at 59.302 s: k=58 (58.502 s) is the last bracketed sample
    expect(d.coords).toHaveLength(56);
    let dist = 0;
    d.coords.forEach((c, i) => {
      const rs = (segStart + (c.t + 0.5) * S - SYN_INIT) / S;
      expect(c.lat).toBeCloseTo(SYN_DRIVE.lat0 + SYN_DRIVE.dLat * rs, 7);
      expect(c.lng).toBeCloseTo(SYN_DRIVE.lng0 + SYN_DRIVE.dLng * rs, 7);
      expect(c.speed).toBeCloseTo(SYN_DRIVE.speedAt(rs), 2);
      if (i > 0) dist += (d.coords[i - 1].speed * (c.t - d.coords[i - 1].t)) / 1609.344;
      expect(c.dist).toBeCloseTo(dist, 6);
      expect(Object.keys(c)).toEqual(["t", "lat", "lng", "speed", "dist"]);
    });
  });

  it("derives identical outputs from old and new schemas, far-pointer layouts, containers and chunkings", async () => {
    const ref = await deriveSegment(newRaw);
    const variants: [string, Uint8Array | AsyncIterable<Uint8Array>][] = [
      [
        "old schema (controlsState, onroadEvents@68, userFlag, gpsLocationExternal)",
        syntheticSegment({ schema: "old", userFlagsAt: [12.5] }),
      ],
      ["single-far everywhere", syntheticSegment({ schema: "new", userFlagsAt: [12.5], farModeAll: "single" })],
      ["double-far everywhere", syntheticSegment({ schema: "new", userFlagsAt: [12.5], farModeAll: "double" })],
      ["zstd stored blocks, 1000-byte chunks", gen(zstdStored(newRaw, 70_000), 1000)],
      ["raw, 3-byte chunks", gen(newRaw, 3)],
    ];
    for (const [name, src] of variants) {
      const d = await deriveSegment(src);
      expect(json(d.coords), name).toBe(json(ref.coords));
      expect(json(d.events), name).toBe(json(ref.events));
      expect(d.meta.car, name).toMatchObject({
        brand: SYN_CAR.brand,
        carFingerprint: SYN_CAR.fingerprint,
        carVin: SYN_CAR.vin,
      });
    }
    const old = await deriveSegment(variants[0][1] as Uint8Array);
    expect(old.meta.stateSource).toBe("controlsState");
    expect(old.meta.gpsSources).toEqual(["ublox"]);
    expect(ref.meta.stateSource).toBe("selfdriveState");
    expect(ref.meta.gpsSources).toEqual(["qcomdiag"]);
  });

  it("decodes the committed zstd -10 and bzip2 -9 fixtures (new and old schema) to the same drive", async () => {
    const z = await deriveSegment(gen(synNewZst, 512));
    const b = await deriveSegment(gen(synOldBz2, 512));
    expect(z.meta.container).toBe("zstd");
    expect(b.meta.container).toBe("bzip2");
    expect(json(b.events)).toBe(json(z.events));
    expect(json(b.coords)).toBe(json(z.coords));
    expect(z.events.filter((e) => e.type === "user_flag").map((e) => e.offset_millis)).toEqual([6500]);
    expect(z.coords.length).toBe(8); // fixes from 3.302 s to 11.302 s -> samples k = 3..10
    expect(z.meta.init.version).toBe("0.10.2");
  });

  it("handles out-of-order files: segStart ignores messages stamped before initData", async () => {
    const raw = syntheticSegment({ schema: "new", outOfOrder: true });
    const d = await deriveSegment(raw);
    expect(d.meta.minLogMonoTime).toBe(SYN_INIT - 17e6);
    expect(d.meta.segStartLogMonoTime).toBe(SYN_INIT + 2e6);
    expect(d.events[0]).toMatchObject({
      offset_millis: 0,
      route_offset_millis: 2,
      data: { event_type: "record_front_toggle" },
    });
    // Coords do not depend on file order (fixes are sorted by time).
    expect(json(d.coords)).toBe(json((await deriveSegment(syntheticSegment({ schema: "new" }))).coords));
    // initData later in the file than other messages: same result.
    const dv = new DataView(raw.buffer, raw.byteOffset);
    const segs = dv.getUint32(0, true) + 1;
    let initLen = (4 * (segs + 1) + 7) & ~7;
    for (let i = 0; i < segs; i++) initLen += dv.getUint32(4 + 4 * i, true) * 8;
    const init = raw.subarray(0, initLen);
    const moved = concatMessages([
      selfdriveState(SYN_INIT + 1e6, { state: "disabled", enabled: false, alertStatus: 1 }),
      init,
      raw.subarray(initLen),
    ]);
    const m = await deriveSegment(moved);
    expect(m.meta.segStartLogMonoTime).toBe(SYN_INIT + 1e6);
  });

  it("counts bookmarks (userFlag/userBookmark), and bookmarkButton only on request", async () => {
    const raw = concatMessages([
      syntheticSegment({ seconds: 10, userFlagsAt: [1, 2] }),
      bookmarkButton(SYN_INIT + 3 * S),
    ]);
    const a = await deriveSegment(raw);
    expect(a.events.filter((e) => e.type === "user_flag")).toHaveLength(2);
    const b = await deriveSegment(raw, { bookmarkButtonAsUserFlag: true });
    expect(b.events.filter((e) => e.type === "user_flag")).toHaveLength(3);
    expect(b.meta.userFlags).toBe(3);
  });

  it("takes the first thumbnail that is a JPEG for sprite.jpg, and none when no payload is one", () => {
    const info = (frameId: number, jpeg: Uint8Array) => ({
      logMonoTime: frameId,
      frameId,
      timestampEof: 0,
      encoding: 0,
      jpeg,
    });
    const garbage = info(1, new Uint8Array([0xff, 0xd8, 0x27, 0xc4, 0xf9, 0x95, 0xd9, 0x9c])); // SOI, then no marker
    const real = info(2, syntheticJpeg(1000, 1));
    expect(spriteThumbnail([garbage, real])).toBe(real);
    expect(spriteThumbnail([real, info(3, syntheticJpeg(1000, 2))])).toBe(real);
    expect(spriteThumbnail([garbage])).toBeNull();
    expect(spriteThumbnail([])).toBeNull();
  });

  it("extracts the thumbnail JPEG and segment metadata", async () => {
    const d = await deriveSegment(newRaw);
    expect(d.thumbnails).toHaveLength(1);
    const th = spriteThumbnail(d.thumbnails)!;
    expect(th.frameId).toBe(100);
    expect(Array.from(th.jpeg.subarray(0, 2))).toEqual([0xff, 0xd8]);
    expect(th.jpeg.length).toBe(3000);
    const m = d.meta;
    expect(m.init).toMatchObject({ version: "0.10.2", gitBranch: "master", deviceType: "tizi", dirty: false });
    expect(m.gitCommitDateIso).toBe("2025-11-08T01:37:40");
    expect(m.params).toEqual({ RecordFront: "1" });
    expect(m.sentinels).toEqual(["startOfRoute", "endOfRoute"]);
    expect(m.qcameraFrames).toBe(1200);
    expect(m.qcameraDurationSeconds).toBe(60);
    expect(m.services["tag:300"]).toBe(4);
    expect(m.wallOffset?.source).toBe("clocks");
    expect(Math.abs(m.wallOffset!.offsetNs - Number(SYN_WALL_OFFSET))).toBeLessThan(1e3); // f64 resolution at 1.7e18 ns
    expect(m.engaged).toBe(true);
    expect(m.firstRoadCameraFrameEof).toBe(SYN_INIT + 2e6 + 945e6);
  });

  it("extracts only requested params", async () => {
    const d = await deriveSegment(syntheticSegment({ seconds: 5 }), { params: ["GithubUsername", "Missing"] });
    expect(d.meta.params).toEqual({ RecordFront: "1", GithubUsername: "secret-user" });
  });
});

describe("deriveSegment on bad input", () => {
  const raw = syntheticSegment({ seconds: 30 });

  it("derives from the complete messages of a truncated file, or throws when strict", async () => {
    for (const cut of [zstdStored(raw, 20_000).subarray(0, 90_000), raw.subarray(0, 90_000)]) {
      const d = await deriveSegment(gen(cut, 4096));
      expect(d.meta.truncated).toBe(true);
      expect(d.meta.truncatedReason).toMatch(/truncated/);
      expect(d.coords.length).toBeGreaterThan(3);
      expect(d.coords.length).toBeLessThan(27);
      const e = await logError(deriveSegment(gen(cut, 4096), { strict: true }));
      expect(e.code).toBe("truncated");
    }
  });

  it("rejects files without initData, empty files and non-log bytes", async () => {
    expect((await logError(deriveSegment(gps(1, { lat: 1, lng: 1, speed: 1 })))).code).toBe("missing-init-data");
    expect((await logError(deriveSegment(new Uint8Array(0)))).code).toBe("empty");
    expect((await logError(deriveSegment(new TextEncoder().encode("<html>not a log</html>")))).code).toBe("bad-frame");
    expect((await logError(deriveSegment(raw.subarray(0, 10)))).code).toBe("truncated");
  });

  it("never hangs on corrupted compressed input: every outcome is a result or a LogFormatError", async () => {
    let x = 7;
    const rnd = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let errors = 0;
    for (const src of [synNewZst, synOldBz2]) {
      for (let i = 0; i < 40; i++) {
        const bad = src.slice();
        const n = 1 + Math.floor(rnd() * 4);
        for (let k = 0; k < n; k++) bad[8 + Math.floor(rnd() * (bad.length - 8))] ^= 1 << Math.floor(rnd() * 8);
        const r = await deriveSegment(bad).then(
          () => null,
          (e: unknown) => e,
        );
        if (r) {
          expect(r).toBeInstanceOf(LogFormatError);
          errors++;
        }
      }
    }
    expect(errors).toBeGreaterThan(40); // bz2 CRCs catch every flip; zstd often does
  });
});

describe("aggregateRoute", () => {
  const metas = async (opts: Parameters<typeof syntheticSegment>[0] = {}, nums = [0, 1, 2]) =>
    Promise.all(
      nums.map(async (n) => ({
        number: n,
        meta: (
          await deriveSegment(
            syntheticSegment({ ...opts, segment: n, routeSegments: 3, seconds: n === 2 ? 30 : 60, encodeIdx: false }),
          )
        ).meta,
      })),
    );
  const wallMs = (mono: number) => Math.round((mono + Number(SYN_WALL_OFFSET)) / 1e9) * 1000;

  it("combines segments into comma's route fields", async () => {
    const segs = await metas();
    const r = aggregateRoute(segs);
    const start = wallMs(SYN_INIT);
    expect(r.start_time_utc_millis).toBe(start);
    expect(r.segment_numbers).toEqual([0, 1, 2]);
    expect(r.segment_start_times).toEqual([start, start + 60_000, start + 120_000]);
    expect(r.segment_end_times).toEqual([start + 60_000, start + 120_000, wallMs(segs[2].meta.maxLogMonoTime)]);
    expect(r.end_time_utc_millis).toBe(r.segment_end_times[2]);
    expect(r.start_time).toBe(new Date(start).toISOString().slice(0, 19));
    expect(r.distance).toBeCloseTo(
      segs.reduce((a, s) => a + s.meta.distanceMiles, 0),
      6,
    );
    expect(r.start_lat).toBe(58.3004);
    expect(r).toMatchObject({
      platform: SYN_CAR.fingerprint,
      make: SYN_CAR.brand,
      vin: SYN_CAR.vin,
      version: "0.10.2",
      git_branch: "master",
      git_remote: "github.com/commaai/openpilot",
      git_commit_date: "2025-11-08T01:37:40",
      git_dirty: false,
      device_type: "tizi",
      maxqlog: 2,
      wall_clock_source: "clocks",
    });
    // Order-independent, and a missing middle segment keeps route positions.
    expect(aggregateRoute([segs[2], segs[0], segs[1]])).toEqual(r);
    const gap = aggregateRoute([segs[0], segs[2]]);
    expect(gap.segment_numbers).toEqual([0, 2]);
    expect(gap.segment_start_times).toEqual([start, start + 120_000]);
  });

  it("ignores a stale initData wall time and falls back to GPS time without clocks", async () => {
    const stale = aggregateRoute(await metas({ staleInitWallTime: true }));
    expect(stale.start_time_utc_millis).toBe(wallMs(SYN_INIT));
    const noClocks = aggregateRoute(await metas({ staleInitWallTime: true, noClocks: true }));
    expect(noClocks.wall_clock_source).toBe("gps");
    // GPS time lags the publish time by 250 ms in the synthetic drive: within a second.
    expect(Math.abs(noClocks.start_time_utc_millis! - wallMs(SYN_INIT))).toBeLessThanOrEqual(1000);
  });
});

describe("scanRlog", () => {
  it("validates and counts a log streaming", async () => {
    const raw = syntheticSegment({ seconds: 20, farModeAll: "double" });
    const r = await scanRlog(gen(zstdStored(raw), 8192));
    expect(r.container).toBe("zstd");
    expect(r.truncated).toBe(false);
    expect(r.decompressedBytes).toBe(raw.length);
    expect(r.multiSegmentMessages).toBe(r.messages);
    expect(r.services).toMatchObject({
      initData: 1,
      gpsLocation: 20,
      selfdriveState: 200,
      qRoadEncodeIdx: 400,
      sentinel: 2,
    });
    expect(r.initLogMonoTime).toBe(SYN_INIT);
    const cut = await scanRlog(raw.subarray(0, raw.length - 3));
    expect(cut.truncated).toBe(true);
    expect(cut.messages).toBe(r.messages - 1);
    expect((await logError(scanRlog(raw.subarray(0, raw.length - 3), { strict: true }))).code).toBe("truncated");
  });

  it("rejects a corrupt union pointer", async () => {
    const m = gps(5, { lat: 1, lng: 1, speed: 1 });
    const bad = m.slice();
    // Event root pointer section starts after the 16 data bytes; point its slot 0 far out of bounds.
    const dv = new DataView(bad.buffer);
    const rootOff = 8 + 8 + 16; // header(8) + root pointer(8) + Event data(16)
    dv.setUint32(rootOff, (4000 << 2) | 0, true);
    expect((await logError(scanRlog(bad))).code).toBe("bad-pointer");
  });
});

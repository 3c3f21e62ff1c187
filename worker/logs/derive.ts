/**
 * Single pass over a qlog: everything Connect derives from a segment (coords.json, events.json,
 * thumbnail JPEGs, segment metadata) from one streaming walk. Nothing but the few small things
 * the outputs need is kept: fixes (~60), state changes, clocks pairs, thumbnails (1 or 12).
 */
import { frameMessages, type CapnpMessage, type FramerOptions } from "./capnp";
import { openLog, type ContainerKind } from "./container";
import { buildCoords, type CoordPoint, type FixSample } from "./coords";
import { LogFormatError } from "./errors";
import { jpegInfo } from "./jpeg";
import {
  eventName,
  readCarParams,
  readClocksWallNanos,
  readDriveState,
  readFrameTimestampEof,
  readGps,
  readInitData,
  readSentinel,
  readThumbnail,
  type CarParamsInfo,
  type InitDataInfo,
  type ThumbnailInfo,
} from "./event";
import { buildEvents, StateChangeTracker, type DriveEvent } from "./events-json";
import { TAG } from "./schema";
import type { ByteSource } from "./stream";
import { gitCommitDateIso, segmentWallOffset, type WallOffset } from "./wallclock";

export interface DeriveOptions extends FramerOptions {
  /** initData params to extract as strings (never the whole map: it can hold personal data). Always includes RecordFront. */
  params?: readonly string[];
  /** Throw LogFormatError("truncated") for a truncated file instead of deriving from what was read. Default false. */
  strict?: boolean;
  /** Also count `bookmarkButton` (LKAS-button feedback, 2025-08+) as a user_flag. Default false (unverified against comma). */
  bookmarkButtonAsUserFlag?: boolean;
}

export interface ClockPair {
  logMonoTime: number;
  wallTimeNanos: number;
}

export interface SegmentMeta {
  container: ContainerKind;
  compressedBytes: number;
  decompressedBytes: number;
  messages: number;
  /** Per Event member (current names) message counts. */
  services: Record<string, number>;
  truncated: boolean;
  truncatedReason?: string;

  /** initData.logMonoTime: the route's time origin, the same in every segment. */
  initLogMonoTime: number;
  /** Smallest non-initData logMonoTime > init (events/coords reference). */
  segStartLogMonoTime: number;
  /** Smallest and largest logMonoTime of any message (the file is not sorted). */
  minLogMonoTime: number;
  maxLogMonoTime: number;

  init: Omit<InitDataInfo, "logMonoTime" | "params">;
  gitCommitDateIso: string | null;
  params: Record<string, string>;
  car: CarParamsInfo | null;

  /** All clocks (logMonoTime, wallTimeNanos) pairs: ~6 per qlog minute. */
  clocks: ClockPair[];
  /** Median of (GPS unixTimestampMillis*1e6 - logMonoTime) over valid fixes, or null. */
  gpsWallOffsetNs: number | null;
  /** This segment's best mono->wall offset (see wallclock.ts); the route aggregator may pick another segment's. */
  wallOffset: WallOffset | null;
  /** Wall times (ms) from this segment's own offset, rounded to whole seconds like comma's route fields. */
  startTimeUtcMillis: number | null;
  endTimeUtcMillis: number | null;

  validGpsFixes: number;
  gpsSources: string[];
  startLat: number | null;
  startLng: number | null;
  endLat: number | null;
  endLng: number | null;
  /** Miles (last coords.json dist). */
  distanceMiles: number;

  stateSource: "selfdriveState" | "controlsState" | null;
  /** Any selfdriveState/controlsState message with enabled=true. */
  engaged: boolean;
  userFlags: number;
  firstRoadCameraFrameEof: number | null;
  /** qRoadEncodeIdx count / 20 fps = qcamera.ts duration (logs.md §6.3). */
  qcameraFrames: number;
  qcameraDurationSeconds: number;
  sentinels: string[];
  thumbnails: number;
}

export interface DerivedSegment {
  coords: CoordPoint[];
  events: DriveEvent[];
  /** JPEGs from `thumbnail` messages in file order (1 per segment since 2025, 12 before). */
  thumbnails: ThumbnailInfo[];
  meta: SegmentMeta;
}

/**
 * Stateful per-message collector. Exposed (not just deriveSegment) so other drivers, e.g. tests
 * feeding raw bytes or a combined scan, can reuse it with any framer.
 */
export class SegmentCollector {
  private readonly wanted: Set<string>;
  private readonly bookmarkButton: boolean;
  init: InitDataInfo | null = null;
  /** logMonoTimes seen before initData (needed to compute segStart once init is known). */
  private preInit: number[] = [];
  private segStart = Infinity;
  private minT = Infinity;
  private maxT = -Infinity;
  private readonly tagCounts = new Int32Array(1024);
  private readonly fixes: FixSample[] = [];
  private readonly gpsOffsets: number[] = [];
  private readonly gpsSources = new Set<string>();
  private readonly sdState = new StateChangeTracker();
  private readonly csState = new StateChangeTracker();
  private engaged = false;
  private car: CarParamsInfo | null = null;
  private readonly clocks: ClockPair[] = [];
  private readonly thumbs: ThumbnailInfo[] = [];
  private readonly userFlags: number[] = [];
  private firstEof: number | null = null;
  private readonly sentinels: string[] = [];
  messages = 0;

  constructor(opts: DeriveOptions = {}) {
    this.wanted = new Set(["RecordFront", ...(opts.params ?? [])]);
    this.bookmarkButton = !!opts.bookmarkButtonAsUserFlag;
  }

  readonly onMessage = (m: CapnpMessage): void => {
    this.messages++;
    const t = m.rootU64(0);
    const tag = m.rootU16(8);
    if (tag < 1024) this.tagCounts[tag]++;
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
    if (tag === TAG.initData) {
      if (!this.init) {
        this.init = readInitData(m, this.wanted);
        for (const p of this.preInit) if (p > t && p < this.segStart) this.segStart = p;
        this.preInit = [];
      }
      return;
    }
    if (this.init) {
      if (t > this.init.logMonoTime && t < this.segStart) this.segStart = t;
    } else this.preInit.push(t);

    switch (tag) {
      case TAG.gpsLocation:
      case TAG.gpsLocationExternal: {
        const g = readGps(m);
        if (g && g.valid) {
          this.fixes.push({ logMonoTime: g.logMonoTime, latitude: g.latitude, longitude: g.longitude, speed: g.speed });
          this.gpsSources.add(g.source);
          if (g.unixTimestampMillis > 0) this.gpsOffsets.push(g.unixTimestampMillis * 1e6 - g.logMonoTime);
        }
        break;
      }
      case TAG.selfdriveState:
      case TAG.controlsState: {
        const s = readDriveState(m)!;
        if (s.enabled) this.engaged = true;
        (tag === TAG.selfdriveState ? this.sdState : this.csState).push(t, s.state, s.enabled, s.alertStatus);
        break;
      }
      case TAG.roadCameraState:
        if (this.firstEof === null) this.firstEof = readFrameTimestampEof(m);
        break;
      case TAG.carParams: {
        const c = readCarParams(m);
        if (c.carFingerprint || c.brand || !this.car) this.car = c;
        break;
      }
      case TAG.clocks:
        this.clocks.push({ logMonoTime: t, wallTimeNanos: readClocksWallNanos(m) });
        break;
      case TAG.thumbnail: {
        const th = readThumbnail(m);
        if (th) this.thumbs.push(th);
        break;
      }
      case TAG.userBookmark:
        this.userFlags.push(t);
        break;
      case TAG.bookmarkButton:
        if (this.bookmarkButton) this.userFlags.push(t);
        break;
      case TAG.sentinel:
        this.sentinels.push(readSentinel(m));
        break;
    }
  };

  finish(info: {
    container: ContainerKind;
    compressedBytes: number;
    decompressedBytes: number;
    truncated: LogFormatError | null;
  }): DerivedSegment {
    const init = this.init;
    if (!init) {
      if (info.truncated)
        throw new LogFormatError("truncated", `no initData before the log was cut: ${info.truncated.message}`);
      throw new LogFormatError(
        "missing-init-data",
        this.messages ? `no initData among ${this.messages} messages` : "no messages in log",
      );
    }
    const initT = init.logMonoTime;
    // A segment holding only initData (cut right after it) still gets a defined start.
    const segStart = Number.isFinite(this.segStart) ? this.segStart : initT;
    const coords = buildCoords(this.fixes, initT, segStart);
    const useSd = this.tagCounts[TAG.selfdriveState] > 0;
    const states = useSd ? this.sdState : this.csState;
    const recordFront = init.params.RecordFront;
    const events = buildEvents({
      init: initT,
      segStart,
      recordFront: recordFront === undefined ? undefined : recordFront === "1",
      firstRoadCameraFrameEof: this.firstEof ?? undefined,
      states: states.changes,
      userFlags: this.userFlags,
    });

    const services: Record<string, number> = {};
    this.tagCounts.forEach((n, tag) => {
      if (n) services[eventName(tag)] = n;
    });
    const sortedOffsets = [...this.gpsOffsets].sort((a, b) => a - b);
    const gpsWallOffsetNs = sortedOffsets.length ? sortedOffsets[sortedOffsets.length >> 1] : null;
    const wallOffset = segmentWallOffset({
      clocks: this.clocks,
      gpsWallOffsetNs,
      initWallTimeNanos: init.wallTimeNanos,
      initLogMonoTime: initT,
    });
    const wallMs = (mono: number) => (wallOffset ? Math.round((mono + wallOffset.offsetNs) / 1e9) * 1000 : null);
    const first = coords[0],
      last = coords[coords.length - 1];
    const { logMonoTime: _t, params, ...initRest } = init;
    const qFrames = this.tagCounts[TAG.qRoadEncodeIdx];

    const meta: SegmentMeta = {
      container: info.container,
      compressedBytes: info.compressedBytes,
      decompressedBytes: info.decompressedBytes,
      messages: this.messages,
      services,
      truncated: !!info.truncated,
      ...(info.truncated ? { truncatedReason: info.truncated.message } : {}),
      initLogMonoTime: initT,
      segStartLogMonoTime: segStart,
      minLogMonoTime: this.minT,
      maxLogMonoTime: this.maxT,
      init: initRest,
      gitCommitDateIso: gitCommitDateIso(init.gitCommitDate),
      params,
      car: this.car,
      clocks: this.clocks,
      gpsWallOffsetNs,
      wallOffset,
      startTimeUtcMillis: wallMs(segStart),
      endTimeUtcMillis: wallMs(this.maxT),
      validGpsFixes: this.fixes.length,
      gpsSources: [...this.gpsSources],
      startLat: first ? first.lat : null,
      startLng: first ? first.lng : null,
      endLat: last ? last.lat : null,
      endLng: last ? last.lng : null,
      distanceMiles: last ? last.dist : 0,
      stateSource: useSd ? "selfdriveState" : this.tagCounts[TAG.controlsState] > 0 ? "controlsState" : null,
      engaged: this.engaged,
      userFlags: this.userFlags.length,
      firstRoadCameraFrameEof: this.firstEof,
      qcameraFrames: qFrames,
      qcameraDurationSeconds: qFrames / 20,
      sentinels: this.sentinels,
      thumbnails: this.thumbs.length,
    };
    return { coords, events, thumbnails: this.thumbs, meta };
  }
}

/**
 * Walk a qlog once (zstd, bz2 or raw; streamed) and derive coords.json, events.json, thumbnails and
 * segment metadata. Throws LogFormatError for corrupt input; a truncated file yields outputs from
 * the complete messages before the cut (meta.truncated) unless `strict`.
 */
export async function deriveSegment(src: ByteSource, opts: DeriveOptions = {}): Promise<DerivedSegment> {
  const log = await openLog(src);
  const c = new SegmentCollector(opts);
  const r = await frameMessages(log.chunks, c.onMessage, opts);
  if (r.truncated && opts.strict) throw r.truncated;
  return c.finish({
    container: log.kind,
    compressedBytes: log.compressedBytes,
    decompressedBytes: r.bytes,
    truncated: r.truncated,
  });
}

/**
 * The thumbnail comma's sprite.jpg corresponds to: the first one (~5 s into the segment). A payload that is not a
 * JPEG (no SOI/SOF) is passed over, so sprite.jpg is never bytes an image decoder rejects.
 */
export const spriteThumbnail = (thumbs: readonly ThumbnailInfo[]): ThumbnailInfo | null =>
  thumbs.find((t) => jpegInfo(t.jpeg) !== null) ?? null;

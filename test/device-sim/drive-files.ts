/**
 * Real files for a simulated drive, made from the project's synthetic fixtures (test/fixtures): per segment a
 * qlog.zst (syntheticSegment: GPS track, engagement, alerts, thumbnail; wrapped in a stored-block zstd frame as the
 * processing tests do) and the committed 2 s synthetic qcamera.ts (H.264 + AAC in MPEG-TS, as the device writes it).
 * The consumer processes them like a real device's files, so the drive gets a track, events and playable video.
 */
import { qcameraTs } from "../fixtures/log-fixtures.generated";
import { SYN_INIT, syntheticSegment, zstdStored } from "../fixtures/openpilot-log";
import type { SegmentFileMaker } from "./route";

export interface SyntheticDrive {
  /** Segments in the drive (each one minute of log). */
  segments: number;
  /** Wall-clock start of the drive (ms since the epoch, whole seconds); the same value gives the same bytes. */
  startMs: number;
}

/** A drive that ended just now (whole seconds, so it is reproducible from what callers store). */
export function driveEndingNow(segments: number): SyntheticDrive {
  return { segments, startMs: Math.floor(Date.now() / 1000) * 1000 - segments * 60_000 };
}

export function syntheticDriveFiles(drive: SyntheticDrive): SegmentFileMaker {
  // The synthetic log's clock starts at SYN_INIT (monotonic ns): shift wall time so the drive starts at startMs.
  const wallOffsetNs = BigInt(drive.startMs) * 1_000_000n - BigInt(SYN_INIT);
  return (_route, segment) => ({
    "qlog.zst": zstdStored(
      syntheticSegment({
        segment,
        routeSegments: drive.segments,
        wallOffsetNs,
        userFlagsAt: segment === 0 ? [32] : [],
      }),
    ),
    "qcamera.ts": qcameraTs,
  });
}

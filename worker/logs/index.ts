/**
 * openpilot log decoding and Connect derivations (runtime-free: no Workers/Node APIs beyond
 * TextDecoder and typed arrays). See docs/logs.md for the format and comma's rules.
 */
export { LogFormatError, isLogFormatError, type LogErrorCode } from "./errors";
export { toChunks, chunked, collectBytes, concatBytes, type ByteSource } from "./stream";
export { detectContainer, openLog, type ContainerKind, type OpenedLog } from "./container";
export { zstdDecompressStream, type ZstdOptions } from "./zstd";
export { bzip2DecompressStream, type Bzip2Options } from "./bzip2";
export { MessageFramer, frameMessages, CapnpMessage, StructRef, ListRef, type FramerOptions } from "./capnp";
export * from "./event";
export { buildCoords, type CoordPoint, type FixSample } from "./coords";
export { buildEvents, StateChangeTracker, type DriveEvent, type StateChange, type EventsInput } from "./events-json";
export {
  deriveSegment,
  SegmentCollector,
  spriteThumbnail,
  type DeriveOptions,
  type DerivedSegment,
  type SegmentMeta,
  type ClockPair,
} from "./derive";
export { scanRlog, type ScanOptions, type ScanResult } from "./scan";
export { aggregateRoute, normalizeGitRemote, SEGMENT_LENGTH_MS, type RouteFields, type SegmentInput } from "./route";
export { segmentWallOffset, routeWallOffset, gitCommitDateIso, isoNoZone, type WallOffset } from "./wallclock";
export { validateQcamera, type QcameraInfo, type QcameraOptions } from "./qcamera";
export { pyRound } from "./pyround";
export { TAG } from "./schema";
export { jpegInfo, type JpegInfo } from "./jpeg";

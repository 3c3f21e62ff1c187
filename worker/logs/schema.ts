/**
 * Wire positions of the openpilot `Event` fields we read, copied from
 * ../shared/reference/cereal/annotated/{log,car}.offsets.capnp (current schema) and checked against
 * annotated/commaai-cereal-2024-06 (old schema). Cap'n Proto never moves a field once assigned, so
 * one table reads 2019 and 2026 logs alike; fields an older writer did not have read as defaults.
 *
 * Notation: BYTE = byte offset in the data section, BIT = bit offset, PTR = pointer slot.
 */

/** Event: 16 data bytes, 1 pointer. Every union member lives in pointer 0. */
export const EVENT = {
  LOG_MONO_TIME_BYTE: 0, // u64, ns, CLOCK_MONOTONIC
  TAG_BYTE: 8, // u16 union tag (position among union members, not the ordinal)
  VALID_BIT: 80, // default true => XOR 1 on the wire
  UNION_PTR: 0,
} as const;

/** Event union tags (annotated/log.offsets.capnp "union tag = N"). */
export const TAG = {
  initData: 0,
  roadCameraState: 1, // `frame` before 2021-02
  can: 4,
  deviceState: 5, // `thermal` before 2021-02
  controlsState: 6, // carries state/alerts until 2024-08-31
  gpsLocation: 20, // Quectel / Android GPS
  carState: 21,
  clocks: 34,
  gpsLocationExternal: 47, // ublox
  liveLocationKalmanLegacy: 50, // 2019 LiveLocationData
  thumbnail: 65,
  onroadEventsDeprecated: 66, // carEvents / onroadEvents @68 until 2024-10 (Car.CarEvent list)
  carParams: 67,
  driverCameraState: 68,
  liveLocationKalman: 70,
  sentinel: 71,
  pandaStates: 79,
  qRoadEncodeIdx: 88,
  userBookmark: 91, // `userFlag` until 2025-08
  livePose: 127,
  selfdriveState: 128, // since 2024-08-31
  onroadEvents: 132, // since 2024-10-03 (log.OnroadEvent list)
  bookmarkButton: 146,
  audioFeedback: 147,
} as const;

/** InitData: 16 bytes, 21 ptrs. */
export const INIT_DATA = {
  DEVICE_TYPE_BYTE: 0, // u16 enum
  DIRTY_BIT: 16,
  PASSIVE_BIT: 17,
  WALL_TIME_NANOS_BYTE: 8, // u64, since 2023-10; may be stale
  KERNEL_ARGS_PTR: 0,
  DONGLE_ID_PTR: 2,
  VERSION_PTR: 3,
  GIT_COMMIT_PTR: 8,
  GIT_BRANCH_PTR: 9,
  GIT_REMOTE_PTR: 10,
  KERNEL_VERSION_PTR: 12,
  PARAMS_PTR: 14, // Map(Text, Data): struct { entries @0 : List(Entry { key @0 Text, value @1 Data }) }
  OS_VERSION_PTR: 15,
  GIT_COMMIT_DATE_PTR: 17, // "'<unix> <YYYY-MM-DD HH:MM:SS +zone>'" with the single quotes
  BOOTLOG_ID_PTR: 18,
} as const;

export const DEVICE_TYPES = ["unknown", "neo", "chffrAndroid", "chffrIos", "tici", "pc", "tizi", "mici"] as const;

/** GpsLocationData: 64 bytes, 1 ptr (gpsLocation and gpsLocationExternal). */
export const GPS = {
  FLAGS_BYTE: 0, // u16; bit 0 = fix OK (ublox NAV-PVT gnssFixOK, old qcom "verticalAccuracy != 500")
  SOURCE_BYTE: 2, // u16 enum
  SPEED_BYTE: 4, // f32 m/s
  LATITUDE_BYTE: 8, // f64
  LONGITUDE_BYTE: 16, // f64
  ALTITUDE_BYTE: 24, // f64
  BEARING_BYTE: 32, // f32
  HORIZONTAL_ACCURACY_BYTE: 36, // f32
  UNIX_TIMESTAMP_MILLIS_BYTE: 40, // i64
  VERTICAL_ACCURACY_BYTE: 48, // f32
  HAS_FIX_BIT: 480, // since 2024-03
} as const;

export const GPS_SOURCES = [
  "android",
  "iOS",
  "car",
  "velodyne",
  "fusion",
  "external",
  "ublox",
  "trimble",
  "qcomdiag",
  "unicore",
] as const;

/** SelfdriveState: 16 bytes, 3 ptrs (since 2024-08-31). */
export const SELFDRIVE_STATE = {
  STATE_BYTE: 0, // u16 OpenpilotState
  ENABLED_BIT: 16,
  ACTIVE_BIT: 17,
  ALERT_STATUS_BYTE: 4, // u16 AlertStatus
  ALERT_TEXT1_PTR: 0,
  ALERT_TEXT2_PTR: 1,
  ALERT_TYPE_PTR: 2,
} as const;

/** ControlsState before 2024-08-31 (192 bytes, 6 ptrs); these are `deprecated :group` fields now. */
export const CONTROLS_STATE = {
  STATE_BYTE: 116, // bits[928, 944)
  ENABLED_BIT: 704,
  ACTIVE_BIT: 707,
  ALERT_STATUS_BYTE: 118, // bits[944, 960)
  ALERT_TEXT1_PTR: 1,
  ALERT_TEXT2_PTR: 2,
  ALERT_TYPE_PTR: 3,
} as const;

export const OPENPILOT_STATES = ["disabled", "preEnabled", "enabled", "softDisabling", "overriding"] as const;

/** Car.CarParams: 144 bytes, 14 ptrs. */
export const CAR_PARAMS = {
  BRAND_PTR: 0, // `carName` until 2025-01 (same slot)
  CAR_FINGERPRINT_PTR: 1,
  CAR_VIN_PTR: 10,
  DASHCAM_ONLY_BIT: 11,
  NOT_CAR_BIT: 992,
} as const;

/** Thumbnail: 16 bytes, 1 ptr. */
export const THUMBNAIL = {
  FRAME_ID_BYTE: 0, // u32
  ENCODING_BYTE: 4, // u16 (not set by encoderd: 0)
  TIMESTAMP_EOF_BYTE: 8, // u64
  DATA_PTR: 0,
} as const;

/** Clocks: 40 bytes; only wallTimeNanos is still written. */
export const CLOCKS = { WALL_TIME_NANOS_BYTE: 24 } as const;

/** Sentinel: 8 bytes. */
export const SENTINEL = { TYPE_BYTE: 0, SIGNAL_BYTE: 4 } as const;
export const SENTINEL_TYPES = ["endOfSegment", "endOfRoute", "startOfSegment", "startOfRoute"] as const;

/** FrameData (roadCameraState etc.). */
export const FRAME_DATA = {
  FRAME_ID_BYTE: 0,
  ENCODE_ID_BYTE: 4,
  TIMESTAMP_EOF_BYTE: 8,
  TIMESTAMP_SOF_BYTE: 32,
} as const;

/** EncodeIndex (qRoadEncodeIdx etc.). */
export const ENCODE_INDEX = { FRAME_ID_BYTE: 0, TYPE_BYTE: 4, SEGMENT_NUM_BYTE: 12, TIMESTAMP_EOF_BYTE: 32 } as const;

/** OnroadEvent (new, log.capnp) and Car.CarEvent / OnroadEventDEPRECATED (old): same 8-byte layout. */
export const ONROAD_EVENT = {
  NAME_BYTE: 0,
  ENABLE_BIT: 16,
  NO_ENTRY_BIT: 17,
  WARNING_BIT: 18,
  USER_DISABLE_BIT: 19,
  SOFT_DISABLE_BIT: 20,
  IMMEDIATE_DISABLE_BIT: 21,
  PRE_ENABLE_BIT: 22,
  PERMANENT_BIT: 23,
  OVERRIDE_LONGITUDINAL_BIT: 24,
  OVERRIDE_LATERAL_BIT: 25,
} as const;

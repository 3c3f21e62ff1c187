/**
 * Typed readers for the Event members Connect needs. Each takes the framer's current message
 * (whose union tag the caller already checked) and returns a plain object that may be kept after
 * the callback (byte fields are copied).
 */
import type { CapnpMessage, StructRef } from "./capnp";
import {
  CAR_PARAMS,
  CLOCKS,
  CONTROLS_STATE,
  DEVICE_TYPES,
  EVENT,
  FRAME_DATA,
  GPS,
  GPS_SOURCES,
  INIT_DATA,
  ONROAD_EVENT,
  OPENPILOT_STATES,
  SELFDRIVE_STATE,
  SENTINEL,
  SENTINEL_TYPES,
  TAG,
  THUMBNAIL,
} from "./schema";
import { EVENT_NAMES, EVENT_OLD_NAMES, ONROAD_EVENT_NAMES, ONROAD_EVENT_NAMES_DEPRECATED } from "./schema-names";

export const logMonoTime = (m: CapnpMessage): number => m.rootU64(EVENT.LOG_MONO_TIME_BYTE);
export const eventTag = (m: CapnpMessage): number => m.rootU16(EVENT.TAG_BYTE);
export const eventValid = (m: CapnpMessage): boolean => m.rootBool(EVENT.VALID_BIT, true);
/** Current name of an Event union member ("tag:N" for members newer than our schema copy). */
export const eventName = (tag: number): string => EVENT_NAMES[tag] || `tag:${tag}`;
export const eventOldName = (tag: number): string | undefined => EVENT_OLD_NAMES[tag];

const member = (m: CapnpMessage): StructRef | null => m.rootStruct(EVENT.UNION_PTR);

export interface InitDataInfo {
  logMonoTime: number;
  deviceType: string;
  dirty: boolean;
  passive: boolean;
  /** Device wall clock (ns) when the route started; 0 when absent. Can be months stale (logs.md §3.3). */
  wallTimeNanos: number;
  dongleId: string;
  version: string;
  gitCommit: string;
  gitBranch: string;
  gitRemote: string;
  gitCommitDate: string;
  kernelVersion: string;
  osVersion: string;
  /** Only the params asked for (params can hold personal data: never keep the whole map). */
  params: Record<string, string>;
}

const utf8 = new TextDecoder();

export function readInitData(m: CapnpMessage, wantedParams: ReadonlySet<string>): InitDataInfo {
  const s = member(m);
  const info: InitDataInfo = {
    logMonoTime: logMonoTime(m),
    deviceType: "unknown",
    dirty: false,
    passive: false,
    wallTimeNanos: 0,
    dongleId: "",
    version: "",
    gitCommit: "",
    gitBranch: "",
    gitRemote: "",
    gitCommitDate: "",
    kernelVersion: "",
    osVersion: "",
    params: {},
  };
  if (!s) return info;
  const dt = s.u16(INIT_DATA.DEVICE_TYPE_BYTE);
  info.deviceType = DEVICE_TYPES[dt] ?? `unknown(${dt})`;
  info.dirty = s.bool(INIT_DATA.DIRTY_BIT);
  info.passive = s.bool(INIT_DATA.PASSIVE_BIT);
  info.wallTimeNanos = s.u64(INIT_DATA.WALL_TIME_NANOS_BYTE);
  info.dongleId = s.text(INIT_DATA.DONGLE_ID_PTR);
  info.version = s.text(INIT_DATA.VERSION_PTR);
  info.gitCommit = s.text(INIT_DATA.GIT_COMMIT_PTR);
  info.gitBranch = s.text(INIT_DATA.GIT_BRANCH_PTR);
  info.gitRemote = s.text(INIT_DATA.GIT_REMOTE_PTR);
  info.gitCommitDate = s.text(INIT_DATA.GIT_COMMIT_DATE_PTR);
  info.kernelVersion = s.text(INIT_DATA.KERNEL_VERSION_PTR);
  info.osVersion = s.text(INIT_DATA.OS_VERSION_PTR);
  if (wantedParams.size) {
    const map = s.struct(INIT_DATA.PARAMS_PTR);
    const entries = map?.list(0);
    if (entries)
      for (let i = 0; i < entries.length; i++) {
        const e = entries.struct(i);
        const key = e.text(0);
        if (wantedParams.has(key)) info.params[key] = utf8.decode(e.data(1) ?? new Uint8Array(0));
      }
  }
  return info;
}

export interface GpsFix {
  logMonoTime: number;
  latitude: number;
  longitude: number;
  /** m/s (f32 on the wire, widened exactly). */
  speed: number;
  altitude: number;
  bearingDeg: number;
  horizontalAccuracy: number;
  unixTimestampMillis: number;
  source: string;
  flags: number;
  hasFix: boolean;
  /** hasFix || (flags & 1): the rule comma's coords use (logs.md §2.2). */
  valid: boolean;
  external: boolean;
}

export function readGps(m: CapnpMessage): GpsFix | null {
  const s = member(m);
  if (!s) return null;
  const flags = s.u16(GPS.FLAGS_BYTE);
  const hasFix = s.bool(GPS.HAS_FIX_BIT);
  const src = s.u16(GPS.SOURCE_BYTE);
  return {
    logMonoTime: logMonoTime(m),
    latitude: s.f64(GPS.LATITUDE_BYTE),
    longitude: s.f64(GPS.LONGITUDE_BYTE),
    speed: s.f32(GPS.SPEED_BYTE),
    altitude: s.f64(GPS.ALTITUDE_BYTE),
    bearingDeg: s.f32(GPS.BEARING_BYTE),
    horizontalAccuracy: s.f32(GPS.HORIZONTAL_ACCURACY_BYTE),
    unixTimestampMillis: s.i64(GPS.UNIX_TIMESTAMP_MILLIS_BYTE),
    source: GPS_SOURCES[src] ?? `unknown(${src})`,
    flags,
    hasFix,
    valid: hasFix || (flags & 1) === 1,
    external: eventTag(m) === TAG.gpsLocationExternal,
  };
}

export interface DriveState {
  logMonoTime: number;
  /** OpenpilotState name ("disabled", "preEnabled", "enabled", "softDisabling", "overriding"). */
  state: string;
  enabled: boolean;
  active: boolean;
  /** AlertStatus numeric value (normal 0, userPrompt 1, critical 2), as comma's events.json has it. */
  alertStatus: number;
}

/** The (state, enabled, alertStatus) triple from selfdriveState, or from controlsState in pre-2024-09 logs. */
export function readDriveState(m: CapnpMessage): DriveState | null {
  const s = member(m);
  const o = eventTag(m) === TAG.selfdriveState ? SELFDRIVE_STATE : CONTROLS_STATE;
  const st = s ? s.u16(o.STATE_BYTE) : 0;
  return {
    logMonoTime: logMonoTime(m),
    state: OPENPILOT_STATES[st] ?? `unknown(${st})`,
    enabled: s ? s.bool(o.ENABLED_BIT) : false,
    active: s ? s.bool(o.ACTIVE_BIT) : false,
    alertStatus: s ? s.u16(o.ALERT_STATUS_BYTE) : 0,
  };
}

export interface DriveAlert {
  alertText1: string;
  alertText2: string;
  alertType: string;
}

export function readAlert(m: CapnpMessage): DriveAlert {
  const s = member(m);
  const o = eventTag(m) === TAG.selfdriveState ? SELFDRIVE_STATE : CONTROLS_STATE;
  return {
    alertText1: s ? s.text(o.ALERT_TEXT1_PTR) : "",
    alertText2: s ? s.text(o.ALERT_TEXT2_PTR) : "",
    alertType: s ? s.text(o.ALERT_TYPE_PTR) : "",
  };
}

export interface CarParamsInfo {
  brand: string;
  carFingerprint: string;
  carVin: string;
  dashcamOnly: boolean;
  notCar: boolean;
}

export function readCarParams(m: CapnpMessage): CarParamsInfo {
  const s = member(m);
  return {
    brand: s ? s.text(CAR_PARAMS.BRAND_PTR) : "",
    carFingerprint: s ? s.text(CAR_PARAMS.CAR_FINGERPRINT_PTR) : "",
    carVin: s ? s.text(CAR_PARAMS.CAR_VIN_PTR) : "",
    dashcamOnly: s ? s.bool(CAR_PARAMS.DASHCAM_ONLY_BIT) : false,
    notCar: s ? s.bool(CAR_PARAMS.NOT_CAR_BIT) : false,
  };
}

export interface ThumbnailInfo {
  logMonoTime: number;
  frameId: number;
  timestampEof: number;
  encoding: number;
  /** A copy of the JPEG bytes. */
  jpeg: Uint8Array;
}

export function readThumbnail(m: CapnpMessage): ThumbnailInfo | null {
  const s = member(m);
  const d = s?.data(THUMBNAIL.DATA_PTR);
  if (!s || !d || d.length === 0) return null;
  return {
    logMonoTime: logMonoTime(m),
    frameId: s.u32(THUMBNAIL.FRAME_ID_BYTE),
    timestampEof: s.u64(THUMBNAIL.TIMESTAMP_EOF_BYTE),
    encoding: s.u16(THUMBNAIL.ENCODING_BYTE),
    jpeg: d.slice(),
  };
}

export const readClocksWallNanos = (m: CapnpMessage): number => member(m)?.u64(CLOCKS.WALL_TIME_NANOS_BYTE) ?? 0;

export function readSentinel(m: CapnpMessage): string {
  const t = member(m)?.u16(SENTINEL.TYPE_BYTE) ?? 0;
  return SENTINEL_TYPES[t] ?? `unknown(${t})`;
}

export const readFrameTimestampEof = (m: CapnpMessage): number => member(m)?.u64(FRAME_DATA.TIMESTAMP_EOF_BYTE) ?? 0;
export const readFrameId = (m: CapnpMessage): number => member(m)?.u32(FRAME_DATA.FRAME_ID_BYTE) ?? 0;

export interface OnroadEventInfo {
  name: string;
  enable: boolean;
  noEntry: boolean;
  warning: boolean;
  userDisable: boolean;
  softDisable: boolean;
  immediateDisable: boolean;
  preEnable: boolean;
  permanent: boolean;
  overrideLongitudinal: boolean;
  overrideLateral: boolean;
}

/**
 * onroadEvents, new (@134, log.OnroadEvent.EventName) or old (@68 carEvents/onroadEvents,
 * car.CarEvent.EventName). Same element layout, different enum numbering: the tag picks the enum.
 */
export function readOnroadEvents(m: CapnpMessage): OnroadEventInfo[] {
  const names = eventTag(m) === TAG.onroadEvents ? ONROAD_EVENT_NAMES : ONROAD_EVENT_NAMES_DEPRECATED;
  const l = m.rootList(EVENT.UNION_PTR);
  if (!l) return [];
  const out: OnroadEventInfo[] = [];
  for (let i = 0; i < l.length; i++) {
    const e = l.struct(i);
    const n = e.u16(ONROAD_EVENT.NAME_BYTE);
    out.push({
      name: names[n] || `unknown(${n})`,
      enable: e.bool(ONROAD_EVENT.ENABLE_BIT),
      noEntry: e.bool(ONROAD_EVENT.NO_ENTRY_BIT),
      warning: e.bool(ONROAD_EVENT.WARNING_BIT),
      userDisable: e.bool(ONROAD_EVENT.USER_DISABLE_BIT),
      softDisable: e.bool(ONROAD_EVENT.SOFT_DISABLE_BIT),
      immediateDisable: e.bool(ONROAD_EVENT.IMMEDIATE_DISABLE_BIT),
      preEnable: e.bool(ONROAD_EVENT.PRE_ENABLE_BIT),
      permanent: e.bool(ONROAD_EVENT.PERMANENT_BIT),
      overrideLongitudinal: e.bool(ONROAD_EVENT.OVERRIDE_LONGITUDINAL_BIT),
      overrideLateral: e.bool(ONROAD_EVENT.OVERRIDE_LATERAL_BIT),
    });
  }
  return out;
}

/** Shapes the server returns (comma-compatible ones follow docs/connect-api.md §4). */

export interface User {
  id: string;
  email: string;
  name: string | null;
  role: "admin" | "user" | "viewer";
  created_at: number;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export interface Device {
  dongle_id: string;
  alias: string;
  serial: string;
  /** unix seconds; the device is online when this is within the last 120 s */
  last_athena_ping: number;
  is_paired: boolean;
  is_owner: boolean;
  device_type: string;
  openpilot_version: string;
  prime: boolean;
}

export interface DrivingTotals {
  /** miles */
  distance: number;
  minutes: number;
  routes: number;
}

export interface DeviceStats {
  all: DrivingTotals;
  week: DrivingTotals;
}

export interface DeviceLocation {
  lat: number;
  lng: number;
  /** ms */
  time: number;
}

export interface DeviceUser {
  email: string;
  permission: "owner" | "read_access" | "write_access";
}

export interface Route {
  fullname: string;
  dongle_id: string;
  /** unix seconds: the list cursor */
  create_time: number;
  /** naive UTC ISO ("2025-11-13T15:21:32") */
  start_time: string | null;
  end_time: string | null;
  start_lat: number;
  start_lng: number;
  end_lat: number;
  end_lng: number;
  /** miles */
  distance: number;
  maxqlog: number;
  procqlog: number;
  /** prefix of the derived files: `${url}/${segment}/coords.json` etc., fetched without auth */
  url: string;
  is_public: boolean;
  is_preserved?: boolean;
  platform: string | null;
  version: string | null;
  git_branch: string | null;
}

/** Someone one drive alone is shared with (view only). */
export interface RouteUser {
  email: string;
  name: string | null;
  /** unix seconds */
  created_at: number;
}

export interface ShareSignature {
  exp: string;
  sig: string;
}

export interface RouteFiles {
  cameras: string[];
  dcameras: string[];
  ecameras: string[];
  logs: string[];
  qcameras: string[];
  qlogs: string[];
}

export interface CoordPoint {
  /** seconds since route start */
  t: number;
  lat: number;
  lng: number;
  /** m/s */
  speed: number;
  /** miles within the segment */
  dist: number;
}

export type DriveEvent =
  | { type: "event"; route_offset_millis: number; data: { event_type: string; value?: boolean } }
  | { type: "state"; route_offset_millis: number; data: { state: string; enabled: boolean; alertStatus: number } }
  | { type: "user_flag"; route_offset_millis: number; data: Record<string, never> };

/** athenad's upload queue item. */
export interface UploadItem {
  id: string;
  path: string;
  url: string;
  created_at: number;
  progress: number;
  current: boolean;
  retry_count: number;
  priority: number;
}

export interface OfflineQueueItem {
  id: unknown;
  method: string;
  params?: { files_data?: { fn: string; url: string }[] } & Record<string, unknown>;
  expiry?: number;
}

export interface UploadUrl {
  url: string;
  headers: Record<string, string>;
}

export interface Snapshot {
  jpegBack: string | null;
  jpegFront: string | null;
}

/**
 * The `path` a device asks to upload (relative to its log root, docs/device-protocol.md §3.1, §4.1):
 *   <log_id>--<seg>/<file>    log_id = "%08x--<10 hex>" (2024-03 on) or "YYYY-MM-DD--HH-MM-SS" (older)
 *   boot/<id>[.zst|.bz2]      crash/<name>
 * and where it lives in R2. Object keys (and upload URLs) end in /<dongle>/<log_id>/<seg>/<file>, the
 * layout comma's tools and web apps parse by the last four path parts.
 */
export const LOG_ID_RE = /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}--[0-9]{2}-[0-9]{2}-[0-9]{2}|[0-9a-f]{8}--[0-9a-z]{10})$/;
export const DONGLE_ID_RE = /^[0-9a-f]{16}$/;

export const SEGMENT_FILES = {
  qlog: "qlog",
  "qlog.zst": "qlog",
  "qlog.bz2": "qlog",
  rlog: "rlog",
  "rlog.zst": "rlog",
  "rlog.bz2": "rlog",
  "qcamera.ts": "qcamera",
  "fcamera.hevc": "fcamera",
  "ecamera.hevc": "ecamera",
  "dcamera.hevc": "dcamera",
} as const;

export type SegmentFileName = keyof typeof SEGMENT_FILES;
export type FileKind = (typeof SEGMENT_FILES)[SegmentFileName] | "boot" | "crash";

export type UploadTarget =
  | { kind: Exclude<FileKind, "boot" | "crash">; logId: string; segment: number; fileName: SegmentFileName }
  | { kind: "boot" | "crash"; logId: null; segment: null; fileName: string };

export class InvalidUploadPathError extends Error {}

const SIDE_FILE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_SEGMENT = 100_000;

export function parseUploadPath(raw: string): UploadTarget {
  const path = (raw ?? "").trim();
  if (!path) throw new InvalidUploadPathError("path is required");
  if (path.startsWith("/") || path.includes("\\") || path.split("/").some((p) => p === ".." || p === "." || p === "")) {
    throw new InvalidUploadPathError("path must be relative and must not contain '..' or empty parts");
  }
  const parts = path.split("/");
  if (parts.length !== 2)
    throw new InvalidUploadPathError("path must be <segment dir>/<file>, boot/<id> or crash/<name>");
  const [dir, file] = parts;
  if (dir === "boot" || dir === "crash") {
    if (!SIDE_FILE_RE.test(file)) throw new InvalidUploadPathError(`invalid ${dir} file name`);
    return { kind: dir, logId: null, segment: null, fileName: file };
  }
  const cut = dir.lastIndexOf("--");
  const logId = dir.slice(0, cut);
  const segText = dir.slice(cut + 2);
  if (cut < 0 || !LOG_ID_RE.test(logId) || !/^[0-9]{1,6}$/.test(segText)) {
    throw new InvalidUploadPathError("segment directory must be <log_id>--<segment number>");
  }
  const segment = Number(segText);
  if (segment > MAX_SEGMENT) throw new InvalidUploadPathError("segment number out of range");
  if (!(file in SEGMENT_FILES)) throw new InvalidUploadPathError(`unknown segment file ${file}`);
  const fileName = file as SegmentFileName;
  return { kind: SEGMENT_FILES[fileName], logId, segment, fileName };
}

/** R2 object key of an upload target. */
export function objectKey(dongleId: string, t: UploadTarget): string {
  return t.logId === null ? `${dongleId}/${t.kind}/${t.fileName}` : `${dongleId}/${t.logId}/${t.segment}/${t.fileName}`;
}

/** Inverse of objectKey, for the PUT handler (which only sees the URL path). */
export function parseObjectKey(key: string): { dongleId: string; target: UploadTarget } {
  const parts = key.split("/");
  const dongleId = parts[0];
  if (!DONGLE_ID_RE.test(dongleId ?? "")) throw new InvalidUploadPathError("invalid dongle id");
  if (parts.length === 3 && (parts[1] === "boot" || parts[1] === "crash")) {
    return { dongleId, target: parseUploadPath(`${parts[1]}/${parts[2]}`) };
  }
  if (parts.length === 4 && /^[0-9]{1,6}$/.test(parts[2])) {
    return { dongleId, target: parseUploadPath(`${parts[1]}--${parts[2]}/${parts[3]}`) };
  }
  throw new InvalidUploadPathError("invalid object key");
}

/**
 * "Upload full quality" (docs/connect-api.md §7): find the files of a route the server does not have yet, get
 * signed upload URLs for them, and hand those to the device through athena.
 */
import { uploadFilesToUrls } from "./athena";
import { request } from "./client";
import { getFiles, splitName } from "./routes";
import type { Route, UploadUrl } from "./types";

export type UploadKind = "road" | "wide" | "driver" | "logs";
export const FILES_BY_KIND: Record<UploadKind, string[]> = {
  road: ["fcamera.hevc"],
  wide: ["ecamera.hevc"],
  driver: ["dcamera.hevc"],
  // Devices compress on the fly when asked for .zst and only the raw file exists; they report the other as failed.
  logs: ["rlog.zst"],
};

export const uploadUrls = (dongleId: string, paths: string[], expiryDays = 7) =>
  request<UploadUrl[]>(`/v1/${encodeURIComponent(dongleId)}/upload_urls/`, {
    json: { paths, expiry_days: expiryDays },
  });

/** "<log>--<seg>/<file>" paths of the wanted kinds that are not uploaded yet. */
export async function missingPaths(route: Route, kinds: UploadKind[]): Promise<string[]> {
  const { dongleId, logId } = splitName(route.fullname);
  const files = await getFiles(route.fullname);
  const have = Object.values(files)
    .flat()
    .map((u) => decodeURIComponent(u));
  const paths: string[] = [];
  for (let seg = 0; seg <= route.maxqlog; seg++) {
    for (const kind of kinds) {
      for (const name of FILES_BY_KIND[kind]) {
        const stem = name.replace(/\.(zst|bz2)$/, "");
        if (!have.some((u) => u.includes(`${dongleId}/${logId}/${seg}/${stem}`)))
          paths.push(`${logId}--${seg}/${name}`);
      }
    }
  }
  return paths;
}

export type UploadRequestResult = { requested: number; queued: boolean; failed: string[] };

export async function requestFullQuality(route: Route, kinds: UploadKind[]): Promise<UploadRequestResult> {
  const paths = await missingPaths(route, kinds);
  if (!paths.length) return { requested: 0, queued: false, failed: [] };
  const { dongleId } = splitName(route.fullname);
  const urls = await uploadUrls(dongleId, paths);
  const result = await uploadFilesToUrls(
    dongleId,
    paths.map((fn, i) => ({ fn, url: urls[i].url, headers: urls[i].headers })),
  );
  if (result === "queued") return { requested: paths.length, queued: true, failed: [] };
  return { requested: result.enqueued, queued: false, failed: result.failed ?? [] };
}

/** Parses an upload URL or device path into route + segment + file for display. */
export function describeUpload(pathOrUrl: string): { route: string | null; segment: number | null; file: string } {
  const clean = decodeURIComponent(pathOrUrl.split("?")[0]);
  const m = /([0-9a-f]{8}--[0-9a-f]{10}|\d{4}-\d\d-\d\d--\d\d-\d\d-\d\d)(?:--|\/)(\d+)\/([^/]+)$/.exec(clean);
  if (!m) return { route: null, segment: null, file: clean.split("/").pop() ?? clean };
  return { route: m[1], segment: Number(m[2]), file: m[3] };
}

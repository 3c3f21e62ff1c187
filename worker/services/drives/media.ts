/**
 * Serving objects from R2: Range requests (video players, pmtiles), conditional GETs, the right content types.
 * Media URLs are path-signed (`/media/v1/<dongle>/<log_id>/<seg>/<file>?exp&sig`) so their last four path parts
 * are what comma's tools and apps parse.
 */
import { signPath } from "../../protocol/signed-url";

export const MEDIA_PATH_PREFIX = "/media/v1/";
export const MEDIA_URL_TTL_S = 24 * 3600;

const TYPES: Record<string, string> = {
  ".ts": "video/mp2t",
  ".hevc": "video/hevc",
  ".json": "application/json",
  ".jpg": "image/jpeg",
  ".zst": "application/zstd",
  ".bz2": "application/x-bzip2",
  ".m3u8": "application/vnd.apple.mpegurl",
};

export function contentType(key: string): string {
  const ext = Object.keys(TYPES).find((e) => key.endsWith(e));
  return ext ? TYPES[ext] : "application/octet-stream";
}

export async function signedMediaUrl(env: Env, origin: string, key: string, ttl = MEDIA_URL_TTL_S): Promise<string> {
  const path = MEDIA_PATH_PREFIX + key;
  const { exp, sig } = await signPath(env.URL_SIGNING_SECRET, "media", path, ttl);
  return `${origin}${path}?exp=${exp}&sig=${sig}`;
}

/** Streams an R2 object honouring Range / If-None-Match; null when the object does not exist. */
export async function serveObject(
  bucket: R2Bucket,
  key: string,
  request: Request,
  cacheControl = "private, max-age=3600",
): Promise<Response | null> {
  const hasRange = request.headers.has("Range");
  const object = await bucket.get(key, { range: hasRange ? request.headers : undefined, onlyIf: request.headers });
  if (!object) return null;
  const headers = new Headers();
  object.writeHttpMetadata(headers);
  headers.set("Content-Type", contentType(key));
  headers.set("ETag", object.httpEtag);
  headers.set("Accept-Ranges", "bytes");
  headers.set("Cache-Control", cacheControl);
  if (!("body" in object)) return new Response(null, { status: 304, headers });
  const range = object.range as { offset?: number; length?: number; suffix?: number } | undefined;
  if (hasRange && range) {
    const offset = range.suffix !== undefined ? object.size - range.suffix : (range.offset ?? 0);
    const length = range.suffix ?? range.length ?? object.size - offset;
    headers.set("Content-Range", `bytes ${offset}-${offset + length - 1}/${object.size}`);
    headers.set("Content-Length", String(length));
    return new Response(object.body, { status: 206, headers });
  }
  headers.set("Content-Length", String(object.size));
  return new Response(object.body, { headers });
}

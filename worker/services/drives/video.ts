/**
 * A drive's qcamera video: the segments that have one (for comma's qcamera.m3u8) and, for our API, the playlist's
 * signed URL with the same per-segment durations the playlist declares, so a client can lay out a timeline
 * without parsing HLS.
 */
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { segments } from "../../db/schema";
import { signedMediaUrl } from "./media";
import { DEFAULT_SEGMENT_SECONDS, type PlaylistEntry } from "./playlist";
import { shareSignature } from "./access";
import type { RouteRow } from "./views";

async function qcameraSegments(db: Db, route: RouteRow) {
  return db
    .select({ number: segments.number, duration: segments.qcameraDuration })
    .from(segments)
    .where(and(eq(segments.dongleId, route.dongleId), eq(segments.logId, route.logId), eq(segments.hasQcamera, true)))
    .orderBy(asc(segments.number));
}

/** qcameraPlaylist's input: every segment with a qcamera.ts, each as a signed media URL. */
export async function playlistEntries(env: Env, db: Db, origin: string, route: RouteRow): Promise<PlaylistEntry[]> {
  return Promise.all(
    (await qcameraSegments(db, route)).map(async (s) => ({
      number: s.number,
      durationSeconds: s.duration,
      url: await signedMediaUrl(env, origin, `${route.dongleId}/${route.logId}/${s.number}/qcamera.ts`),
    })),
  );
}

/**
 * The qcamera.m3u8 URL signed with the drive's share signature: what our PWA and comma's apps hand to a video
 * player, which cannot send an Authorization header. It opens this drive's video only.
 */
export async function playlistUrl(env: Env, origin: string, fullname: string): Promise<string> {
  return `${origin}/v1/route/${encodeURIComponent(fullname)}/qcamera.m3u8?${new URLSearchParams(await shareSignature(env, fullname))}`;
}

/** `duration` is what the playlist declares: the measured length, or the nominal 60 s until processing measured it. */
export async function routeVideo(env: Env, db: Db, origin: string, route: RouteRow) {
  const segs = await qcameraSegments(db, route);
  return {
    url: await playlistUrl(env, origin, route.fullname),
    segments: segs.map((s) => ({ number: s.number, duration: s.duration ?? DEFAULT_SEGMENT_SECONDS })),
  };
}

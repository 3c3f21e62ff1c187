/**
 * comma's route objects (docs/logs.md (Route metadata), docs/connect-api.md §4) built from our D1 rows. `url` is a capability
 * prefix (no query string): the apps append `/<segment>/coords.json` etc. and fetch it without auth, as they do
 * from comma's blob store.
 */
import { hmacSha256Base64url } from "../../lib/encoding";
import type { routes, segments } from "../../db/schema";
import { normalizeGitRemote } from "../../logs/route";

export type RouteRow = typeof routes.$inferSelect;
/** What a route view reads: every column but the log id, the drive statistics and the deletion mark. */
export type ViewedRoute = Omit<
  RouteRow,
  "logId" | "engagedMs" | "alertCount" | "userFlagCount" | "engagementCount" | "disengagementCount" | "deletedAt"
>;
export type SegmentRow = typeof segments.$inferSelect;

export const SEGMENT_MS = 60_000;
export const SHARE_TTL_S = 365 * 24 * 3600;

/** Derived files live next to the uploaded ones: <dongle>/<log_id>/<seg>/{coords.json,events.json,sprite.jpg}. */
export const DERIVED_FILES = ["coords.json", "events.json", "sprite.jpg"] as const;
export type DerivedFile = (typeof DERIVED_FILES)[number];

export function derivedKey(dongleId: string, logId: string, segment: number, file: DerivedFile) {
  return `${dongleId}/${logId}/${segment}/${file}`;
}

/** The unguessable part of route.url: an HMAC of the route name, so only someone given the route can derive it. */
export async function routeUrlToken(env: Env, fullname: string): Promise<string> {
  return (await hmacSha256Base64url(env.URL_SIGNING_SECRET, `route-url\n${fullname}`)).slice(0, 32);
}

export async function routeUrl(env: Env, origin: string, fullname: string): Promise<string> {
  return `${origin}/v1/route/${encodeURIComponent(fullname)}/derived/${await routeUrlToken(env, fullname)}`;
}

/** "2025-11-13T15:21:32": naive UTC ISO, whole seconds, as comma serves start_time/end_time. */
export function naiveIso(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  return new Date(Math.round(ms / 1000) * 1000).toISOString().slice(0, 19);
}

const round4 = (v: number | null) => (v === null ? null : Math.round(v * 1e4) / 1e4);

/** Segment times per comma: start + 60 s·k, the last one ending at the route's end. */
export function segmentTimes(route: ViewedRoute, numbers: number[]) {
  const start = route.startTimeMs;
  if (start === null) return { starts: numbers.map(() => 0), ends: numbers.map(() => 0) };
  const starts = numbers.map((n) => start + SEGMENT_MS * n);
  const ends = numbers.map((n, i) =>
    i === numbers.length - 1 && route.endTimeMs !== null ? route.endTimeMs : start + SEGMENT_MS * (n + 1),
  );
  return { starts, ends };
}

export interface ViewContext {
  env: Env;
  origin: string;
  userId: string | null;
  share: { exp: string; sig: string };
}

export async function routeView(route: ViewedRoute, ctx: ViewContext) {
  return {
    id: route.id,
    car_id: null,
    version_id: null,
    create_time: route.createTime,
    dongle_id: route.dongleId,
    fullname: route.fullname,
    start_time: naiveIso(route.startTimeMs),
    end_time: naiveIso(route.endTimeMs),
    start_lat: round4(route.startLat) ?? 0,
    start_lng: round4(route.startLng) ?? 0,
    end_lat: round4(route.endLat) ?? 0,
    end_lng: round4(route.endLng) ?? 0,
    distance: route.distanceMiles ?? 0,
    length: route.distanceMiles ?? 0,
    maxqlog: route.maxqlog,
    procqlog: route.procqlog,
    maxlog: route.maxlog,
    maxqcamera: route.maxqcamera,
    maxcamera: route.maxcamera,
    maxecamera: route.maxecamera,
    maxdcamera: route.maxdcamera,
    url: await routeUrl(ctx.env, ctx.origin, route.fullname),
    is_public: route.isPublic,
    is_preserved: route.isPreserved,
    user_id: ctx.userId,
    git_branch: route.gitBranch,
    git_commit: route.gitCommit,
    git_commit_date: route.gitCommitDate,
    git_dirty: route.gitDirty,
    // Normalised again here: rows processed before the normalisation learnt ".git" and "user@" still hold them.
    git_remote: route.gitRemote === null ? null : normalizeGitRemote(route.gitRemote),
    platform: route.platform,
    make: route.make,
    vin: route.vin,
    version: route.version,
    devicetype: route.deviceType,
    start_time_utc_millis: route.startTimeMs ?? 0,
    end_time_utc_millis: route.endTimeMs ?? 0,
  };
}

/** The routes_segments item: a route plus its segment lists, UTC millis and a share signature for the video. */
/** `numbers`: the route's segment numbers, ascending. */
export async function routeSegmentsView(route: ViewedRoute, numbers: number[], ctx: ViewContext) {
  const { starts, ends } = segmentTimes(route, numbers);
  return {
    ...(await routeView(route, ctx)),
    segment_numbers: numbers,
    segment_start_times: starts,
    segment_end_times: ends,
    share_exp: ctx.share.exp,
    share_sig: ctx.share.sig,
  };
}

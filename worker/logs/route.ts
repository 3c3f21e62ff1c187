/**
 * Route-level fields (comma's /v1/route object, logs.md §3.3) from per-segment metadata. Pure and
 * order-independent: the queue consumer can recompute the route after any segment arrives.
 *
 * Rules (verified on the real fixture route): start = route origin (initData.logMonoTime) in wall
 * time, rounded to a whole second; segment_start_times[k] = start + 60 s·k; segment_end_times[k] =
 * start + 60 s·(k+1) except the last segment, which ends at the rounded wall time of its last
 * message; start/end lat/lng are the first/last coords points rounded to 4 decimals; distance is
 * the sum of each segment's final coords `dist` (miles).
 */
import type { SegmentMeta } from "./derive";
import { pyRound } from "./pyround";
import { isoNoZone, routeWallOffset, type WallOffset } from "./wallclock";

export const SEGMENT_LENGTH_MS = 60_000;

export interface RouteFields {
  segment_numbers: number[];
  segment_start_times: number[];
  segment_end_times: number[];
  start_time_utc_millis: number | null;
  end_time_utc_millis: number | null;
  /** "YYYY-MM-DDTHH:MM:SS" UTC without zone, like comma's */
  start_time: string | null;
  end_time: string | null;
  start_lat: number | null;
  start_lng: number | null;
  end_lat: number | null;
  end_lng: number | null;
  /** miles */
  distance: number;
  /** highest segment number present */
  maxqlog: number;
  version: string | null;
  git_branch: string | null;
  git_commit: string | null;
  git_commit_date: string | null;
  git_dirty: boolean | null;
  git_remote: string | null;
  platform: string | null;
  make: string | null;
  vin: string | null;
  device_type: string | null;
  /** How the wall clock was anchored ("clocks" | "gps" | "initData"), for diagnostics. */
  wall_clock_source: string | null;
}

export interface SegmentInput {
  number: number;
  meta: SegmentMeta;
}

const roundSecondMs = (wallNs: number) => Math.round(wallNs / 1e9) * 1000;

/**
 * The git remote as comma shows it: "github.com/owner/repo", whatever form the device reported
 * ("https://github.com/owner/repo.git", "git@github.com:owner/repo.git", "ssh://git@github.com/owner/repo").
 */
export function normalizeGitRemote(remote: string): string {
  const trimmed = remote.trim();
  const scp = /^[^@/:]+@([^:/]+):(?!\/)(.*)$/.exec(trimmed); // user@host:owner/repo
  const bare = scp ? `${scp[1]}/${scp[2]}` : trimmed.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").replace(/^[^@/]+@/, "");
  return bare.replace(/\/+$/, "").replace(/\.git$/i, "");
}

export function aggregateRoute(segments: readonly SegmentInput[]): RouteFields {
  const segs = [...segments].sort((a, b) => a.number - b.number);
  const nonEmpty = <T>(v: T | null | undefined | ""): v is T => v !== null && v !== undefined && v !== "";
  const last = <T>(pick: (m: SegmentMeta) => T | null | undefined | ""): T | null => {
    for (let i = segs.length - 1; i >= 0; i--) {
      const v = pick(segs[i].meta);
      if (nonEmpty(v)) return v;
    }
    return null;
  };
  const first = <T>(pick: (m: SegmentMeta) => T | null | undefined | ""): T | null => {
    for (const s of segs) {
      const v = pick(s.meta);
      if (nonEmpty(v)) return v;
    }
    return null;
  };

  const offset: WallOffset | null = routeWallOffset(segs.map((s) => s.meta.wallOffset));
  const init = first((m) => m.initLogMonoTime);
  const startMs = offset && init !== null ? roundSecondMs(init + offset.offsetNs) : null;
  const numbers = segs.map((s) => s.number);
  const lastSeg = segs[segs.length - 1];
  const endMs = offset && lastSeg ? roundSecondMs(lastSeg.meta.maxLogMonoTime + offset.offsetNs) : null;
  const starts = startMs === null ? [] : numbers.map((n) => startMs + SEGMENT_LENGTH_MS * n);
  const ends =
    startMs === null
      ? []
      : numbers.map((n, i) =>
          i === numbers.length - 1 && endMs !== null ? endMs : startMs + SEGMENT_LENGTH_MS * (n + 1),
        );

  const r4 = (v: number | null) => (v === null ? null : pyRound(v, 4));
  const distance = pyRound(
    segs.reduce((d, s) => d + s.meta.distanceMiles, 0),
    6,
  );
  const remote = last((m) => m.init.gitRemote);
  return {
    segment_numbers: numbers,
    segment_start_times: starts,
    segment_end_times: ends,
    start_time_utc_millis: startMs,
    end_time_utc_millis: endMs,
    start_time: startMs === null ? null : isoNoZone(startMs),
    end_time: endMs === null ? null : isoNoZone(endMs),
    start_lat: r4(first((m) => m.startLat)),
    start_lng: r4(first((m) => m.startLng)),
    end_lat: r4(last((m) => m.endLat)),
    end_lng: r4(last((m) => m.endLng)),
    distance,
    maxqlog: numbers.length ? numbers[numbers.length - 1] : -1,
    version: last((m) => m.init.version),
    git_branch: last((m) => m.init.gitBranch),
    git_commit: last((m) => m.init.gitCommit),
    git_commit_date: last((m) => m.gitCommitDateIso),
    git_dirty: segs.length ? segs[segs.length - 1].meta.init.dirty : null,
    git_remote: remote === null ? null : normalizeGitRemote(remote),
    platform: last((m) => m.car?.carFingerprint),
    make: last((m) => m.car?.brand),
    vin: last((m) => m.car?.carVin),
    device_type: last((m) => m.init.deviceType),
    wall_clock_source: offset?.source ?? null,
  };
}

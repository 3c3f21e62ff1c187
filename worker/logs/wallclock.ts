/**
 * Mono -> wall clock. Current route names carry no date (since 2024-03, "timeless routes"), and
 * initData.wallTimeNanos can be months stale when the device booted before its clock was set
 * (logs.md §3.3). comma's route start matched the offset from `clocks` messages (wallTimeNanos vs
 * that message's logMonoTime), so we prefer clocks, cross-checked with GPS time, and use
 * initData only as a last resort.
 */
export type WallOffsetSource = "clocks" | "gps" | "initData";

export interface WallOffset {
  /** wall ns = logMonoTime + offsetNs */
  offsetNs: number;
  source: WallOffsetSource;
}

/** Earliest plausible wall time: 2018-01-01 (before any log this server will see; an unset clock reads 1970 or a build date). */
export const MIN_PLAUSIBLE_WALL_NS = 1514764800e9;
/** Clocks and GPS agreeing within this are taken to agree (GPS time carries fix latency). */
export const CLOCKS_GPS_TOLERANCE_NS = 5e9;

export interface WallOffsetInput {
  clocks: readonly { logMonoTime: number; wallTimeNanos: number }[];
  gpsWallOffsetNs: number | null;
  initWallTimeNanos: number;
  initLogMonoTime: number;
}

export function segmentWallOffset(inp: WallOffsetInput): WallOffset | null {
  // The last plausible clocks pair: if the clock was set during the segment, later pairs are right.
  let clocks: number | null = null;
  for (const c of inp.clocks) if (c.wallTimeNanos >= MIN_PLAUSIBLE_WALL_NS) clocks = c.wallTimeNanos - c.logMonoTime;
  const gps =
    inp.gpsWallOffsetNs !== null && inp.gpsWallOffsetNs + inp.initLogMonoTime >= MIN_PLAUSIBLE_WALL_NS
      ? inp.gpsWallOffsetNs
      : null;
  if (clocks !== null && (gps === null || Math.abs(clocks - gps) <= CLOCKS_GPS_TOLERANCE_NS))
    return { offsetNs: clocks, source: "clocks" };
  if (gps !== null) return { offsetNs: gps, source: "gps" };
  if (inp.initWallTimeNanos >= MIN_PLAUSIBLE_WALL_NS)
    return { offsetNs: inp.initWallTimeNanos - inp.initLogMonoTime, source: "initData" };
  return null;
}

/** Pick the route-wide offset: clocks from the latest segment that has them (the clock is likeliest set by then), else GPS, else initData. */
export function routeWallOffset(perSegment: readonly (WallOffset | null)[]): WallOffset | null {
  for (const src of ["clocks", "gps", "initData"] as const)
    for (let i = perSegment.length - 1; i >= 0; i--) {
      const o = perSegment[i];
      if (o && o.source === src) return o;
    }
  return null;
}

/** ms -> "YYYY-MM-DDTHH:MM:SS" (UTC, no zone), the format of comma's start_time/end_time. */
export const isoNoZone = (ms: number): string => new Date(ms).toISOString().slice(0, 19);

/**
 * initData.gitCommitDate is git's `%ct %ci` with single quotes, e.g. "'1762565860 2025-11-07
 * 20:37:40 -0500'"; comma's route has it as ISO UTC without zone ("2025-11-08T01:37:40").
 */
export function gitCommitDateIso(raw: string): string | null {
  const s = raw.replace(/^'+|'+$/g, "").trim();
  if (!s) return null;
  const unix = /^(\d{9,11})(\s|$)/.exec(s);
  if (unix) return isoNoZone(Number(unix[1]) * 1000);
  const ci = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-])(\d{2})(\d{2})$/.exec(s);
  if (ci) {
    const ms = Date.parse(`${ci[1]}T${ci[2]}${ci[3]}${ci[4]}:${ci[5]}`);
    return Number.isFinite(ms) ? isoNoZone(ms) : null;
  }
  return null;
}

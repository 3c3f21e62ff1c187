/**
 * coords.json, exactly as comma's backend makes it (logs.md §3.2, verified value for value on real
 * segments): valid GPS fixes sorted by logMonoTime, sampled at the MIDDLE of each second after the
 * segment start, linearly interpolated, no extrapolation; `t` is whole seconds since route start;
 * `dist` is cumulative within the segment, in MILES.
 */
import { pyRound } from "./pyround";

export interface CoordPoint {
  t: number;
  lat: number;
  lng: number;
  /** m/s, 3 decimals */
  speed: number;
  /** miles since this segment's first point, 6 decimals */
  dist: number;
}

export interface FixSample {
  logMonoTime: number;
  latitude: number;
  longitude: number;
  speed: number;
}

const NS = 1e9;
const METERS_PER_MILE = 1609.344;

/**
 * @param fixes valid fixes of this segment (any order; sorted here, stable)
 * @param init  initData.logMonoTime (route time origin)
 * @param segStart smallest non-initData logMonoTime > init in this segment
 */
export function buildCoords(fixes: readonly FixSample[], init: number, segStart: number): CoordPoint[] {
  if (fixes.length === 0) return [];
  const sorted = fixes.length > 1 ? [...fixes].sort((a, b) => a.logMonoTime - b.logMonoTime) : fixes;
  const t0 = Math.floor((segStart - init) / NS);
  const last = sorted[sorted.length - 1].logMonoTime;
  const out: CoordPoint[] = [];
  let j = 0; // sorted[j] <= s < sorted[j+1] search cursor (samples increase monotonically)
  let dist = 0;
  let prev: CoordPoint | null = null;
  for (let k = 0; ; k++) {
    const s = segStart + (k + 0.5) * NS;
    if (s > last) break;
    if (s < sorted[0].logMonoTime) continue;
    // a = last fix at or before s, b = the next one (numpy.interp's bracketing).
    while (j + 1 < sorted.length && sorted[j + 1].logMonoTime <= s) j++;
    const a = sorted[j];
    const b = j + 1 < sorted.length ? sorted[j + 1] : a;
    const span = b.logMonoTime - a.logMonoTime;
    const dx = s - a.logMonoTime;
    // numpy.interp's arithmetic order: slope * (x - x0) + y0.
    const lerp = (y0: number, y1: number) => (span > 0 ? ((y1 - y0) / span) * dx + y0 : y0);
    const p: CoordPoint = {
      t: t0 + k,
      lat: pyRound(lerp(a.latitude, b.latitude), 8),
      lng: pyRound(lerp(a.longitude, b.longitude), 8),
      speed: pyRound(lerp(a.speed, b.speed), 3),
      dist: 0,
    };
    if (prev) dist += (prev.speed * (p.t - prev.t)) / METERS_PER_MILE;
    p.dist = pyRound(dist, 6);
    out.push(p);
    prev = p;
  }
  return out;
}

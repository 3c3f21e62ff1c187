/** The GPS track (coords.json, ~1 point per second) as positions over route time. */
import type { CoordPoint } from "../api/types";

/** Position at route second `t`, interpolated between the two nearest points; null before the first fix. */
export function positionAt(coords: CoordPoint[], t: number): { lat: number; lng: number; speed: number } | null {
  if (!coords.length || t < coords[0].t - 1) return null;
  let lo = 0;
  let hi = coords.length - 1;
  if (t >= coords[hi].t) return coords[hi];
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (coords[mid].t <= t) lo = mid;
    else hi = mid;
  }
  const a = coords[lo];
  const b = coords[hi];
  const f = b.t === a.t ? 0 : Math.min(1, Math.max(0, (t - a.t) / (b.t - a.t)));
  return {
    lat: a.lat + (b.lat - a.lat) * f,
    lng: a.lng + (b.lng - a.lng) * f,
    speed: a.speed + (b.speed - a.speed) * f,
  };
}

/** Route second of the track point closest to a clicked location. */
export function nearestTime(coords: CoordPoint[], lat: number, lng: number): number | null {
  let best: CoordPoint | null = null;
  let bestD = Infinity;
  const k = Math.cos((lat * Math.PI) / 180);
  for (const c of coords) {
    const d = (c.lat - lat) ** 2 + ((c.lng - lng) * k) ** 2;
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best ? best.t : null;
}

export function bounds(coords: CoordPoint[]): [[number, number], [number, number]] | null {
  if (!coords.length) return null;
  let w = Infinity,
    s = Infinity,
    e = -Infinity,
    n = -Infinity;
  for (const c of coords) {
    w = Math.min(w, c.lng);
    e = Math.max(e, c.lng);
    s = Math.min(s, c.lat);
    n = Math.max(n, c.lat);
  }
  return [
    [w, s],
    [e, n],
  ];
}

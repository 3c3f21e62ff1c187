/** Route times: the server sends naive UTC ISO strings ("2025-11-13T15:21:32"). */
import type { Route } from "../api/types";

export const parseUtc = (s: string | null | undefined): Date | null => {
  if (!s) return null;
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
};

export const routeStart = (r: Route) => parseUtc(r.start_time) ?? new Date(r.create_time * 1000);
export const routeEnd = (r: Route) => parseUtc(r.end_time);

/** Duration in ms from start/end, or the segments' nominal length when the end is unknown. */
export function routeDurationMs(r: Route): number {
  const s = parseUtc(r.start_time);
  const e = parseUtc(r.end_time);
  if (s && e && e > s) return e.getTime() - s.getTime();
  return (r.maxqlog + 1) * 60_000;
}

/** Local calendar day, for grouping the timeline. */
export const dayKey = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

/**
 * A drive's engaged time and event counts for its route row (engaged_ms, alert_count, …), so device totals are
 * one D1 query however many drives a device has. The numbers are routeStats' (the rules of
 * GET /api/v1/routes/{fullname}/stats), computed from what each segment's qlog run stored in its segment_qlogs
 * meta: its events.json reduced by statsEvents. Like the rest of the route aggregate they are recomputed from
 * every processed segment each time, so arrival order and re-processing cannot change them.
 */
import type { RouteFields } from "../../logs";
import { routeStats, type StatsEvent } from "../drives/stats";

/** What the qlog processor adds to the segment's stored meta. */
export interface SegmentStatsMeta {
  statsEvents?: StatsEvent[];
}

export interface DriveStatsColumns {
  engagedMs: number;
  alerts: number;
  userFlags: number;
  engagements: number;
  disengagements: number;
}

/**
 * null when any processed segment lacks statsEvents (processed before they were stored): its events are unknown
 * here, and a partial number would look like a real one. Re-processing the route fills the columns in.
 */
export function driveStatsColumns(
  fields: RouteFields,
  segments: readonly { number: number; meta: SegmentStatsMeta }[],
): DriveStatsColumns | null {
  if (!segments.length || segments.some((s) => !Array.isArray(s.meta.statsEvents))) return null;
  // routeStats reads the segments' events concatenated in segment order, and the times the route row will get.
  const events = [...segments].sort((a, b) => a.number - b.number).flatMap((s) => s.meta.statsEvents!);
  const s = routeStats(
    {
      startTimeMs: fields.start_time_utc_millis,
      endTimeMs: fields.end_time_utc_millis,
      distanceMiles: fields.distance,
    },
    events,
  );
  return {
    engagedMs: Math.round(s.engaged_s * 1000), // engaged_s is whole ms already (offsets and times are ms)
    alerts: s.events.alerts,
    userFlags: s.events.user_flags,
    engagements: s.events.engagements,
    disengagements: s.events.disengagements,
  };
}

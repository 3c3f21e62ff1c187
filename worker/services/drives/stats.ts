/**
 * Statistics of one drive from its route row and its events (events.json of every segment, concatenated in
 * segment order; logs.md §3.1). Pure, so it is unit-tested on synthetic event lists (route-stats.test.ts).
 *
 * Engaged time follows how the connect apps draw the timeline: openpilot is engaged while the `state` events'
 * `data.enabled` is true, from one event's route_offset_millis to the next change, and a span still open at the
 * last event lasts until the drive's end. The legacy `engage`/`disengage` events of older logs switch it too.
 * Segments with no events (not processed yet) are not known to be anything, so the state before such a gap is
 * assumed to continue: the next segment's first `state` event (always emitted, §3.1) corrects it.
 *
 * The route aggregation stores the same numbers on the route row (processing/drive-stats.ts) from each segment's
 * statsEvents (kept in its segment_qlogs meta), so device totals need no events.json reads.
 */

/** One element of events.json; `data` depends on `type` (state: {state, enabled, alertStatus}). */
export interface RouteEvent {
  type: string;
  time: number;
  offset_millis: number;
  route_offset_millis: number;
  data: Record<string, unknown>;
}

/** The part of an event routeStats reads. */
export type StatsEvent = Pick<RouteEvent, "type" | "route_offset_millis" | "data">;

export interface RouteTotals {
  startTimeMs: number | null;
  endTimeMs: number | null;
  distanceMiles: number | null;
}

export interface RouteStats {
  distance_miles: number;
  duration_s: number;
  average_speed_mph: number;
  engaged_s: number;
  /** engaged_s / duration_s, 0..1. */
  engaged_share: number;
  events: { alerts: number; user_flags: number; engagements: number; disengagements: number };
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/** The enabled flag an event sets, or undefined when it says nothing about engagement. */
function enabledBy(e: StatsEvent): boolean | undefined {
  if (e.type === "state" && typeof e.data?.enabled === "boolean") return e.data.enabled;
  if (e.type === "engage") return true;
  if (e.type === "disengage") return false;
  return undefined;
}

/** Whether a `state` event says an alert is showing (alertStatus ≠ 0). */
const alertingBy = (e: StatsEvent): boolean => typeof e.data?.alertStatus === "number" && e.data.alertStatus !== 0;

const isCounted = (e: StatsEvent) => e.type === "alert" || e.type === "user_flag" || e.type === "user_bookmark";

/** Type of the marker statsEvents adds to carry a dropped event's route offset (routeStats counts nothing for it). */
const OFFSET_MARK = "offset";

/**
 * One segment's events reduced to those routeStats can react to, so that for any split of a drive into segments
 * routeStats(route, concat(statsEvents(segment_i))) = routeStats(route, concat(segment_i)), whatever the segments
 * before it were (the state carried in is unknown here, so each segment's first engagement and alert state is
 * always kept). Dropped: events that change neither engagement nor the alert state nor a count, e.g. the
 * overriding/enabled flapping of a normal drive. Their offsets only matter as "the last event" (an engaged span
 * still open at the end, or an event without a finite offset), so a marker keeps the largest one where needed.
 */
export function statsEvents(events: readonly StatsEvent[]): StatsEvent[] {
  const out: StatsEvent[] = [];
  let enabled: boolean | undefined; // as routeStats will have it after the previous event of this segment
  let alerting: boolean | undefined;
  let maxSeen = -Infinity; // largest finite offset of the segment so far, and of what was kept
  let maxKept = -Infinity;
  const mark = () => {
    if (maxSeen > maxKept) out.push({ type: OFFSET_MARK, route_offset_millis: maxSeen, data: {} });
    maxKept = maxSeen;
  };
  for (const e of events) {
    const finite = Number.isFinite(e.route_offset_millis);
    const en = enabledBy(e);
    const isState = e.type === "state";
    if (isCounted(e) || (en !== undefined && en !== enabled) || (isState && alertingBy(e) !== alerting)) {
      if (!finite) mark(); // it takes the last offset as its own: make that the same as without the reduction
      const data = isState ? { enabled: e.data?.enabled, alertStatus: e.data?.alertStatus } : {};
      out.push({ type: e.type, route_offset_millis: e.route_offset_millis, data });
      if (finite) maxKept = Math.max(maxKept, e.route_offset_millis);
    }
    if (finite) maxSeen = Math.max(maxSeen, e.route_offset_millis);
    if (en !== undefined) enabled = en;
    if (isState) alerting = alertingBy(e);
  }
  mark();
  return out;
}

export function routeStats(route: RouteTotals, events: readonly StatsEvent[]): RouteStats {
  const durationMs =
    route.startTimeMs !== null && route.endTimeMs !== null ? Math.max(0, route.endTimeMs - route.startTimeMs) : 0;
  const distance = route.distanceMiles ?? 0;
  const counts = { alerts: 0, user_flags: 0, engagements: 0, disengagements: 0 };
  let engagedMs = 0;
  let engagedSince: number | null = null; // route offset where the current engaged span began
  let alerting = false;
  let lastOffset = 0;

  for (const e of events) {
    const at = Number.isFinite(e.route_offset_millis) ? e.route_offset_millis : lastOffset;
    lastOffset = Math.max(lastOffset, at);
    const enabled = enabledBy(e);
    if (enabled === true && engagedSince === null) {
      engagedSince = at;
      counts.engagements++;
    } else if (enabled === false && engagedSince !== null) {
      engagedMs += Math.max(0, at - engagedSince);
      engagedSince = null;
      counts.disengagements++;
    }
    if (e.type === "state") {
      // An alert is a span of alertStatus ≠ 0: count its start, not every segment's repeat of it.
      const now = alertingBy(e);
      if (now && !alerting) counts.alerts++;
      alerting = now;
    } else if (e.type === "alert") counts.alerts++;
    else if (e.type === "user_flag" || e.type === "user_bookmark") counts.user_flags++;
  }
  // Still engaged after the last event: until the drive's end (or the last event, if the row's times lag behind).
  if (engagedSince !== null) engagedMs += Math.max(0, Math.max(durationMs, lastOffset) - engagedSince);

  const durationS = durationMs / 1000;
  // Offsets count from initData and the row's times from the wall clock: when they disagree by a little, the
  // share must still not exceed 1.
  const engagedS = durationS > 0 ? Math.min(engagedMs / 1000, durationS) : engagedMs / 1000;
  return {
    distance_miles: round(distance, 6),
    duration_s: round(durationS, 3),
    average_speed_mph: durationS > 0 ? round(distance / (durationS / 3600), 3) : 0,
    engaged_s: round(engagedS, 3),
    engaged_share: durationS > 0 ? round(engagedS / durationS, 4) : 0,
    events: counts,
  };
}

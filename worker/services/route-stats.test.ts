import { describe, expect, it } from "vitest";
import { type RouteEvent, routeStats } from "./route-stats";

let clock = 0;
const ev = (type: string, at: number, data: Record<string, unknown> = {}): RouteEvent =>
  ({ type, time: ++clock * 1e6, offset_millis: at % 60_000, route_offset_millis: at, data });
const state = (at: number, enabled: boolean, alertStatus = 0, name = enabled ? "enabled" : "disabled") =>
  ev("state", at, { state: name, enabled, alertStatus });
/** A 100 s drive of 1 mile. */
const ROUTE = { startTimeMs: 1_700_000_000_000, endTimeMs: 1_700_000_100_000, distanceMiles: 1 };

describe("routeStats", () => {
  it("distance, duration and average speed from the route row", () => {
    expect(routeStats(ROUTE, [])).toEqual({
      distance_miles: 1, duration_s: 100, average_speed_mph: 36, engaged_s: 0, engaged_share: 0,
      events: { alerts: 0, user_flags: 0, engagements: 0, disengagements: 0 },
    });
  });

  it("an unprocessed drive (no times, no distance) gives zeros, not NaN", () => {
    const s = routeStats({ startTimeMs: null, endTimeMs: null, distanceMiles: null }, [state(0, true), state(5000, false)]);
    expect(s).toMatchObject({ distance_miles: 0, duration_s: 0, average_speed_mph: 0, engaged_s: 5, engaged_share: 0 });
  });

  it("sums the engaged spans and counts transitions", () => {
    const s = routeStats(ROUTE, [state(0, false), state(10_000, true), state(30_000, false), state(50_000, true), state(75_000, false)]);
    expect(s.engaged_s).toBe(45);
    expect(s.engaged_share).toBe(0.45);
    expect(s.events).toMatchObject({ engagements: 2, disengagements: 2 });
  });

  it("a span still open at the last event lasts until the drive's end", () => {
    expect(routeStats(ROUTE, [state(0, false), state(60_000, true)]).engaged_s).toBe(40);
  });

  it("segment-start repeats and state-name changes while enabled (overriding) neither split nor restart a span", () => {
    const s = routeStats(ROUTE, [
      state(0, true), state(20_000, true, 0, "overriding"), state(30_000, true), state(60_000, true) /* segment 1's first */, state(90_000, false),
    ]);
    expect(s.engaged_s).toBe(90);
    expect(s.events).toMatchObject({ engagements: 1, disengagements: 1 });
  });

  it("counts alert spans once, bookmarks of both names, and legacy alert events", () => {
    const s = routeStats(ROUTE, [
      state(0, true), state(1000, true, 1), state(2000, true, 2), state(3000, true, 0), state(60_000, true, 1),
      ev("user_flag", 4000), ev("user_bookmark", 5000), ev("alert", 6000, { alertText1: "x" }),
      ev("event", 0, { event_type: "first_road_camera_frame" }),
    ]);
    expect(s.events).toEqual({ alerts: 3, user_flags: 2, engagements: 1, disengagements: 0 });
  });

  it("legacy engage/disengage events switch engagement like state events", () => {
    const s = routeStats(ROUTE, [ev("engage", 10_000), ev("disengage", 40_000), ev("engage", 90_000)]);
    expect(s.engaged_s).toBe(40);
    expect(s.events).toMatchObject({ engagements: 2, disengagements: 1 });
  });

  it("never reports more engaged time than the drive lasted", () => {
    const s = routeStats(ROUTE, [state(0, true), state(120_000, true)]);
    expect(s.engaged_s).toBe(100);
    expect(s.engaged_share).toBe(1);
  });
});

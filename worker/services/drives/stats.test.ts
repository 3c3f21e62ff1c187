import { describe, expect, it } from "vitest";
import { type RouteEvent, routeStats, statsEvents } from "./stats";

let clock = 0;
const ev = (type: string, at: number, data: Record<string, unknown> = {}): RouteEvent => ({
  type,
  time: ++clock * 1e6,
  offset_millis: at % 60_000,
  route_offset_millis: at,
  data,
});
const state = (at: number, enabled: boolean, alertStatus = 0, name = enabled ? "enabled" : "disabled") =>
  ev("state", at, { state: name, enabled, alertStatus });
/** A 100 s drive of 1 mile. */
const ROUTE = { startTimeMs: 1_700_000_000_000, endTimeMs: 1_700_000_100_000, distanceMiles: 1 };

describe("routeStats", () => {
  it("distance, duration and average speed from the route row", () => {
    expect(routeStats(ROUTE, [])).toEqual({
      distance_miles: 1,
      duration_s: 100,
      average_speed_mph: 36,
      engaged_s: 0,
      engaged_share: 0,
      events: { alerts: 0, user_flags: 0, engagements: 0, disengagements: 0 },
    });
  });

  it("an unprocessed drive (no times, no distance) gives zeros, not NaN", () => {
    const s = routeStats({ startTimeMs: null, endTimeMs: null, distanceMiles: null }, [
      state(0, true),
      state(5000, false),
    ]);
    expect(s).toMatchObject({ distance_miles: 0, duration_s: 0, average_speed_mph: 0, engaged_s: 5, engaged_share: 0 });
  });

  it("sums the engaged spans and counts transitions", () => {
    const s = routeStats(ROUTE, [
      state(0, false),
      state(10_000, true),
      state(30_000, false),
      state(50_000, true),
      state(75_000, false),
    ]);
    expect(s.engaged_s).toBe(45);
    expect(s.engaged_share).toBe(0.45);
    expect(s.events).toMatchObject({ engagements: 2, disengagements: 2 });
  });

  it("a span still open at the last event lasts until the drive's end", () => {
    expect(routeStats(ROUTE, [state(0, false), state(60_000, true)]).engaged_s).toBe(40);
  });

  it("segment-start repeats and state-name changes while enabled (overriding) neither split nor restart a span", () => {
    const s = routeStats(ROUTE, [
      state(0, true),
      state(20_000, true, 0, "overriding"),
      state(30_000, true),
      state(60_000, true) /* segment 1's first */,
      state(90_000, false),
    ]);
    expect(s.engaged_s).toBe(90);
    expect(s.events).toMatchObject({ engagements: 1, disengagements: 1 });
  });

  it("counts alert spans once, bookmarks of both names, and legacy alert events", () => {
    const s = routeStats(ROUTE, [
      state(0, true),
      state(1000, true, 1),
      state(2000, true, 2),
      state(3000, true, 0),
      state(60_000, true, 1),
      ev("user_flag", 4000),
      ev("user_bookmark", 5000),
      ev("alert", 6000, { alertText1: "x" }),
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

/** Deterministic PRNG, so a failing case can be replayed. */
function lcg(seed: number) {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** A random drive's events, split into segments: flapping states, alerts, bookmarks, legacy events, odd offsets. */
function randomDrive(rnd: () => number): RouteEvent[][] {
  const segments: RouteEvent[][] = [];
  let at = 0;
  for (let n = Math.floor(rnd() * 5); n >= 0; n--) {
    const seg: RouteEvent[] = [];
    for (let k = Math.floor(rnd() * 30); k > 0; k--) {
      at += Math.floor(rnd() * 8000);
      const r = rnd();
      // Now and then an offset that is not finite (JSON makes it null) or goes back.
      const offset = r < 0.03 ? NaN : r < 0.06 ? at - 20_000 : at;
      const kind = rnd();
      const e =
        kind < 0.6
          ? ev("state", offset, {
              state: rnd() < 0.5 ? "enabled" : "overriding",
              enabled: rnd() < 0.05 ? undefined : rnd() < 0.6,
              alertStatus: rnd() < 0.7 ? 0 : Math.floor(rnd() * 3),
            })
          : ev(["engage", "disengage", "alert", "user_flag", "user_bookmark", "event"][Math.floor(rnd() * 6)], offset);
      seg.push(e);
    }
    segments.push(seg);
  }
  return segments;
}

describe("statsEvents (what the route aggregation stores per segment)", () => {
  it("gives routeStats the same result as the full events, per segment and through JSON, for any drive", () => {
    const rnd = lcg(20251113);
    for (let i = 0; i < 2000; i++) {
      const segs = randomDrive(rnd);
      const last = segs
        .flat()
        .reduce((m, e) => Math.max(m, Number.isFinite(e.route_offset_millis) ? e.route_offset_millis : 0), 0);
      // Row times that end after, exactly at and before the last event, or are unknown.
      const end = [last + 30_000, last, Math.floor(last * 0.8), null][i % 4];
      const route = {
        startTimeMs: end === null ? null : 1_700_000_000_000,
        endTimeMs: end === null ? null : 1_700_000_000_000 + end,
        distanceMiles: 2,
      };
      const reduced = JSON.parse(JSON.stringify(segs.map(statsEvents))) as RouteEvent[][];
      expect(routeStats(route, reduced.flat()), `case ${i}`).toEqual(routeStats(route, segs.flat()));
    }
  });

  it("keeps what changes engagement, alerts or a count, and drops repeats (overriding flaps) but for the last offset", () => {
    const seg = [
      state(60_000, true),
      state(61_000, true, 0, "overriding"),
      state(62_000, true),
      state(63_000, true, 0, "overriding"),
      state(64_000, true, 1),
      state(65_000, true, 1, "overriding"),
      ev("user_flag", 66_000),
      state(67_000, true, 0),
      state(68_000, true),
    ];
    expect(statsEvents(seg)).toEqual([
      { type: "state", route_offset_millis: 60_000, data: { enabled: true, alertStatus: 0 } },
      { type: "state", route_offset_millis: 64_000, data: { enabled: true, alertStatus: 1 } },
      { type: "user_flag", route_offset_millis: 66_000, data: {} },
      { type: "state", route_offset_millis: 67_000, data: { enabled: true, alertStatus: 0 } },
      { type: "offset", route_offset_millis: 68_000, data: {} },
    ]);
  });
});

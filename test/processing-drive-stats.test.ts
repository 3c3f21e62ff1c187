/**
 * Per-drive engaged time and event counts stored on the route row by the real queue path (upload → consumer →
 * route aggregation), and the device totals summed from them. The stored numbers must be what
 * GET /api/v1/routes/{fullname}/stats computes from events.json; the expected values also come from the
 * synthetic drive's definition (test/fixtures/openpilot-log.ts SYN_DRIVE), not from the code under test.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newRouteName } from "./device-sim/route";
import { SYN_INIT, SYN_WALL_OFFSET } from "./fixtures/openpilot-log";
import { createUser, workerFetch, type TestUser } from "./helpers";
import {
  qlogZst,
  routeFields,
  routeRow,
  simDevice,
  uploadAndSettle,
  waitSettled,
  type SimDevice,
} from "./processing-helpers";

const enc = encodeURIComponent;
const wallSecondMs = (mono: number) => Math.round(Number((BigInt(mono) + SYN_WALL_OFFSET) / 1_000_000n) / 1000) * 1000;
/** Duration of an n-segment synthetic drive as the route row has it: initData to the last sentinel, 1 ms before n minutes. */
const durationMs = (segments: number) => wallSecondMs(SYN_INIT + segments * 60e9 - 1e6) - wallSecondMs(SYN_INIT);
/**
 * SYN_DRIVE engages at route second 20 and stays engaged to the end; its first enabled selfdriveState (10 Hz,
 * 37 ms into each 100 ms, segment 0 starting 2 ms after initData) is at 20.039 s.
 */
const ENGAGED_FROM_MS = 20_039;

interface Drive {
  name: string;
  fullname: string;
  segments: number;
  flags: number[][];
}

async function pairedDevice(): Promise<{ device: SimDevice; owner: TestUser }> {
  const device = await simDevice();
  const owner = await createUser();
  await workerFetch("/v2/pilotpair/", {
    method: "POST",
    headers: owner.auth,
    body: new URLSearchParams({ pair_token: await device.pairToken() }),
  });
  return { device, owner };
}

function drive(device: SimDevice, flags: number[][]): Drive {
  const name = newRouteName();
  return { name, fullname: `${device.dongleId}|${name}`, segments: flags.length, flags };
}

const segmentFile = (d: Drive, n: number): [string, Uint8Array] => [
  `${d.name}--${n}/qlog.zst`,
  qlogZst(n, { routeSegments: d.segments, userFlagsAt: d.flags[n] }),
];

const storedStats = async (device: SimDevice, d: Drive) => {
  const r = (await routeRow(device.dongleId, d.name))!;
  return {
    engaged_ms: r.engaged_ms,
    alerts: r.alert_count,
    user_flags: r.user_flag_count,
    engagements: r.engagement_count,
    disengagements: r.disengagement_count,
  };
};

interface ApiRouteStats {
  distance_miles: number;
  duration_s: number;
  engaged_s: number;
  events: { alerts: number; user_flags: number; engagements: number; disengagements: number };
}

async function apiRouteStats(owner: TestUser, d: Drive): Promise<ApiRouteStats> {
  const res = await workerFetch(`/api/v1/routes/${enc(d.fullname)}/stats`, { headers: owner.auth });
  expect(res.status).toBe(200);
  return res.json();
}

/** The route row's stored numbers, next to what the route stats endpoint computes from events.json now. */
async function expectStoredMatchesApi(device: SimDevice, owner: TestUser, d: Drive) {
  const api = await apiRouteStats(owner, d);
  const stored = await storedStats(device, d);
  expect(stored).toEqual({ engaged_ms: Math.round(api.engaged_s * 1000), ...api.events });
  return stored;
}

/** What a whole SYN_DRIVE of this many segments with these bookmarks has, from its definition. */
const expectedWhole = (d: Drive) => ({
  engaged_ms: durationMs(d.segments) - ENGAGED_FROM_MS,
  alerts: d.segments >= 2 ? 2 : 1, // alertStatus 1 for s < 5, 2 for 70 ≤ s < 75 (segment 1)
  user_flags: d.flags.flat().length,
  engagements: 1,
  disengagements: 0,
});

const deviceStats = async (device: SimDevice, owner: TestUser, path = "/api/v1/devices/") =>
  (await workerFetch(`${path}${device.dongleId}/stats`, { headers: owner.auth })).json() as Promise<
    Record<"all" | "week", Record<string, unknown>>
  >;

/** POST …/reprocess as an admin, then wait for every qlog of the drive (the real re-processing path). */
async function reprocess(device: SimDevice, d: Drive) {
  const admin = await createUser();
  await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(admin.id).run();
  const res = await workerFetch(`/api/v1/admin/routes/${enc(d.fullname)}/reprocess`, {
    method: "POST",
    headers: admin.auth,
  });
  expect(res.status).toBe(202);
  await waitSettled(d.flags.map((_, n) => `${device.dongleId}/${d.name}/${n}/qlog.zst`));
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/** The device totals /api/v1 must report for these drives (all counted; `known` of them with engagement numbers). */
function expectedTotals(all: ApiRouteStats[], known: ApiRouteStats[]) {
  const sum = (xs: ApiRouteStats[], f: (s: ApiRouteStats) => number) => xs.reduce((a, s) => a + f(s), 0);
  const distance = sum(all, (s) => s.distance_miles);
  const durationMin = sum(all, (s) => s.duration_s) / 60;
  const engagedS = sum(known, (s) => s.engaged_s);
  return {
    distance: round(distance, 3),
    minutes: Math.round(durationMin),
    routes: all.length,
    average_speed_mph: round(distance / (durationMin / 60), 3),
    routes_with_engagement: known.length,
    engaged_minutes: round(engagedS / 60, 2),
    engaged_share: round(engagedS / sum(known, (s) => s.duration_s), 4),
    events: {
      alerts: sum(known, (s) => s.events.alerts),
      user_flags: sum(known, (s) => s.events.user_flags),
      engagements: sum(known, (s) => s.events.engagements),
      disengagements: sum(known, (s) => s.events.disengagements),
    },
  };
}

describe("drive statistics stored by the route aggregation", () => {
  it("stores what /api/v1/routes/{fullname}/stats computes, with segments out of order, a gap, and re-processing", async () => {
    const { device, owner } = await pairedDevice();
    const a = drive(device, [[12], [10, 30], []]);
    await uploadAndSettle(device, [segmentFile(a, 2), segmentFile(a, 0)]);
    // Segment 1 (with the 70 s alert and two bookmarks) is missing: engagement carries over the gap.
    expect(await expectStoredMatchesApi(device, owner, a)).toEqual({
      engaged_ms: durationMs(3) - ENGAGED_FROM_MS,
      alerts: 1,
      user_flags: 1,
      engagements: 1,
      disengagements: 0,
    });

    await uploadAndSettle(device, [segmentFile(a, 1)]);
    expect(await expectStoredMatchesApi(device, owner, a)).toEqual(expectedWhole(a));
    const row = routeFields(await routeRow(device.dongleId, a.name));

    // Every segment processed again (in whatever order the consumer takes them) changes nothing.
    await reprocess(device, a);
    expect(routeFields(await routeRow(device.dongleId, a.name))).toEqual(row);
  });

  it("device totals sum the drives; comma's stats keep their shape; a drive of unknown engagement is left out until re-processed", async () => {
    const { device, owner } = await pairedDevice();
    const a = drive(device, [[5], [], [40]]);
    const b = drive(device, [[], [50]]);
    await uploadAndSettle(device, [segmentFile(a, 1), segmentFile(b, 0), segmentFile(a, 2), segmentFile(a, 0)]);
    // Drive b's segment 0 as a run from before these numbers were stored left it (no statsEvents in its meta):
    // once segment 1 arrives, b's engagement is unknown. It still counts as a drive, but not in engagement numbers.
    await env.DB.prepare(
      "UPDATE segment_qlogs SET meta = json_remove(meta, '$.statsEvents') WHERE dongle_id = ? AND log_id = ? AND number = 0",
    )
      .bind(device.dongleId, b.name)
      .run();
    await uploadAndSettle(device, [segmentFile(b, 1)]);
    expect(await storedStats(device, b)).toEqual({
      engaged_ms: null,
      alerts: null,
      user_flags: null,
      engagements: null,
      disengagements: null,
    });
    expect(await expectStoredMatchesApi(device, owner, a)).toEqual(expectedWhole(a));
    const [sa, sb] = [await apiRouteStats(owner, a), await apiRouteStats(owner, b)];
    const partial = expectedTotals([sa, sb], [sa]);
    expect(partial).toMatchObject({ routes: 2, routes_with_engagement: 1, events: { alerts: 2, user_flags: 2 } });
    expect(await deviceStats(device, owner)).toEqual({ all: partial, week: partial });
    const comma = { distance: partial.distance, minutes: partial.minutes, routes: 2 };
    expect(await deviceStats(device, owner, "/v1.1/devices/")).toEqual({ all: comma, week: comma });

    // Re-processing the drive fills its numbers in; the totals then sum both drives.
    await reprocess(device, b);
    expect(await expectStoredMatchesApi(device, owner, b)).toEqual(expectedWhole(b));
    const both = expectedTotals([sa, sb], [sa, sb]);
    expect(both).toMatchObject({
      routes_with_engagement: 2,
      events: { alerts: 4, user_flags: 3, engagements: 2, disengagements: 0 },
    });
    expect(await deviceStats(device, owner)).toEqual({ all: both, week: both });
    expect(await deviceStats(device, owner, "/v1.1/devices/")).toEqual({ all: comma, week: comma });

    // Drive b was first uploaded 8 days ago: still in `all`, not in `week`.
    await env.DB.prepare("UPDATE routes SET create_time = create_time - 8 * 86400 WHERE fullname = ?")
      .bind(b.fullname)
      .run();
    expect(await deviceStats(device, owner)).toEqual({ all: both, week: expectedTotals([sa], [sa]) });
    expect((await deviceStats(device, owner, "/v1.1/devices/")).week).toEqual({
      distance: round(sa.distance_miles, 3),
      minutes: Math.round(sa.duration_s / 60),
      routes: 1,
    });
  });
});

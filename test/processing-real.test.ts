/**
 * Exactness through the real upload → Queue → consumer path, against comma's own outputs for the real route in
 * ../shared/fixtures/real (read at run time through the REAL_FIXTURES binding of vitest.config.ts, never copied
 * into this repository). Skipped when ../shared is absent (the binding answers 404).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { derivedKey } from "../worker/services/drives/views";
import { r2Json, routeRow, segmentRows, simDevice, uploadAndSettle } from "./processing-helpers";

const ROUTE_DIR = "asius-0000002c--d68dde99ca";
const LOG_ID = "0000002c--d68dde99ca";

async function fixture(rel: string): Promise<Response | null> {
  const res = await env.REAL_FIXTURES.fetch(`http://fixtures/${ROUTE_DIR}/${rel}`);
  return res.ok ? res : null;
}

describe("real route through the consumer", () => {
  it("reproduces comma's coords.json, events.json and route fields", async (ctx) => {
    const routeJson = await fixture("route.redacted.json");
    if (!routeJson) return ctx.skip();
    const comma = (await routeJson.json()) as Record<string, unknown> & {
      segment_start_times: number[];
      segment_end_times: number[];
    };
    const qlogs: [string, Uint8Array][] = [];
    for (const n of [0, 1, 2])
      qlogs.push([`${LOG_ID}--${n}/qlog.zst`, new Uint8Array(await (await fixture(`${n}/qlog.zst`))!.arrayBuffer())]);

    const device = await simDevice();
    const rows = await uploadAndSettle(device, qlogs);
    expect(rows.map((r) => r.state)).toEqual(["done", "done", "done"]);

    for (const n of [0, 1, 2]) {
      const coords = await (await fixture(`${n}/coords.json`))!.json();
      const events = await (await fixture(`${n}/events.json`))!.json();
      expect(await r2Json(derivedKey(device.dongleId, LOG_ID, n, "coords.json")), `segment ${n} coords`).toEqual(
        coords,
      );
      expect(await r2Json(derivedKey(device.dongleId, LOG_ID, n, "events.json")), `segment ${n} events`).toEqual(
        events,
      );
    }

    const r = (await routeRow(device.dongleId, LOG_ID))!;
    const sec = (ms: unknown) => Math.round(Number(ms) / 1000);
    expect(sec(r.start_time_ms)).toBe(sec(comma.start_time_utc_millis));
    expect(sec(r.end_time_ms)).toBe(sec(comma.end_time_utc_millis));
    for (const f of ["start_lat", "start_lng", "end_lat", "end_lng"])
      expect(r[f], f).toBeCloseTo(comma[f] as number, 4);
    expect(Math.abs((r.distance_miles as number) - (comma.distance as number))).toBeLessThanOrEqual(1e-3);
    expect({ maxqlog: r.maxqlog, procqlog: r.procqlog }).toEqual({ maxqlog: comma.maxqlog, procqlog: comma.procqlog });
    expect({
      version: r.version,
      git_branch: r.git_branch,
      git_commit: r.git_commit,
      git_commit_date: r.git_commit_date,
      git_dirty: r.git_dirty === null ? null : r.git_dirty === 1,
      git_remote: r.git_remote,
      platform: r.platform,
      make: r.make,
      vin: r.vin,
    }).toEqual({
      version: comma.version,
      git_branch: comma.git_branch,
      git_commit: comma.git_commit,
      git_commit_date: comma.git_commit_date,
      git_dirty: comma.git_dirty,
      git_remote: comma.git_remote,
      platform: comma.platform,
      make: comma.make,
      vin: comma.vin,
    });
    const segs = await segmentRows(device.dongleId, LOG_ID);
    expect(segs.map((s) => s.number)).toEqual(comma.segment_numbers);
    expect(segs.map((s) => sec(s.start_time_ms))).toEqual(comma.segment_start_times.map(sec));
    expect(segs.map((s) => sec(s.end_time_ms))).toEqual(comma.segment_end_times.map(sec));
  });
});

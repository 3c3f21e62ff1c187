/**
 * The drive lists are prepared statements (services/drives/lists.ts); with 10 000 drives on a device their cost is
 * whether SQLite walks the (dongle_id, start_time_ms | create_time) index in list order. These plans are checked for
 * every shape a list can take: the page seeks an index of routes and never sorts (only the outer ≤ limit rows are).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../worker/db/client";
import { type DriveFilters, type DriveOrder, drivePageStatement } from "../worker/services/drives/lists";

interface PlanRow {
  id: number;
  parent: number;
  detail: string;
}

async function planOf(query: { sql: string; params: unknown[] }): Promise<PlanRow[]> {
  const res = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
    .bind(...query.params.map(() => 1))
    .all<PlanRow>();
  return res.results;
}

const shapes: [string, "device" | "mine", DriveOrder, DriveFilters, RegExp][] = [
  [
    "routes_segments newest",
    "device",
    "start",
    { startFrom: 0, startTo: 1 },
    /routes_dongle_start_idx \(dongle_id=\? AND start_time_ms>\? AND start_time_ms<\?\)/,
  ],
  ["routes_segments route_str", "device", "start", { fullname: "x" }, /routes_fullname_unique \(fullname=\?\)/],
  ["/v1/devices/:d/routes", "device", "created", {}, /routes_dongle_create_idx \(dongle_id=\?\)/],
  [
    "/v1/devices/:d/routes created_before",
    "device",
    "created",
    { createdBefore: 1 },
    /routes_dongle_create_idx \(dongle_id=\? AND create_time<\?\)/,
  ],
  ["/api/v1/routes?dongle_id", "device", "start", {}, /routes_dongle_start_idx \(dongle_id=\?\)/],
  [
    "/api/v1/routes?dongle_id with cursor",
    "device",
    "start",
    { after: { start: 1, id: 2 } },
    /routes_dongle_start_idx \(dongle_id=\? AND start_time_ms<\?\)/,
  ],
  ["/api/v1/routes (only device)", "mine", "start", {}, /routes_dongle_start_idx \(dongle_id=\?\)/],
  [
    "/api/v1/routes (only device) with cursor and window",
    "mine",
    "start",
    { after: { start: 1, id: 2 }, startFrom: 0 },
    /routes_dongle_start_idx \(dongle_id=\? AND start_time_ms>\? AND start_time_ms<\?\)/,
  ],
];

describe("drive list statements", () => {
  for (const [label, scope, order, filters, search] of shapes) {
    it(`${label}: seeks the index in list order`, async () => {
      const statement =
        scope === "device"
          ? drivePageStatement(database(env), "device", order, filters)
          : drivePageStatement(database(env), "mine", order, filters);
      const plan = await planOf(statement.getQuery());
      const page = plan.find((r) => r.detail === "MATERIALIZE page");
      expect(page, plan.map((r) => r.detail).join("\n")).toBeDefined();
      const pageSteps = plan.filter((r) => r.parent === page!.id).map((r) => r.detail);
      expect(pageSteps.find((d) => d.startsWith("SEARCH routes"))).toMatch(search);
      expect(pageSteps).not.toContain("USE TEMP B-TREE FOR ORDER BY");
      expect(plan.map((r) => r.detail).filter((d) => /^SCAN routes\b/.test(d))).toEqual([]);
    });
  }

  it("reuses one prepared statement per shape", () => {
    const db = database(env);
    expect(drivePageStatement(db, "device", "start", { startFrom: 1 })).toBe(
      drivePageStatement(db, "device", "start", { startFrom: 2 }),
    );
    expect(drivePageStatement(db, "device", "start", { startFrom: 1 })).not.toBe(
      drivePageStatement(db, "device", "start", { startTo: 1 }),
    );
    expect(drivePageStatement(db, "device", "start", {})).not.toBe(
      drivePageStatement(db, "device", "start", { after: { start: 1, id: 1 } }),
    );
    expect(drivePageStatement(db, "device", "start", {})).not.toBe(drivePageStatement(db, "device", "created", {}));
  });
});

/** POST /api/v1/admin/routes/{fullname}/reprocess: rebuilds a route's derived files and rows from what is in R2. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { derivedKey } from "../worker/services/drives/views";
import { newRouteName } from "./device-sim/route";
import { qcameraTs } from "./fixtures/log-fixtures.generated";
import { createUser, workerFetch } from "./helpers";
import {
  corruptZstd,
  qlogZst,
  r2Json,
  routeFields,
  routeRow,
  segmentRows,
  simDevice,
  uploadAndSettle,
  waitSettled,
} from "./processing-helpers";

async function admin() {
  const user = await createUser();
  await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(user.id).run();
  return user;
}

const reprocess = (fullname: string, headers: Record<string, string>) =>
  workerFetch(`/api/v1/admin/routes/${encodeURIComponent(fullname)}/reprocess`, { method: "POST", headers });

describe("admin re-process", () => {
  it("rebuilds derived files, segment states and route fields after D1 and the derived files were lost", async () => {
    const device = await simDevice();
    const route = newRouteName();
    const fullname = `${device.dongleId}|${route}`;
    await uploadAndSettle(device, [
      [`${route}--0/qlog.zst`, qlogZst(0)],
      [`${route}--0/qcamera.ts`, qcameraTs],
      [`${route}--1/qlog.zst`, qlogZst(1)],
      [`${route}--2/qlog.zst`, corruptZstd()],
    ]);
    const before = {
      route: routeFields(await routeRow(device.dongleId, route)),
      segments: await segmentRows(device.dongleId, route),
    };
    const coords1 = await r2Json(derivedKey(device.dongleId, route, 1, "coords.json"));
    expect(before.route).toMatchObject({ procqlog: 1, maxqlog: 2, maxqcamera: 0 });

    // Lose everything processing and booking wrote: derived objects and every D1 row of the route.
    await env.MEDIA.delete(
      [0, 1].flatMap((n) =>
        (["coords.json", "events.json", "sprite.jpg"] as const).map((f) => derivedKey(device.dongleId, route, n, f)),
      ),
    );
    await env.DB.batch([
      env.DB.prepare("DELETE FROM segment_qlogs WHERE dongle_id = ?").bind(device.dongleId),
      env.DB.prepare("DELETE FROM uploaded_files WHERE dongle_id = ?").bind(device.dongleId),
      env.DB.prepare("DELETE FROM segments WHERE dongle_id = ?").bind(device.dongleId),
      env.DB.prepare("DELETE FROM routes WHERE dongle_id = ?").bind(device.dongleId),
    ]);

    const res = await reprocess(fullname, (await admin()).auth);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ fullname, enqueued: 4, missing: [] });
    const keys = ["0/qlog.zst", "0/qcamera.ts", "1/qlog.zst", "2/qlog.zst"].map(
      (k) => `${device.dongleId}/${route}/${k}`,
    );
    const rows = await waitSettled(keys);
    expect(rows.map((r) => r.state)).toEqual(["done", "done", "done", "failed"]);
    expect(routeFields(await routeRow(device.dongleId, route))).toEqual(before.route);
    expect(await segmentRows(device.dongleId, route)).toEqual(before.segments);
    expect(await r2Json(derivedKey(device.dongleId, route, 1, "coords.json"))).toEqual(coords1);
  });

  it("re-queues booked files whose object is gone, which then fail as missing", async () => {
    const device = await simDevice();
    const route = newRouteName();
    await uploadAndSettle(device, [
      [`${route}--0/qlog.zst`, qlogZst(0)],
      [`${route}--1/qlog.zst`, qlogZst(1)],
    ]);
    const gone = `${device.dongleId}/${route}/1/qlog.zst`;
    await env.MEDIA.delete(gone);
    const res = await reprocess(`${device.dongleId}|${route}`, (await admin()).auth);
    expect(await res.json()).toEqual({ fullname: `${device.dongleId}|${route}`, enqueued: 2, missing: [gone] });
    const [, missing] = await waitSettled([`${device.dongleId}/${route}/0/qlog.zst`, gone]);
    expect(missing).toMatchObject({ state: "failed", fail_reason: `object ${gone} is not in storage` });
    // What segment 1 had derived is gone with it; the route now covers segment 0 only.
    expect(await env.MEDIA.head(derivedKey(device.dongleId, route, 1, "coords.json"))).toBeNull();
    expect(await routeRow(device.dongleId, route)).toMatchObject({ procqlog: 0, maxqlog: 1 });
  });

  it("is for admins only and checks the route name", async () => {
    const device = await simDevice();
    const route = newRouteName();
    await uploadAndSettle(device, [[`${route}--0/qcamera.ts`, qcameraTs]]);
    const user = await createUser();
    expect((await reprocess(`${device.dongleId}|${route}`, user.auth)).status).toBe(403);
    expect((await reprocess(`${device.dongleId}|${route}`, {})).status).toBe(401);
    const a = (await admin()).auth;
    const bad = await reprocess("not-a-route", a);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_route" });
    expect((await reprocess(`${device.dongleId}|${newRouteName()}`, a)).status).toBe(404);
    expect((await reprocess(`0000000000000000|${route}`, a)).status).toBe(404);
    await env.DB.prepare("UPDATE routes SET deleted_at = unixepoch() WHERE fullname = ?")
      .bind(`${device.dongleId}|${route}`)
      .run();
    expect(await (await reprocess(`${device.dongleId}|${route}`, a)).json()).toMatchObject({ error: "route_deleted" });
  });
});

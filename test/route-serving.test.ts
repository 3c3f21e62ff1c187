import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newRouteName } from "./device-sim/route";
import { createUser, json, registeredDevice, waitUploadsProcessed, workerFetch, type TestUser } from "./helpers";

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);

/** A paired device with a 3-segment route (segment 1 has no video) and derived files as processing would leave them. */
async function driveFixture() {
  const device = await registeredDevice();
  const owner = await createUser();
  await workerFetch("/v2/pilotpair/", {
    method: "POST",
    headers: owner.auth,
    body: new URLSearchParams({ pair_token: await device.pairToken() }),
  });
  const log = newRouteName(3);
  for (const seg of [0, 1, 2])
    expect((await device.uploadFile(`${log}--${seg}/qlog.zst`, bytes(100))).outcome).toBe("uploaded");
  for (const seg of [0, 2]) await device.uploadFile(`${log}--${seg}/qcamera.ts`, bytes(1000));
  await device.uploadFile(`${log}--0/rlog.zst`, bytes(10));
  await waitUploadsProcessed(device.dongleId!);
  const fullname = `${device.dongleId}|${log}`;
  await env.DB.prepare(`UPDATE routes SET start_time_ms = 1763047292000, end_time_ms = 1763047471000, distance_miles = 0.677005,
    start_lat = 58.34795979, start_lng = 26.74420953, platform = 'TESLA_MODEL_3', version = '0.10.2' WHERE fullname = ?`)
    .bind(fullname)
    .run();
  await env.DB.prepare("UPDATE segments SET qcamera_duration = 59.95 WHERE dongle_id = ? AND number = 0")
    .bind(device.dongleId)
    .run();
  await env.MEDIA.put(
    `${device.dongleId}/${log}/0/coords.json`,
    JSON.stringify([{ t: 3, lat: 58.3, lng: 26.7, speed: 0.1, dist: 0 }]),
  );
  return { device, owner, log, fullname };
}

const get = (path: string, user?: TestUser) => workerFetch(path, { headers: user ? user.auth : {} });

describe("comma route endpoints", () => {
  it("serves the route object with comma's field shapes", async () => {
    const { owner, fullname, device, log } = await driveFixture();
    for (const name of [fullname, encodeURIComponent(fullname)]) {
      const res = await get(`/v1/route/${name}/`, owner);
      expect(res.status).toBe(200);
      const route = (await res.json()) as Record<string, unknown>;
      expect(route).toMatchObject({
        fullname,
        dongle_id: device.dongleId,
        maxqlog: 2,
        maxqcamera: 2,
        maxlog: 0,
        distance: 0.677005,
        start_time: "2025-11-13T15:21:32",
        end_time: "2025-11-13T15:24:31",
        start_lat: 58.348,
        start_lng: 26.7442,
        platform: "TESLA_MODEL_3",
        version: "0.10.2",
        is_public: false,
        is_preserved: false,
      });
      expect(String(route.url)).not.toContain("?");
      expect(String(route.url)).toContain(`/v1/route/${encodeURIComponent(`${device.dongleId}|${log}`)}/derived/`);
    }
  });

  it("serves derived files under route.url without any auth, and 404s a forged prefix", async () => {
    const { owner, fullname } = await driveFixture();
    const { url } = (await (await get(`/v1/route/${fullname}`, owner)).json()) as { url: string };
    const coords = await workerFetch(`${url}/0/coords.json`);
    expect(coords.status).toBe(200);
    expect(coords.headers.get("Content-Type")).toBe("application/json");
    expect(await coords.json()).toEqual([{ t: 3, lat: 58.3, lng: 26.7, speed: 0.1, dist: 0 }]);
    expect((await workerFetch(`${url}/1/coords.json`)).status).toBe(404);
    expect((await workerFetch(`${url.replace(/derived\/[^/]+$/, "derived/forged")}/0/coords.json`)).status).toBe(404);
    expect((await workerFetch(`${url}/0/secrets.txt`)).status).toBe(404);
  });

  it("plays video with the share signature alone: m3u8 with real durations, a gap, signed Range-capable segments", async () => {
    const { owner, fullname, device, log } = await driveFixture();
    const sig = (await (await get(`/v1/route/${fullname}/share_signature`, owner)).json()) as {
      exp: string;
      sig: string;
    };
    expect(Number(sig.exp)).toBeGreaterThan(Date.now() / 1000 + 300 * 86400);
    // Rounded up to the hour, so route lists can hand out the same (remembered) signature for an hour.
    expect(Number(sig.exp) % 3600).toBe(0);
    expect(await (await get(`/v1/route/${fullname}/share_signature`, owner)).json()).toEqual(sig);
    const playlist = await workerFetch(
      `/v1/route/${encodeURIComponent(fullname)}/qcamera.m3u8?${new URLSearchParams(sig)}`,
    );
    expect(playlist.status).toBe(200);
    expect(playlist.headers.get("Content-Type")).toBe("application/vnd.apple.mpegurl");
    const text = await playlist.text();
    expect(text).toMatch(/^#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:60\n/);
    expect(text).toContain("#EXTINF:59.950,0");
    expect(text).toContain("#EXT-X-DISCONTINUITY\n#EXTINF:60.000,2");
    expect(text.trim().endsWith("#EXT-X-ENDLIST")).toBe(true);
    const segmentUrl = text.split("\n").find((l) => l.includes("/0/qcamera.ts"))!;
    expect(new URL(segmentUrl).pathname.endsWith(`/${device.dongleId}/${log}/0/qcamera.ts`)).toBe(true);
    const whole = await workerFetch(segmentUrl);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("Content-Type")).toBe("video/mp2t");
    expect((await whole.arrayBuffer()).byteLength).toBe(1000);
    const part = await workerFetch(segmentUrl, { headers: { Range: "bytes=10-19" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("Content-Range")).toBe("bytes 10-19/1000");
    expect([...new Uint8Array(await part.arrayBuffer())]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    // Without a signature or with a tampered one: no video.
    expect((await workerFetch(`/v1/route/${encodeURIComponent(fullname)}/qcamera.m3u8`)).status).toBe(401);
    expect(
      (
        await workerFetch(
          `/v1/route/${encodeURIComponent(fullname)}/qcamera.m3u8?exp=${sig.exp}&sig=x${sig.sig.slice(1)}`,
        )
      ).status,
    ).toBe(401);
    expect((await workerFetch(segmentUrl.replace("/0/qcamera.ts", "/2/qcamera.ts"))).status).toBe(400);
  });

  it("lists files with URLs whose last four path parts are dongle/log/segment/file", async () => {
    const { owner, fullname, device, log } = await driveFixture();
    const files = (await (await get(`/v1/route/${fullname}/files`, owner)).json()) as Record<string, string[]>;
    expect(Object.keys(files).sort()).toEqual(["cameras", "dcameras", "ecameras", "logs", "qcameras", "qlogs"]);
    expect(files.qlogs).toHaveLength(3);
    expect(files.qcameras).toHaveLength(2);
    expect(files.logs).toHaveLength(1);
    for (const [i, url] of files.qlogs.entries())
      expect(new URL(url).pathname.split("/").slice(-4)).toEqual([device.dongleId, log, String(i), "qlog.zst"]);
    const dl = await workerFetch(files.logs[0]);
    expect(dl.status).toBe(200);
    expect((await dl.arrayBuffer()).byteLength).toBe(10);
  });

  it("preserve, public toggle, and who may see what", async () => {
    const { owner, fullname, device } = await driveFixture();
    const stranger = await createUser();
    expect((await get(`/v1/route/${fullname}`, stranger)).status).toBe(404);
    expect((await get(`/v1/route/${fullname}`)).status).toBe(401);
    expect(
      (await workerFetch(`/v1/route/${fullname}/preserve`, { method: "POST", headers: stranger.auth })).status,
    ).toBe(404);
    expect(
      await (await workerFetch(`/v1/route/${fullname}/preserve`, { method: "POST", headers: owner.auth })).json(),
    ).toEqual({ success: 1 });
    const preserved = (await (await get(`/v1/devices/${device.dongleId}/routes/preserved`, owner)).json()) as {
      fullname: string;
    }[];
    expect(preserved.map((r) => r.fullname)).toEqual([fullname]);
    await workerFetch(`/v1/route/${fullname}/preserve`, { method: "DELETE", headers: owner.auth });
    expect(await (await get(`/v1/devices/${device.dongleId}/routes/preserved`, owner)).json()).toEqual([]);

    const patched = await workerFetch(
      `/v1/route/${fullname}/`,
      json({ is_public: true }, { method: "PATCH", headers: owner.auth }),
    );
    expect(((await patched.json()) as { is_public: boolean }).is_public).toBe(true);
    expect((await get(`/v1/route/${fullname}`)).status).toBe(200);
    expect((await get(`/v1/route/${fullname}`, stranger)).status).toBe(200);
    expect(
      (
        await workerFetch(
          `/v1/route/${fullname}/`,
          json({ is_public: false }, { method: "PATCH", headers: stranger.auth }),
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await workerFetch(
          `/v1/route/${fullname}/`,
          json({ is_public: "yes" }, { method: "PATCH", headers: owner.auth }),
        )
      ).status,
    ).toBe(400);
    expect((await get(`/v1/route/not-a-route`, owner)).status).toBe(400);
  });

  it("lists routes newest first with created_before paging, and routes_segments with segment times", async () => {
    const { owner, device, fullname } = await driveFixture();
    const routes = (await (await get(`/v1/devices/${device.dongleId}/routes?limit=10`, owner)).json()) as {
      fullname: string;
      create_time: number;
    }[];
    expect(routes.map((r) => r.fullname)).toEqual([fullname]);
    const older = await get(
      `/v1/devices/${device.dongleId}/routes?limit=10&created_before=${routes[0].create_time}`,
      owner,
    );
    expect(await older.json()).toEqual([]);
    const rs = (await (
      await get(`/v1/devices/${device.dongleId}/routes_segments?start=0&end=${Date.now()}&limit=5`, owner)
    ).json()) as Record<string, unknown>[];
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({
      segment_numbers: [0, 1, 2],
      segment_start_times: [1763047292000, 1763047352000, 1763047412000],
      segment_end_times: [1763047352000, 1763047412000, 1763047471000],
      start_time_utc_millis: 1763047292000,
      end_time_utc_millis: 1763047471000,
    });
    expect(typeof rs[0].share_sig).toBe("string");
    const one = (await (
      await get(`/v1/devices/${device.dongleId}/routes_segments?route_str=${encodeURIComponent(fullname)}`, owner)
    ).json()) as unknown[];
    expect(one).toHaveLength(1);
    // A time that is not a number is the caller's mistake, said as such (it used to bind as NULL: an empty list).
    for (const query of [
      "routes_segments?start=yesterday",
      "routes_segments?start=0&end=now",
      "routes?created_before=abc",
      "routes?created_after=1e999",
    ]) {
      const bad = await get(`/v1/devices/${device.dongleId}/${query}`, owner);
      expect(bad.status, query).toBe(400);
      expect(await bad.json()).toMatchObject({ error: "invalid_request" });
    }
    // Absent and empty values are no filter.
    expect(await (await get(`/v1/devices/${device.dongleId}/routes_segments?start=&end=`, owner)).json()).toHaveLength(
      1,
    );
  });

  it("pages of several routes carry exactly their own segments (routes_segments and /api/v1/routes)", async () => {
    const { owner, device, log } = await driveFixture();
    const other = newRouteName(4);
    const oldest = newRouteName(5);
    for (const seg of [0, 3]) await device.uploadFile(`${other}--${seg}/qlog.zst`, bytes(100));
    await device.uploadFile(`${oldest}--7/qlog.zst`, bytes(100));
    const d = device.dongleId;
    await waitUploadsProcessed(d!);
    await env.DB.prepare("UPDATE routes SET start_time_ms = ? WHERE fullname = ?")
      .bind(1763047292000 + 3_600_000, `${d}|${other}`)
      .run();
    await env.DB.prepare("UPDATE routes SET start_time_ms = ? WHERE fullname = ?")
      .bind(1763047292000 - 3_600_000, `${d}|${oldest}`)
      .run();
    const rs = (await (
      await get(`/v1/devices/${d}/routes_segments?start=0&end=${Date.now()}&limit=2`, owner)
    ).json()) as { fullname: string; segment_numbers: number[] }[];
    expect(rs.map((r) => [r.fullname, r.segment_numbers])).toEqual([
      [`${d}|${other}`, [0, 3]],
      [`${d}|${log}`, [0, 1, 2]],
    ]);
    const page = (await (await get(`/api/v1/routes?limit=2`, owner)).json()) as {
      routes: { fullname: string; segment_numbers: number[] }[];
      next_cursor: string;
    };
    expect(page.routes.map((r) => [r.fullname, r.segment_numbers])).toEqual([
      [`${d}|${other}`, [0, 3]],
      [`${d}|${log}`, [0, 1, 2]],
    ]);
    const rest = (await (await get(`/api/v1/routes?limit=2&cursor=${page.next_cursor}`, owner)).json()) as {
      routes: { fullname: string; segment_numbers: number[] }[];
      next_cursor: string | null;
    };
    expect(rest.routes.map((r) => [r.fullname, r.segment_numbers])).toEqual([[`${d}|${oldest}`, [7]]]);
    expect(rest.next_cursor).toBeNull();
    // Another user's device never leaks into my list.
    const stranger = await createUser();
    expect(((await (await get(`/api/v1/routes?limit=10`, stranger)).json()) as { routes: unknown[] }).routes).toEqual(
      [],
    );
    expect((await get(`/api/v1/routes?limit=10&dongle_id=${d}`, stranger)).status).toBe(404);
  });

  it("a deleted route disappears everywhere", async () => {
    const { owner, fullname, device } = await driveFixture();
    const { url } = (await (await get(`/v1/route/${fullname}`, owner)).json()) as { url: string };
    await env.DB.prepare("UPDATE routes SET deleted_at = unixepoch() WHERE fullname = ?").bind(fullname).run();
    expect((await get(`/v1/route/${fullname}`, owner)).status).toBe(404);
    expect((await workerFetch(`${url}/0/coords.json`)).status).toBe(404);
    expect(await (await get(`/v1/devices/${device.dongleId}/routes`, owner)).json()).toEqual([]);
  });
});

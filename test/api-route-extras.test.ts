/**
 * /api/v1/routes/{fullname}/{events,video,files,thumbnail,stats}: bodies built from a drive whose derived files are
 * placed in R2 as processing would leave them, and read access exactly as GET /api/v1/routes/{fullname} (owner,
 * share link; strangers 404, anonymous 401). The full caller matrix is in permissions-matrix.test.ts.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newRouteName } from "./device-sim/route";
import { createUser, registeredDevice, workerFetch, type TestUser } from "./helpers";
import { keyOf, waitSettled, type SimDevice } from "./processing-helpers";

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);
const jpeg = (tag: number) => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, tag, tag, 0xff, 0xd9]);
const enc = encodeURIComponent;
const START = 1763047292000;

const state = (at: number, enabled: boolean, alertStatus = 0) => ({
  type: "state",
  time: 1e9 + at * 1e6,
  offset_millis: at % 60_000,
  route_offset_millis: at,
  data: { state: enabled ? "enabled" : "disabled", enabled, alertStatus },
});
/** Segment 0: engaged 10–50 s with one alert and a bookmark. Segment 2: engaged from 130 s to the end (179 s). */
const EVENTS_0 = [
  {
    type: "event",
    time: 1e9,
    offset_millis: 0,
    route_offset_millis: 0,
    data: { event_type: "record_front_toggle", value: false },
  },
  state(0, false),
  state(10_000, true),
  state(30_000, true, 1),
  state(32_000, true),
  { type: "user_flag", time: 1e9 + 40_000 * 1e6, offset_millis: 40_000, route_offset_millis: 40_000, data: {} },
  state(50_000, false),
];
const EVENTS_2 = [state(120_000, false), state(130_000, true)];

/**
 * A paired 3-segment drive: qlogs 0–2, qcamera 0 and 2, rlog 0. After the queue has settled the (garbage) uploads,
 * so nothing the consumer does can race the fixture: events.json in segments 0 and 2, sprite.jpg in 1 and 2
 * (segment 1's events and segment 0's sprite are "not processed").
 */
async function driveFixture() {
  const device = (await registeredDevice()) as SimDevice;
  const owner = await createUser();
  await workerFetch("/v2/pilotpair/", {
    method: "POST",
    headers: owner.auth,
    body: new URLSearchParams({ pair_token: await device.pairToken() }),
  });
  const log = newRouteName(3);
  const paths = [0, 1, 2]
    .map((s) => `${log}--${s}/qlog.zst`)
    .concat(`${log}--0/qcamera.ts`, `${log}--2/qcamera.ts`, `${log}--0/rlog.zst`);
  for (const path of paths)
    expect((await device.uploadFile(path, bytes(path.endsWith("qcamera.ts") ? 1000 : 100))).outcome).toBe("uploaded");
  await waitSettled(paths.map((p) => keyOf(device, p)));
  const fullname = `${device.dongleId}|${log}`;
  const d = device.dongleId;
  await env.DB.batch([
    env.DB.prepare(
      "UPDATE routes SET start_time_ms = ?, end_time_ms = ?, distance_miles = 0.677005 WHERE fullname = ?",
    ).bind(START, START + 179_000, fullname),
    env.DB.prepare(
      "UPDATE segments SET qcamera_duration = 59.95 WHERE dongle_id = ? AND log_id = ? AND number = 0",
    ).bind(d, log),
  ]);
  await Promise.all([
    env.MEDIA.put(`${d}/${log}/0/events.json`, JSON.stringify(EVENTS_0)),
    env.MEDIA.put(`${d}/${log}/2/events.json`, JSON.stringify(EVENTS_2)),
    env.MEDIA.put(`${d}/${log}/1/sprite.jpg`, jpeg(1)),
    env.MEDIA.put(`${d}/${log}/2/sprite.jpg`, jpeg(2)),
  ]);
  return { device, owner, log, fullname, path: (what: string) => `/api/v1/routes/${enc(fullname)}/${what}` };
}

const get = (path: string, user?: TestUser, headers: Record<string, string> = {}) =>
  workerFetch(path, { headers: { ...headers, ...user?.auth } });

describe("/api/v1 route events, video, files, thumbnail, stats", () => {
  it("events: every processed segment's events.json in segment order, unprocessed ones skipped", async () => {
    const { owner, path } = await driveFixture();
    const res = await get(path("events"), owner);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([...EVENTS_0, ...EVENTS_2]);
  });

  it("video: the share-signed playlist URL (playable without auth) and its segments with their durations", async () => {
    const { owner, fullname, path, device, log } = await driveFixture();
    const video = (await (await get(path("video"), owner)).json()) as { url: string; segments: unknown[] };
    expect(video.segments).toEqual([
      { number: 0, duration: 59.95 },
      { number: 2, duration: 60 },
    ]);
    const url = new URL(video.url);
    expect(url.pathname).toBe(`/v1/route/${enc(fullname)}/qcamera.m3u8`);
    expect(url.searchParams.get("exp")).toMatch(/^\d+$/);
    const playlist = await workerFetch(video.url);
    expect(playlist.status).toBe(200);
    const text = await playlist.text();
    expect(text).toContain("#EXTINF:59.950,0");
    expect(text).toContain("#EXT-X-DISCONTINUITY\n#EXTINF:60.000,2");
    expect(text).toContain(`/${device.dongleId}/${log}/2/qcamera.ts?`);
  });

  it("files: comma's file lists, the same as /v1/route/:r/files, with working URLs", async () => {
    const { owner, fullname, path, device, log } = await driveFixture();
    const ours = (await (await get(path("files"), owner)).json()) as Record<string, string[]>;
    const commas = (await (await get(`/v1/route/${enc(fullname)}/files`, owner)).json()) as Record<string, string[]>;
    const paths = (lists: Record<string, string[]>) =>
      Object.fromEntries(Object.entries(lists).map(([k, urls]) => [k, urls.map((u) => new URL(u).pathname)]));
    expect(Object.keys(ours).sort()).toEqual(["cameras", "dcameras", "ecameras", "logs", "qcameras", "qlogs"]);
    expect(paths(ours)).toEqual(paths(commas));
    expect(paths(ours).qlogs).toEqual([0, 1, 2].map((s) => `/media/v1/${device.dongleId}/${log}/${s}/qlog.zst`));
    expect(ours.qcameras).toHaveLength(2);
    const rlog = await workerFetch(ours.logs[0]);
    expect(rlog.status).toBe(200);
    expect((await rlog.arrayBuffer()).byteLength).toBe(100);
  });

  it("thumbnail: the first segment that has a sprite.jpg, with ETag and If-None-Match; 404 not_processed when none", async () => {
    const { owner, path, device } = await driveFixture();
    const res = await get(path("thumbnail"), owner);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("image/jpeg");
    expect(res.headers.get("Cache-Control")).toBe("private, max-age=3600");
    const etag = res.headers.get("ETag")!;
    expect(etag).toBeTruthy();
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([...jpeg(1)]);
    const again = await get(path("thumbnail"), owner, { "If-None-Match": etag });
    expect(again.status).toBe(304);

    const bare = newRouteName(4);
    await device.uploadFile(`${bare}--0/qlog.zst`, bytes(100));
    await waitSettled([keyOf(device, `${bare}--0/qlog.zst`)]);
    const none = await get(`/api/v1/routes/${enc(`${device.dongleId}|${bare}`)}/thumbnail`, owner);
    expect(none.status).toBe(404);
    expect(await none.json()).toMatchObject({ error: "not_processed" });
  });

  it("stats: distance, duration, speed, engaged time to the drive's end, event counts", async () => {
    const { owner, path } = await driveFixture();
    const res = await get(path("stats"), owner);
    expect(res.status).toBe(200);
    // Engaged 10→50 s and 130→179 s (the end): 89 of 179 s.
    expect(await res.json()).toEqual({
      distance_miles: 0.677005,
      duration_s: 179,
      average_speed_mph: 13.616,
      engaged_s: 89,
      engaged_share: 0.4972,
      events: { alerts: 1, user_flags: 1, engagements: 2, disengagements: 1 },
    });
  });

  it("read access like GET /api/v1/routes/{fullname}: owner and share link yes, stranger 404, anonymous 401, forged link 401", async () => {
    const { owner, path } = await driveFixture();
    const stranger = await createUser();
    const link = (await (await workerFetch(path("share"), { method: "POST", headers: owner.auth })).json()) as {
      exp: string;
      sig: string;
    };
    const failures: string[] = [];
    for (const what of ["events", "video", "files", "thumbnail", "stats"]) {
      const cases: [string, string, TestUser | undefined, number][] = [
        ["owner", path(what), owner, 200],
        ["stranger", path(what), stranger, 404],
        ["anonymous", path(what), undefined, 401],
        ["share link", `${path(what)}?${new URLSearchParams(link)}`, undefined, 200],
        [
          "forged link",
          `${path(what)}?${new URLSearchParams({ exp: link.exp, sig: `x${link.sig.slice(1)}` })}`,
          undefined,
          401,
        ],
      ];
      for (const [who, url, user, want] of cases) {
        const res = await get(url, user);
        if (res.status !== want) failures.push(`${what} ${who}: ${res.status}, want ${want}`);
        if (res.status >= 400) expect(Object.keys((await res.json()) as object).sort()).toEqual(["error", "message"]);
        else await res.body?.cancel();
      }
    }
    expect(failures).toEqual([]);
  });

  it("a deleted drive answers 404 on every one of them", async () => {
    const { owner, fullname, path } = await driveFixture();
    await env.DB.prepare("UPDATE routes SET deleted_at = unixepoch() WHERE fullname = ?").bind(fullname).run();
    for (const what of ["events", "video", "files", "thumbnail", "stats"])
      expect((await get(path(what), owner)).status).toBe(404);
  });

  it("documents all five in /api/v1/openapi.json with {error, message} errors", async () => {
    const doc = (await (await workerFetch("/api/v1/openapi.json")).json()) as {
      paths: Record<
        string,
        { get: { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> } }
      >;
    };
    for (const what of ["events", "video", "files", "thumbnail", "stats"]) {
      const op = doc.paths[`/api/v1/routes/{fullname}/${what}`]?.get;
      expect(op, what).toBeDefined();
      for (const status of ["401", "404"])
        expect(op.responses[status].content?.["application/json"].schema.$ref).toBe("#/components/schemas/Error");
    }
    expect(Object.keys(doc.paths["/api/v1/routes/{fullname}/thumbnail"].get.responses["200"].content!)).toEqual([
      "image/jpeg",
    ]);
  });
});

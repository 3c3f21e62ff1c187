/**
 * Contract: the JSON shapes comma's apps depend on (docs/connect-api.md §4, new-connect's types.d.ts), written
 * as zod schemas and checked against our real responses. Extra fields are allowed; missing or mistyped ones fail.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { newRouteName } from "./device-sim/route";
import { createUser, json, registeredDevice, workerFetch } from "./helpers";

const Profile = z.object({
  email: z.string(),
  id: z.string(),
  regdate: z.number(),
  superuser: z.boolean(),
  user_id: z.string(),
});
const ApiDevice = z.object({
  dongle_id: z.string().regex(/^[0-9a-f]{16}$/),
  alias: z.string().nullable(),
  serial: z.string(),
  last_athena_ping: z.number(),
  ignore_uploads: z.boolean().nullable(),
  is_paired: z.boolean(),
  is_owner: z.boolean(),
  public_key: z.string(),
  prime: z.boolean(),
  prime_type: z.number().int().min(0).max(5),
  trial_claimed: z.boolean(),
  device_type: z.string(),
  openpilot_version: z.string(),
  sim_id: z.string(),
  sim_type: z.number(),
  eligible_features: z.object({ prime: z.boolean(), prime_data: z.boolean(), nav: z.boolean() }),
});
const Totals = z.object({ distance: z.number(), minutes: z.number(), routes: z.number() });
const DrivingStatistics = z.object({ all: Totals, week: Totals });
const DeviceLocation = z.object({
  dongle_id: z.string(),
  lat: z.number(),
  lng: z.number(),
  time: z.number(),
  accuracy: z.number(),
  speed: z.number(),
  bearing: z.number(),
});
const naiveIso = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
const Route = z.object({
  create_time: z.number(),
  dongle_id: z.string(),
  fullname: z.string().regex(/^[0-9a-f]{16}\|/),
  start_time: naiveIso.nullable(),
  end_time: naiveIso.nullable(),
  start_lat: z.number(),
  start_lng: z.number(),
  end_lat: z.number(),
  end_lng: z.number(),
  distance: z.number(),
  maxqlog: z.number().int(),
  procqlog: z.number().int(),
  url: z
    .string()
    .url()
    .refine((u) => !u.includes("?"), "route.url has no query string"),
  is_public: z.boolean(),
  user_id: z.string().nullable(),
  git_branch: z.string().nullable(),
  git_commit: z.string().nullable(),
  git_remote: z.string().nullable(),
  git_dirty: z.boolean().nullable(),
  platform: z.string().nullable(),
  version: z.string().nullable(),
  vin: z.string().nullable(),
  git_commit_date: z.string().nullable(),
  make: z.string().nullable(),
  id: z.number().nullable(),
  car_id: z.number().nullable(),
  version_id: z.number().nullable(),
  is_preserved: z.boolean(),
  start_time_utc_millis: z.number(),
  end_time_utc_millis: z.number(),
});
const RouteSegment = Route.extend({
  segment_numbers: z.array(z.number().int()),
  segment_start_times: z.array(z.number()),
  segment_end_times: z.array(z.number()),
  share_exp: z.string().regex(/^\d+$/),
  share_sig: z.string().min(10),
});
const Files = z.object({
  cameras: z.array(z.string()),
  dcameras: z.array(z.string()),
  ecameras: z.array(z.string()),
  logs: z.array(z.string()),
  qcameras: z.array(z.string()),
  qlogs: z.array(z.string()),
});
const UploadUrl = z.object({ url: z.string().url(), headers: z.record(z.string(), z.string()) });
const ShareSignature = z.object({ exp: z.string().regex(/^\d+$/), sig: z.string() });
const Success = z.object({ success: z.literal(1) });

/**
 * Every key of comma's real routes_segments item (docs/connect-api.md §5, example-data route.json), in its order.
 * A route object (GET /v1/route/<r>/, the route lists) carries all of them but the segment lists and share signature.
 */
const COMMA_ROUTE_SEGMENT_KEYS = [
  "car_id",
  "create_time",
  "distance",
  "dongle_id",
  "end_lat",
  "end_lng",
  "end_time",
  "end_time_utc_millis",
  "fullname",
  "git_branch",
  "git_commit",
  "git_commit_date",
  "git_dirty",
  "git_remote",
  "id",
  "is_preserved",
  "is_public",
  "make",
  "maxqlog",
  "platform",
  "procqlog",
  "segment_end_times",
  "segment_numbers",
  "segment_start_times",
  "share_exp",
  "share_sig",
  "start_lat",
  "start_lng",
  "start_time",
  "start_time_utc_millis",
  "url",
  "user_id",
  "version",
  "version_id",
  "vin",
];
const ROUTE_ONLY_KEYS = COMMA_ROUTE_SEGMENT_KEYS.filter((k) => !/^segment_|^share_/.test(k));

describe("contract with comma's web apps", () => {
  it("GET /v1/route/<r>/ carries every field of comma's route object, git_remote as comma shows it", async () => {
    const user = await createUser();
    const device = await registeredDevice();
    await workerFetch("/v2/pilotpair/", {
      method: "POST",
      headers: user.auth,
      body: new URLSearchParams({ pair_token: await device.pairToken() }),
    });
    const log = newRouteName();
    await device.uploadFile(`${log}--0/qlog.zst`, new Uint8Array([1]));
    const r = encodeURIComponent(`${device.dongleId}|${log}`);
    const remotes: [string, string][] = [
      ["https://github.com/commaai/openpilot.git", "github.com/commaai/openpilot"],
      ["git@github.com:someone/openpilot.git", "github.com/someone/openpilot"],
      ["ssh://git@gitlab.com/team/op.git/", "gitlab.com/team/op"],
      ["github.com/asiusai/openpilot", "github.com/asiusai/openpilot"],
    ];
    for (const [stored, shown] of remotes) {
      await env.DB.prepare(
        "UPDATE routes SET start_time_ms = 1763047292000, end_time_ms = 1763047471000, git_remote = ? WHERE log_id = ?",
      )
        .bind(stored, log)
        .run();
      const res = await workerFetch(`/v1/route/${r}/`, { headers: user.auth });
      expect(res.status).toBe(200);
      const route = (await res.json()) as Record<string, unknown>;
      const missing = ROUTE_ONLY_KEYS.filter((k) => !(k in route));
      expect(missing).toEqual([]);
      Route.parse(route);
      expect(route).toMatchObject({
        start_time: "2025-11-13T15:21:32",
        end_time: "2025-11-13T15:24:31",
        start_time_utc_millis: 1763047292000,
        end_time_utc_millis: 1763047471000,
        git_remote: shown,
      });
    }
    const [segmented] = (await (
      await workerFetch(`/v1/devices/${device.dongleId}/routes_segments?route_str=${r}`, { headers: user.auth })
    ).json()) as Record<string, unknown>[];
    expect(COMMA_ROUTE_SEGMENT_KEYS.filter((k) => !(k in segmented))).toEqual([]);
  });

  it("every response parses with the app's types", async () => {
    const user = await createUser();
    const device = await registeredDevice();
    const pair = await workerFetch("/v2/pilotpair/", {
      method: "POST",
      headers: user.auth,
      body: new URLSearchParams({ pair_token: await device.pairToken() }),
    });
    expect(await pair.json()).toEqual({ dongle_id: device.dongleId, first_pair: true });
    const log = newRouteName();
    await device.uploadFile(`${log}--0/qlog.zst`, new Uint8Array([1]));
    await device.uploadFile(`${log}--0/qcamera.ts`, new Uint8Array([1]));
    await env.DB.prepare(
      "UPDATE routes SET start_time_ms = 1763047292000, end_time_ms = 1763047351000, end_lat = 1, end_lng = 2 WHERE log_id = ?",
    )
      .bind(log)
      .run();
    const d = device.dongleId!;
    const r = encodeURIComponent(`${d}|${log}`);
    const get = async (path: string) => {
      const res = await workerFetch(path, { headers: user.auth });
      expect(res.status, path).toBe(200);
      return res.json();
    };
    Profile.parse(await get("/v1/me/"));
    z.array(ApiDevice)
      .length(1)
      .parse(await get("/v1/me/devices/"));
    ApiDevice.parse(await get(`/v1.1/devices/${d}/`));
    DrivingStatistics.parse(await get(`/v1.1/devices/${d}/stats`));
    DeviceLocation.parse(await get(`/v1/devices/${d}/location`));
    z.array(Route)
      .length(1)
      .parse(await get(`/v1/devices/${d}/routes?limit=10`));
    z.array(Route).parse(await get(`/v1/devices/${d}/routes/preserved`));
    z.array(RouteSegment)
      .length(1)
      .parse(await get(`/v1/devices/${d}/routes_segments?start=0&end=${Date.now()}&limit=5`));
    Route.parse(await get(`/v1/route/${r}/`));
    Files.parse(await get(`/v1/route/${r}/files`));
    ShareSignature.parse(await get(`/v1/route/${r}/share_signature`));
    Success.parse(await (await workerFetch(`/v1/route/${r}/preserve`, { method: "POST", headers: user.auth })).json());
    z.array(UploadUrl)
      .length(2)
      .parse(
        await (
          await workerFetch(
            `/v1/${d}/upload_urls/`,
            json(
              { expiry_days: 7, paths: [`${log}--0/rlog.zst`, `${log}--0/fcamera.hevc`] },
              { method: "POST", headers: user.auth },
            ),
          )
        ).json(),
      );
    z.array(z.object({ email: z.string(), permission: z.string() })).parse(await get(`/v1/devices/${d}/users`));
    // The device's own view: is_paired boolean and prime_type an int in 0..5, never null.
    const own = await device.apiGet(`v1.1/devices/${d}`);
    ApiDevice.parse(await own.json());
  });
});

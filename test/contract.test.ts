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
});
const RouteSegment = Route.extend({
  is_preserved: z.boolean(),
  segment_numbers: z.array(z.number().int()),
  segment_start_times: z.array(z.number()),
  segment_end_times: z.array(z.number()),
  start_time_utc_millis: z.number(),
  end_time_utc_millis: z.number(),
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

describe("contract with comma's web apps", () => {
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

/**
 * Sharing one drive with a person: they can watch that drive (both API surfaces, video, files, derived data) and
 * nothing else of the device, and can change nothing. Only the owner and writers of the device manage the list.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { newRouteName } from "./device-sim/route";
import { createUser, json, registeredDevice, workerFetch, type TestUser } from "./helpers";

// The first account of this file's database becomes admin (access to every device): take it before the fixtures do.
beforeAll(async () => {
  expect((await createUser()).role).toBe("admin");
});

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);
const enc = encodeURIComponent;

/** A paired device with two drives (the first has video and derived coords), and a reader and a writer of it. */
async function fixture() {
  const device = await registeredDevice();
  const [owner, reader, writer, friend] = await Promise.all([createUser(), createUser(), createUser(), createUser()]);
  await workerFetch("/v2/pilotpair/", {
    method: "POST",
    headers: owner.auth,
    body: new URLSearchParams({ pair_token: await device.pairToken() }),
  });
  const dongle = device.dongleId!;
  await env.DB.prepare(
    "INSERT INTO device_users (dongle_id, user_id, permission) VALUES (?, ?, 'read'), (?, ?, 'write')",
  )
    .bind(dongle, reader.id, dongle, writer.id)
    .run();
  const log = newRouteName(1);
  const other = newRouteName(2);
  expect((await device.uploadFile(`${log}--0/qlog.zst`, bytes(100))).outcome).toBe("uploaded");
  await device.uploadFile(`${log}--0/qcamera.ts`, bytes(1000));
  await device.uploadFile(`${other}--0/qlog.zst`, bytes(100));
  await env.DB.prepare("UPDATE segments SET qcamera_duration = 59.95 WHERE dongle_id = ?").bind(dongle).run();
  await env.MEDIA.put(
    `${dongle}/${log}/0/coords.json`,
    JSON.stringify([{ t: 1, lat: 48.85, lng: 2.35, speed: 3, dist: 0 }]),
  );
  return {
    device,
    dongle,
    owner,
    reader,
    writer,
    friend,
    fullname: `${dongle}|${log}`,
    otherRoute: `${dongle}|${other}`,
  };
}

const usersPath = (fullname: string) => `/api/v1/routes/${enc(fullname)}/users`;
const share = (fullname: string, by: TestUser, email: string) =>
  workerFetch(usersPath(fullname), json({ email }, { method: "POST", headers: by.auth }));
const unshare = (fullname: string, by: TestUser, email: string) =>
  workerFetch(`${usersPath(fullname)}/${enc(email)}`, { method: "DELETE", headers: by.auth });
const get = (path: string, user: TestUser) => workerFetch(path, { headers: user.auth });
const emails = async (res: Response) => ((await res.json()) as { email: string }[]).map((u) => u.email);

describe("sharing one drive with a person", () => {
  it("lets the person read the drive everywhere: details, segments, files, playlist, derived files", async () => {
    const { owner, friend, fullname } = await fixture();
    expect((await get(`/v1/route/${enc(fullname)}/`, friend)).status).toBe(404); // not yet

    const res = await share(fullname, owner, friend.email.toUpperCase()); // emails are matched case-insensitively
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: 1 });

    const comma = await get(`/v1/route/${enc(fullname)}/`, friend);
    expect(comma.status).toBe(200);
    const route = (await comma.json()) as { fullname: string; url: string };
    expect(route.fullname).toBe(fullname);
    const ours = await get(`/api/v1/routes/${enc(fullname)}`, friend);
    expect(ours.status).toBe(200);
    expect(await ours.json()).toMatchObject({ fullname, segment_numbers: [0] });
    const segments = await get(`/api/v1/routes/${enc(fullname)}/segments`, friend);
    expect(await segments.json()).toMatchObject([{ number: 0, has_qlog: true, has_qcamera: true }]);
    const files = (await (await get(`/v1/route/${enc(fullname)}/files`, friend)).json()) as {
      qlogs: string[];
      qcameras: string[];
    };
    expect(files.qlogs).toHaveLength(1);
    expect(files.qcameras).toHaveLength(1);
    expect((await workerFetch(files.qcameras[0])).status).toBe(200); // the signed media URL plays
    const playlist = await get(`/v1/route/${enc(fullname)}/qcamera.m3u8`, friend);
    expect(playlist.status).toBe(200);
    expect(await playlist.text()).toContain("#EXTINF:59.950,0");
    const sig = await get(`/v1/route/${enc(fullname)}/share_signature`, friend); // what the web app's player uses
    expect(sig.status).toBe(200);
    const coords = await workerFetch(`${route.url}/0/coords.json`);
    expect(await coords.json()).toEqual([{ t: 1, lat: 48.85, lng: 2.35, speed: 3, dist: 0 }]);
  });

  it("shows nothing else of the device: not its other drives, lists, or details", async () => {
    const { owner, friend, fullname, otherRoute, dongle } = await fixture();
    await share(fullname, owner, friend.email);
    for (const path of [
      `/v1/route/${enc(otherRoute)}/`,
      `/api/v1/routes/${enc(otherRoute)}`,
      `/v1/route/${enc(otherRoute)}/qcamera.m3u8`,
      `/v1.1/devices/${dongle}/`,
      `/v1/devices/${dongle}/routes`,
      `/v1/devices/${dongle}/routes_segments?route_str=${enc(fullname)}`,
      `/api/v1/devices/${dongle}`,
      `/api/v1/routes?dongle_id=${dongle}`,
    ]) {
      const res = await get(path, friend);
      expect([path, res.status]).toEqual([path, 404]);
    }
    const devices = await get("/api/v1/devices", friend);
    expect(await devices.json()).toEqual([]);
  });

  it("forbids every change to the drive (403), including sharing it further", async () => {
    const { owner, friend, reader, fullname } = await fixture();
    await share(fullname, owner, friend.email);
    const writes: [string, RequestInit][] = [
      [`/v1/route/${enc(fullname)}/`, json({ is_public: true }, { method: "PATCH" })],
      [`/v1/route/${enc(fullname)}/preserve`, { method: "POST" }],
      [`/v1/route/${enc(fullname)}/preserve`, { method: "DELETE" }],
      [`/api/v1/routes/${enc(fullname)}`, json({ is_public: true }, { method: "PATCH" })],
      [`/api/v1/routes/${enc(fullname)}/share`, { method: "POST" }],
      [usersPath(fullname), { method: "GET" }],
      [usersPath(fullname), json({ email: reader.email }, { method: "POST" })],
      [`${usersPath(fullname)}/${enc(friend.email)}`, { method: "DELETE" }],
      [`/api/v1/routes/${enc(fullname)}`, { method: "DELETE" }],
      [`/v1/route/${enc(fullname)}/`, { method: "DELETE" }],
    ];
    for (const [path, init] of writes) {
      const res = await workerFetch(path, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), ...friend.auth },
      });
      expect([init.method, path, res.status]).toEqual([init.method, path, 403]);
      expect(await res.json()).toMatchObject({ error: "insufficient_access" });
    }
    const row = await env.DB.prepare("SELECT is_public, is_preserved, deleted_at FROM routes WHERE fullname = ?")
      .bind(fullname)
      .first();
    expect(row).toEqual({ is_public: 0, is_preserved: 0, deleted_at: null });
    expect(await emails(await get(usersPath(fullname), owner))).toEqual([friend.email]);
  });

  it("lists the people, is idempotent, and unsharing removes access at once", async () => {
    const { owner, friend, reader, fullname } = await fixture();
    expect(await emails(await get(usersPath(fullname), owner))).toEqual([]);
    expect((await share(fullname, owner, friend.email)).status).toBe(200);
    expect((await share(fullname, owner, friend.email)).status).toBe(200);
    expect((await share(fullname, owner, reader.email)).status).toBe(200);
    const list = (await (await get(usersPath(fullname), owner)).json()) as {
      email: string;
      name: string | null;
      created_at: number;
    }[];
    expect(list.map((u) => u.email).sort()).toEqual([friend.email, reader.email].sort());
    expect(list[0].created_at).toBeGreaterThan(1_700_000_000);

    const removed = await unshare(fullname, owner, friend.email);
    expect(removed.status).toBe(200);
    expect(await removed.json()).toEqual({ success: 1 });
    expect(await emails(await get(usersPath(fullname), owner))).toEqual([reader.email]);
    const after = await get(`/v1/route/${enc(fullname)}/`, friend);
    expect(after.status).toBe(404);
    expect((await get(`/v1/route/${enc(fullname)}/qcamera.m3u8`, friend)).status).toBe(404);
    expect((await unshare(fullname, owner, friend.email)).status).toBe(200); // again: still fine
  });

  it("refuses unknown emails (404 user_not_found), the owner, and malformed requests", async () => {
    const { owner, fullname } = await fixture();
    for (const res of [
      await share(fullname, owner, "nobody@example.com"),
      await unshare(fullname, owner, "nobody@example.com"),
    ]) {
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: "user_not_found" });
    }
    const self = await share(fullname, owner, owner.email);
    expect(self.status).toBe(400);
    expect(await self.json()).toMatchObject({ error: "already_owner" });
    const noEmail = await workerFetch(usersPath(fullname), json({}, { method: "POST", headers: owner.auth }));
    expect(noEmail.status).toBe(400);
    expect(await noEmail.json()).toMatchObject({ error: "invalid_request" });
    const badName = await workerFetch("/api/v1/routes/not-a-route/users", { headers: owner.auth });
    expect(badName.status).toBe(400);
    expect(await badName.json()).toMatchObject({ error: "invalid_route_name" });
    expect(await emails(await get(usersPath(fullname), owner))).toEqual([]);
  });

  it("lets writers of the device share, not readers; strangers do not even see the drive", async () => {
    const { writer, reader, friend, fullname } = await fixture();
    const stranger = await createUser();
    expect((await share(fullname, writer, friend.email)).status).toBe(200);
    expect(await emails(await get(usersPath(fullname), writer))).toEqual([friend.email]);
    const byReader = await share(fullname, reader, stranger.email);
    expect(byReader.status).toBe(403);
    expect((await get(usersPath(fullname), reader)).status).toBe(403);
    expect((await share(fullname, stranger, stranger.email)).status).toBe(404);
    expect((await get(`/v1/route/${enc(fullname)}/`, stranger)).status).toBe(404);
  });

  it("keeps a deleted drive invisible to the people it was shared with", async () => {
    const { owner, friend, fullname } = await fixture();
    await share(fullname, owner, friend.email);
    expect((await get(`/api/v1/routes/${enc(fullname)}`, friend)).status).toBe(200);
    expect(
      (await workerFetch(`/api/v1/routes/${enc(fullname)}`, { method: "DELETE", headers: owner.auth })).status,
    ).toBe(200);
    for (const path of [
      `/api/v1/routes/${enc(fullname)}`,
      `/v1/route/${enc(fullname)}/`,
      `/v1/route/${enc(fullname)}/files`,
    ]) {
      expect([path, (await get(path, friend)).status]).toEqual([path, 404]);
    }
  });

  it("forgets the shares of a device's drives when the device is unpaired", async () => {
    const { owner, friend, fullname, dongle } = await fixture();
    await share(fullname, owner, friend.email);
    expect((await workerFetch(`/api/v1/devices/${dongle}`, { method: "DELETE", headers: owner.auth })).status).toBe(
      200,
    );
    const left = await env.DB.prepare("SELECT count(*) AS n FROM route_users WHERE fullname = ?")
      .bind(fullname)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
    expect((await get(`/v1/route/${enc(fullname)}/`, friend)).status).toBe(404);
  });

  it("documents the endpoints in the OpenAPI document", async () => {
    const doc = (await (await workerFetch("/api/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths["/api/v1/routes/{fullname}/users"] ?? {}).sort()).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/api/v1/routes/{fullname}/users/{email}"] ?? {})).toEqual(["delete"]);
  });

  it("lists the drives shared with me one by one (shared_with_me=true), and nothing else", async () => {
    const { owner, friend, reader, fullname } = await fixture();
    const sharedList = async (u: TestUser) =>
      (
        (await (await get(`/api/v1/routes?shared_with_me=true`, u)).json()) as { routes: { fullname: string }[] }
      ).routes.map((r) => r.fullname);
    expect(await sharedList(friend)).toEqual([]);
    await share(fullname, owner, friend.email);
    expect(await sharedList(friend)).toEqual([fullname]); // not the device's other drive
    expect(await sharedList(reader)).toEqual([]); // device readers see it in their normal lists instead
    expect((await (await get(`/api/v1/routes`, friend)).json()) as unknown).toEqual({ routes: [], next_cursor: null });
    expect((await get(`/api/v1/routes?shared_with_me=true&dongle_id=${fullname.split("|")[0]}`, friend)).status).toBe(
      400,
    );
    await unshare(fullname, owner, friend.email);
    expect(await sharedList(friend)).toEqual([]);
  });
});

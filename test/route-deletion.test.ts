/**
 * Deleting a drive through the real path: DELETE (both API surfaces) → D1 marks it deleted → a purge-route message
 * on the upload Queue → the consumer (worker/queue/upload-consumer.ts) removes its R2 objects. Then nothing brings
 * it back: not a file message processed after the delete, not a processing run the delete overtook, not the device
 * uploading again (412), not a second DELETE. Repeating DELETE answers 200 (documented in the OpenAPI spec).
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../worker";
import { database } from "../worker/db/client";
import { parseObjectKey } from "../worker/protocol/upload-key";
import type { UploadQueueMessage } from "../worker/protocol/queue-messages";
import { purgeDeletedRoute } from "../worker/services/drives/deletion";
import { derivedKey } from "../worker/services/drives/views";
import { recordUpload } from "../worker/services/devices/uploads";
import { newRouteName } from "./device-sim/route";
import { qcameraTs } from "./fixtures/log-fixtures.generated";
import { createUser, registeredDevice, workerFetch, type TestUser } from "./helpers";
import { qlogZst, type SimDevice, uploadAndSettle } from "./processing-helpers";

const get = (path: string, user?: TestUser) => workerFetch(path, { headers: user ? user.auth : {} });
const del = (path: string, user?: TestUser) => workerFetch(path, { method: "DELETE", headers: user ? user.auth : {} });
const enc = encodeURIComponent;

async function deliver(bodies: unknown[]) {
  const batch = createMessageBatch(
    "edge-connect-uploads",
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: Date.now(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<UploadQueueMessage>, env, ctx);
  return getQueueResult(batch, ctx);
}

const objectsOf = async (dongleId: string, log: string) =>
  (await env.MEDIA.list({ prefix: `${dongleId}/${log}/` })).objects.map((o) => o.key).sort();

/** Every D1 row a route's files and segments leave (the route row itself stays, marked deleted). */
async function rowsOf(dongleId: string, log: string) {
  const n = (sql: string, ...args: unknown[]) =>
    env.DB.prepare(sql)
      .bind(...args)
      .first<{ n: number }>()
      .then((r) => r!.n);
  return {
    files: await n("SELECT count(*) AS n FROM uploaded_files WHERE dongle_id = ? AND log_id = ?", dongleId, log),
    segments: await n("SELECT count(*) AS n FROM segments WHERE dongle_id = ? AND log_id = ?", dongleId, log),
    qlogs: await n("SELECT count(*) AS n FROM segment_qlogs WHERE dongle_id = ? AND log_id = ?", dongleId, log),
    processing: await n("SELECT count(*) AS n FROM file_processing WHERE key LIKE ?", `${dongleId}/${log}/%`),
  };
}
const NO_ROWS = { files: 0, segments: 0, qlogs: 0, processing: 0 };

/** A paired device with two processed 2-segment drives (qlog + qcamera each): one to delete, one to keep. */
async function world() {
  const owner = await createUser();
  const device = (await registeredDevice()) as SimDevice;
  const pair = await workerFetch("/v2/pilotpair/", {
    method: "POST",
    headers: owner.auth,
    body: new URLSearchParams({ pair_token: await device.pairToken() }),
  });
  expect(pair.status).toBe(200);
  const doomed = newRouteName(1),
    kept = newRouteName(2);
  for (const log of [doomed, kept]) {
    const rows = await uploadAndSettle(
      device,
      [0, 1].flatMap(
        (n) =>
          [
            [`${log}--${n}/qlog.zst`, qlogZst(n)],
            [`${log}--${n}/qcamera.ts`, qcameraTs],
          ] as [string, Uint8Array][],
      ),
    );
    expect(rows.map((r) => r.state)).toEqual(["done", "done", "done", "done"]);
  }
  return { owner, device, dongle: device.dongleId, doomed, kept, fullname: `${device.dongleId}|${doomed}` };
}

describe("DELETE /v1/route/:route/ (comma's, used by the PWA)", () => {
  it("removes the drive from every list and link at once, and its objects through the queue", async () => {
    const { owner, device, dongle, doomed, kept, fullname } = await world();
    const route = (await (await get(`/v1/route/${enc(fullname)}/`, owner)).json()) as { url: string };
    const sig = (await (await get(`/v1/route/${enc(fullname)}/share_signature`, owner)).json()) as {
      exp: string;
      sig: string;
    };
    const files = (await (await get(`/v1/route/${enc(fullname)}/files`, owner)).json()) as {
      qlogs: string[];
      qcameras: string[];
    };
    expect((await workerFetch(`${route.url}/0/coords.json`)).status).toBe(200);
    expect((await workerFetch(files.qcameras[0])).status).toBe(200);
    expect(
      (await workerFetch(`/v1/route/${enc(fullname)}/preserve`, { method: "POST", headers: owner.auth })).status,
    ).toBe(200);
    const before = await objectsOf(dongle, doomed);
    expect(before).toHaveLength(2 * (2 + 3)); // per segment: qlog, qcamera + coords/events/sprite
    const keptBefore = await objectsOf(dongle, kept);
    // The device got an upload URL before the delete (devices keep them up to an hour, web apps for days).
    const early = (await (
      await device.apiGet(`v1.4/${dongle}/upload_url/`, { path: `${doomed}--2/qlog.zst` })
    ).json()) as { url: string; headers: Record<string, string> };

    // "%7C" and a trailing slash, as the PWA sends it.
    const res = await del(`/v1/route/${dongle}%7C${doomed}/`, owner);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: 1 });

    // Gone from every list and link immediately (D1), before the purge has necessarily run.
    expect((await get(`/v1/route/${enc(fullname)}/`, owner)).status).toBe(404);
    expect((await get(`/api/v1/routes/${enc(fullname)}`, owner)).status).toBe(404);
    expect((await get(`/api/v1/routes/${enc(fullname)}/segments`, owner)).status).toBe(404);
    expect((await get(`/v1/route/${enc(fullname)}/files`, owner)).status).toBe(404);
    expect((await workerFetch(`/v1/route/${enc(fullname)}/qcamera.m3u8?${new URLSearchParams(sig)}`)).status).toBe(404);
    for (const f of ["coords.json", "events.json", "sprite.jpg"])
      expect((await workerFetch(`${route.url}/0/${f}`)).status).toBe(404);
    const names = (list: { fullname: string }[]) => list.map((r) => r.fullname);
    const keptName = `${dongle}|${kept}`;
    expect(names((await (await get(`/v1/devices/${dongle}/routes`, owner)).json()) as { fullname: string }[])).toEqual([
      keptName,
    ]);
    expect(
      names((await (await get(`/v1/devices/${dongle}/routes_segments`, owner)).json()) as { fullname: string }[]),
    ).toEqual([keptName]);
    expect(
      names((await (await get(`/v1/devices/${dongle}/routes/preserved`, owner)).json()) as { fullname: string }[]),
    ).toEqual([]);
    expect(
      names(((await (await get("/api/v1/routes", owner)).json()) as { routes: { fullname: string }[] }).routes),
    ).toEqual([keptName]);
    expect(await rowsOf(dongle, doomed)).toEqual(NO_ROWS);

    // The consumer empties the route's prefix; the other drive keeps every object.
    await vi.waitFor(async () => expect(await objectsOf(dongle, doomed)).toEqual([]), {
      timeout: 20_000,
      interval: 100,
    });
    expect(await objectsOf(dongle, kept)).toEqual(keptBefore);
    expect((await workerFetch(files.qcameras[0])).status).toBe(404); // signed media links die with their objects
    expect((await workerFetch(files.qlogs[1])).status).toBe(404);

    // The device uploading again is told 412 ("done, never retry"): at upload_url and at a URL signed before.
    expect((await device.uploadFile(`${doomed}--0/qlog.zst`, qlogZst(0))).status).toBe(412);
    const put = await device.put(early.url, early.headers, qlogZst(2));
    expect(put.status).toBe(412);
    expect(await objectsOf(dongle, doomed)).toEqual([]);
    expect(await rowsOf(dongle, doomed)).toEqual(NO_ROWS);

    // Deleting again is fine: 200 (also on the other surface), and still nothing comes back.
    expect((await del(`/v1/route/${enc(fullname)}`, owner)).status).toBe(200);
    expect((await del(`/api/v1/routes/${enc(fullname)}`, owner)).status).toBe(200);
    expect((await get(`/v1/route/${enc(fullname)}/`, owner)).status).toBe(404);
    const deletedAt = await env.DB.prepare("SELECT deleted_at, is_preserved FROM routes WHERE fullname = ?")
      .bind(fullname)
      .first();
    expect(deletedAt).toMatchObject({ deleted_at: expect.any(Number), is_preserved: 0 });
  });

  it("works with a raw '|' and no trailing slash; only owners, admins and shared writers may delete", async () => {
    const owner = await createUser(),
      reader = await createUser(),
      writer = await createUser(),
      stranger = await createUser();
    const device = (await registeredDevice()) as SimDevice;
    await workerFetch("/v2/pilotpair/", {
      method: "POST",
      headers: owner.auth,
      body: new URLSearchParams({ pair_token: await device.pairToken() }),
    });
    await env.DB.prepare(
      "INSERT INTO device_users (dongle_id, user_id, permission) VALUES (?1, ?2, 'read'), (?1, ?3, 'write')",
    )
      .bind(device.dongleId, reader.id, writer.id)
      .run();
    const log = newRouteName(5);
    expect((await device.uploadFile(`${log}--0/qcamera.ts`, qcameraTs)).outcome).toBe("uploaded");
    const path = `/v1/route/${device.dongleId}|${log}`;
    expect((await del(path)).status).toBe(401);
    expect(await (await del(path, stranger)).json()).toMatchObject({ error: "device_not_found" });
    const refused = await del(path, reader);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: "insufficient_access" });
    expect((await get(`${path}/`, owner)).status).toBe(200); // still there
    expect((await del(path, writer)).status).toBe(200);
    expect((await get(`${path}/`, owner)).status).toBe(404);
    // A drive that never existed is 404 (a repeated delete of a real one is 200, above).
    expect(await (await del(`/v1/route/${device.dongleId}|${newRouteName(6)}/`, owner)).json()).toMatchObject({
      error: "route_not_found",
    });
    expect((await del(`/v1/route/not-a-route/`, owner)).status).toBe(400);
  });
});

describe("DELETE /api/v1/routes/{fullname}", () => {
  it("goes through the same queue purge", async () => {
    const { owner, dongle, doomed, kept, fullname } = await world();
    expect((await del(`/api/v1/routes/${enc(fullname)}`, owner)).status).toBe(200);
    expect((await get(`/api/v1/routes/${enc(fullname)}`, owner)).status).toBe(404);
    await vi.waitFor(async () => expect(await objectsOf(dongle, doomed)).toEqual([]), {
      timeout: 20_000,
      interval: 100,
    });
    expect(await objectsOf(dongle, kept)).toHaveLength(10);
  });
});

describe("after the delete, the consumer never brings a drive back", () => {
  it("a file message processed after the delete: no segments, no derived files, the stray object removed", async () => {
    const { owner, dongle, doomed, fullname } = await world();
    expect((await del(`/v1/route/${enc(fullname)}/`, owner)).status).toBe(200);
    await vi.waitFor(async () => expect(await objectsOf(dongle, doomed)).toEqual([]), {
      timeout: 20_000,
      interval: 100,
    });

    // An upload that passed its 412 check just before the delete: the object lands and is booked (as receiveUpload
    // does) after the delete, and its message goes through the real queue.
    const key = `${dongle}/${doomed}/0/qlog.zst`;
    const bytes = qlogZst(0);
    await recordUpload(env, database(env), dongle, parseObjectKey(key).target, key, (await env.MEDIA.put(key, bytes))!);
    expect(await rowsOf(dongle, doomed)).toMatchObject({ files: 1, segments: 1 });
    await vi.waitFor(
      async () => {
        expect(await objectsOf(dongle, doomed)).toEqual([]);
        expect(await rowsOf(dongle, doomed)).toEqual(NO_ROWS);
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(await env.MEDIA.head(derivedKey(dongle, doomed, 0, "coords.json"))).toBeNull();

    // The same message redelivered later (or one still in flight from before the delete): acked, nothing derived.
    await env.MEDIA.put(key, bytes);
    const result = await deliver([
      {
        type: "file",
        key,
        dongleId: dongle,
        logId: doomed,
        segment: 0,
        kind: "qlog",
        fileName: "qlog.zst",
        size: bytes.length,
      },
    ]);
    expect(result).toMatchObject({ explicitAcks: ["m0"], retryMessages: [] });
    expect(await objectsOf(dongle, doomed)).toEqual([]);
    expect(await rowsOf(dongle, doomed)).toEqual(NO_ROWS);
    expect((await get(`/v1/devices/${dongle}/routes`, owner)).status).toBe(200);
    expect(
      ((await (await get(`/v1/devices/${dongle}/routes`, owner)).json()) as { fullname: string }[]).map(
        (r) => r.fullname,
      ),
    ).not.toContain(fullname);
  });

  it("a file whose processing the delete overtook: what it derived is removed after it", async () => {
    const owner = await createUser();
    const device = (await registeredDevice()) as SimDevice;
    await workerFetch("/v2/pilotpair/", {
      method: "POST",
      headers: owner.auth,
      body: new URLSearchParams({ pair_token: await device.pairToken() }),
    });
    const log = newRouteName(7);
    // A real D1 trigger deletes the route the moment processing records its result, i.e. after the derived files
    // are in R2 and after the consumer's first "is it deleted?" check: exactly the window of a concurrent DELETE
    // (minus its own purge message, so only the consumer's second check can clean up).
    await env.DB.prepare(
      `CREATE TRIGGER delete_during_${device.dongleId} AFTER INSERT ON segment_qlogs WHEN NEW.dongle_id = '${device.dongleId}'
       BEGIN UPDATE routes SET deleted_at = unixepoch() WHERE dongle_id = NEW.dongle_id AND log_id = NEW.log_id; END`,
    ).run();
    try {
      expect((await device.uploadFile(`${log}--0/qlog.zst`, qlogZst(0))).outcome).toBe("uploaded");
      await vi.waitFor(
        async () => {
          expect(
            await env.DB.prepare("SELECT deleted_at FROM routes WHERE dongle_id = ? AND log_id = ?")
              .bind(device.dongleId, log)
              .first("deleted_at"),
          ).not.toBeNull();
          expect(await objectsOf(device.dongleId, log)).toEqual([]);
          expect(await rowsOf(device.dongleId, log)).toEqual(NO_ROWS);
        },
        { timeout: 20_000, interval: 100 },
      );
    } finally {
      await env.DB.prepare(`DROP TRIGGER IF EXISTS delete_during_${device.dongleId}`).run();
    }
  });
});

describe("the purge itself", () => {
  it("pages through big routes, is idempotent, and never touches a route that is not deleted", async () => {
    const device = (await registeredDevice()) as SimDevice;
    const dongle = device.dongleId,
      log = newRouteName(8),
      live = newRouteName(9);
    await env.DB.prepare(
      "INSERT INTO routes (dongle_id, log_id, fullname, deleted_at) VALUES (?1, ?2, ?1 || '|' || ?2, unixepoch()), (?1, ?3, ?1 || '|' || ?3, NULL)",
    )
      .bind(dongle, log, live)
      .run();
    for (let i = 0; i < 25; i++) await env.MEDIA.put(`${dongle}/${log}/${i}/qcamera.ts`, `x${i}`);
    await env.MEDIA.put(`${dongle}/${live}/0/qcamera.ts`, "live");

    const small = { pages: 2, pageSize: 10 };
    expect(await purgeDeletedRoute(env, dongle, log, small)).toEqual({ state: "more", removed: 20 });
    expect(await objectsOf(dongle, log)).toHaveLength(5);
    expect(await purgeDeletedRoute(env, dongle, log, small)).toEqual({ state: "done", removed: 5 });
    expect(await purgeDeletedRoute(env, dongle, log, small)).toEqual({ state: "done", removed: 0 });

    // Through the consumer: a repeated purge is acked, a purge of a live route deletes nothing, junk is dropped.
    await env.MEDIA.put(`${dongle}/${log}/0/qlog.zst`, "late");
    const result = await deliver([
      { type: "purge-route", dongleId: dongle, logId: log },
      { type: "purge-route", dongleId: dongle, logId: log },
      { type: "purge-route", dongleId: dongle, logId: live },
      { type: "purge-route", dongleId: dongle, logId: "../../etc" },
    ]);
    expect(result).toMatchObject({ explicitAcks: ["m0", "m1", "m2", "m3"], retryMessages: [] });
    expect(await objectsOf(dongle, log)).toEqual([]);
    expect(await objectsOf(dongle, live)).toEqual([`${dongle}/${live}/0/qcamera.ts`]);
  });
});

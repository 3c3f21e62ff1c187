/** Resumable chunked imports (/api/v1/upload/*): the chunk plan and whole imports against real R2 multipart uploads, D1 and the upload queue. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_CHUNK_SIZE, MAX_PARTS, MIN_PART_SIZE, planChunks } from "../../worker/services/imports/plan";
import { newRouteName } from "../device-sim/route";
import {
  MiB,
  type Session,
  randomBytes,
  sha256,
  partOf,
  ownedDevice,
  started,
  putPart,
  post,
  status,
  sendAll,
  settled,
  stagedKeys,
  withAdminFirst,
} from "./helpers";

withAdminFirst();

describe("chunk plan (R2 part rules)", () => {
  it("keeps parts ≥ 5 MiB, equal but the last, and ≤ 10,000 of them", () => {
    expect(planChunks(1000)).toEqual({ chunkSize: 1000, chunkCount: 1 });
    expect(planChunks(12 * MiB, 1)).toEqual({ chunkSize: MIN_PART_SIZE, chunkCount: 3 });
    expect(planChunks(1024 * MiB, 1024 * MiB).chunkSize).toBe(MAX_CHUNK_SIZE);
    const huge = planChunks(100_000 * MiB, MIN_PART_SIZE);
    expect(huge.chunkCount).toBeLessThanOrEqual(MAX_PARTS);
    expect(huge.chunkSize * huge.chunkCount).toBeGreaterThanOrEqual(100_000 * MiB);
  });
});

describe("a full import", () => {
  it("uploads 3 parts out of order, verifies the SHA-256 and processes the file exactly like a device upload", async () => {
    const { device, owner, dongle } = await ownedDevice();
    const route = newRouteName();
    const data = randomBytes(2 * 5 * MiB + 123_457);
    const s = await started(owner.auth, {
      dongle_id: dongle,
      path: `${route}--3/rlog.zst`,
      size: data.length,
      sha256: await sha256(data),
      chunk_size: 5 * MiB,
    });
    expect(s).toMatchObject({
      chunk_size: 5 * MiB,
      chunk_count: 3,
      received: [],
      state: "open",
      key: `${dongle}/${route}/3/rlog.zst`,
    });
    expect(s.upload_id).toMatch(/^[0-9a-f]{32}$/);
    expect(s.expires_at).toBeGreaterThan(Date.now() / 1000 + 5 * 86400);

    await sendAll(owner.auth, s, data, [3, 1, 2]);
    expect(await env.MEDIA.head(s.key)).toBeNull(); // nothing at the real key before complete

    const done = await post(owner.auth, s.upload_id, "complete");
    expect(done.status, await done.clone().text()).toBe(200);
    expect(await done.json()).toEqual({ key: s.key, size: data.length, sha256: s.sha256 });
    const stored = await env.MEDIA.get(s.key);
    expect(stored?.size).toBe(data.length);
    expect(await sha256(new Uint8Array(await stored!.arrayBuffer()))).toBe(s.sha256);
    expect(await stagedKeys()).not.toContain(`imports/${s.upload_id}`);

    const routeRow = await env.DB.prepare("SELECT maxlog FROM routes WHERE fullname = ?")
      .bind(`${dongle}|${route}`)
      .first();
    expect(routeRow).toEqual({ maxlog: 3 });
    const seg = await env.DB.prepare("SELECT has_rlog FROM segments WHERE dongle_id = ? AND log_id = ? AND number = 3")
      .bind(dongle, route)
      .first();
    expect(seg).toEqual({ has_rlog: 1 });

    // The same bytes uploaded by the device itself: same booking, and the queue consumer settles both the same way.
    const twin = await device.uploadFile(`${route}--4/rlog.zst`, data);
    expect(twin.outcome).toBe("uploaded");
    const imported = await settled(s.key);
    const uploaded = await settled(`${dongle}/${route}/4/rlog.zst`);
    expect(imported).toEqual({ ...uploaded, segment: 3 });
    expect(imported).toMatchObject({ kind: "rlog", size: data.length, log_id: route });

    // Completing again (a client whose answer got lost) gives the same answer and books nothing new.
    const again = await post(owner.auth, s.upload_id, "complete");
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ key: s.key, size: data.length, sha256: s.sha256 });
    const st = (await (await status(owner.auth, s.upload_id)).json()) as Session;
    expect(st).toMatchObject({ state: "completed", received: [1, 2, 3] });
    expect((await putPart(owner.auth, s.upload_id, 1, partOf(data, s.chunk_size, 1))).status).toBe(409);
  });

  it("imports a file smaller than one part as a single part (old-style route name, qlog.bz2)", async () => {
    const { owner, dongle } = await ownedDevice();
    const data = randomBytes(100_000);
    const s = await started(owner.auth, {
      dongle_id: dongle,
      path: "2024-05-01--10-00-00--3/qlog.bz2",
      size: data.length,
      sha256: await sha256(data),
    });
    expect(s).toMatchObject({
      chunk_count: 1,
      chunk_size: data.length,
      key: `${dongle}/2024-05-01--10-00-00/3/qlog.bz2`,
    });
    expect((await putPart(owner.auth, s.upload_id, 1, data, {}, true)).status).toBe(200);
    const done = await post(owner.auth, s.upload_id, "complete");
    expect(done.status, await done.clone().text()).toBe(200);
    expect((await env.MEDIA.head(s.key))?.size).toBe(data.length);
    const routeRow = await env.DB.prepare("SELECT maxqlog FROM routes WHERE fullname = ?")
      .bind(`${dongle}|2024-05-01--10-00-00`)
      .first();
    expect(routeRow).toEqual({ maxqlog: 3 });
    expect((await settled(s.key)).kind).toBe("qlog");
  });

  it("refuses to complete while parts are missing, naming them", async () => {
    const { owner, dongle } = await ownedDevice();
    const data = randomBytes(2 * 5 * MiB + 10);
    const s = await started(owner.auth, {
      dongle_id: dongle,
      path: "0000001a--c20ba54385--0/fcamera.hevc",
      size: data.length,
      sha256: await sha256(data),
      chunk_size: 5 * MiB,
    });
    expect((await putPart(owner.auth, s.upload_id, 2, partOf(data, s.chunk_size, 2))).status).toBe(200);
    const res = await post(owner.auth, s.upload_id, "complete");
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: "upload_incomplete", message: "Missing parts: 1, 3" });
    expect(await env.MEDIA.head(s.key)).toBeNull();
  });
});

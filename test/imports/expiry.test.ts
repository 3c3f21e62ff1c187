/** Cancelled, dropped and expired imports: the R2 multipart upload and the session go away, and late calls answer 410. */
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runScheduled } from "../../worker/services/operations/maintenance";
import {
  MiB,
  randomBytes,
  sha256,
  partOf,
  ownedDevice,
  started,
  putPart,
  post,
  status,
  sendAll,
  withAdminFirst,
} from "./helpers";

withAdminFirst();

describe("cancel and expiry", () => {
  const uploadIdOf = (id: string) =>
    env.DB.prepare("SELECT r2_upload_id FROM import_uploads WHERE id = ?").bind(id).first<{ r2_upload_id: string }>();
  const partRows = async (id: string) =>
    (await env.DB.prepare("SELECT count(*) AS n FROM import_upload_parts WHERE upload_id = ?")
      .bind(id)
      .first<{ n: number }>())!.n;
  const r2Refuses = (id: string, r2UploadId: string) =>
    expect(env.MEDIA.resumeMultipartUpload(`imports/${id}`, r2UploadId).uploadPart(1, "late part")).rejects.toThrow();

  it("cancel aborts the multipart upload and forgets the session", async () => {
    const { owner, dongle } = await ownedDevice();
    const data = randomBytes(5 * MiB + 1);
    const s = await started(owner.auth, {
      dongle_id: dongle,
      path: "0000001a--c20ba54385--3/rlog.zst",
      size: data.length,
      sha256: await sha256(data),
      chunk_size: 5 * MiB,
    });
    expect((await putPart(owner.auth, s.upload_id, 1, partOf(data, 5 * MiB, 1))).status).toBe(200);
    const { r2_upload_id } = (await uploadIdOf(s.upload_id))!;
    const res = await post(owner.auth, s.upload_id, "cancel");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true });
    expect((await status(owner.auth, s.upload_id)).status).toBe(404);
    expect(await partRows(s.upload_id)).toBe(0);
    await r2Refuses(s.upload_id, r2_upload_id);
    expect(
      (
        await started(owner.auth, {
          dongle_id: dongle,
          path: "0000001a--c20ba54385--3/rlog.zst",
          size: data.length,
          sha256: s.sha256,
        })
      ).upload_id,
    ).not.toBe(s.upload_id);
  });

  it("an upload R2 dropped on its own (7-day lifecycle) answers 410 upload_expired, not 500", async () => {
    const { owner, dongle } = await ownedDevice();
    const data = randomBytes(5 * MiB + 5);
    const s = await started(owner.auth, {
      dongle_id: dongle,
      path: "0000001a--c20ba54385--6/rlog.zst",
      size: data.length,
      sha256: await sha256(data),
      chunk_size: 5 * MiB,
    });
    await sendAll(owner.auth, s, data, [1]);
    await env.MEDIA.resumeMultipartUpload(
      `imports/${s.upload_id}`,
      (await uploadIdOf(s.upload_id))!.r2_upload_id,
    ).abort();
    const late = await putPart(owner.auth, s.upload_id, 2, partOf(data, 5 * MiB, 2));
    expect(late.status).toBe(410);
    expect(await late.json()).toMatchObject({ error: "upload_expired" });
    expect(await (await status(owner.auth, s.upload_id)).json()).toMatchObject({ state: "failed", received: [] });
  });

  it("complete answers 410 when R2 dropped the parts", async () => {
    const { owner, dongle } = await ownedDevice();
    const data = randomBytes(4000);
    const s = await started(owner.auth, {
      dongle_id: dongle,
      path: "0000001a--c20ba54385--8/qlog.zst",
      size: data.length,
      sha256: await sha256(data),
    });
    await sendAll(owner.auth, s, data);
    await env.MEDIA.resumeMultipartUpload(
      `imports/${s.upload_id}`,
      (await uploadIdOf(s.upload_id))!.r2_upload_id,
    ).abort();
    const res = await post(owner.auth, s.upload_id, "complete");
    expect(res.status).toBe(410);
    expect(await res.json()).toMatchObject({ error: "upload_expired" });
    expect(await env.MEDIA.head(s.key)).toBeNull();
  });

  it("an expired upload answers 410 and the cron drops it with its R2 upload", async () => {
    const { owner, dongle } = await ownedDevice();
    const data = randomBytes(3000);
    const body = {
      dongle_id: dongle,
      path: "0000001a--c20ba54385--4/qlog.zst",
      size: data.length,
      sha256: await sha256(data),
    };
    const a = await started(owner.auth, body);
    await env.DB.prepare("UPDATE import_uploads SET expires_at = unixepoch() - 1 WHERE id = ?").bind(a.upload_id).run();
    const late = await putPart(owner.auth, a.upload_id, 1, data);
    expect(late.status).toBe(410);
    expect(await late.json()).toMatchObject({ error: "upload_expired" });

    // A new init for the same file no longer finds the expired one; the cron sweeps both once they expire.
    const b = await started(owner.auth, body);
    expect(b.upload_id).not.toBe(a.upload_id);
    expect((await putPart(owner.auth, b.upload_id, 1, data)).status).toBe(200);
    const { r2_upload_id } = (await uploadIdOf(b.upload_id))!;
    await env.DB.prepare("UPDATE import_uploads SET expires_at = unixepoch() - 1").run();
    await runScheduled(createScheduledController({ cron: "*/15 * * * *", scheduledTime: new Date() }), env);
    const left = await env.DB.prepare("SELECT count(*) AS n FROM import_uploads WHERE id IN (?, ?)")
      .bind(a.upload_id, b.upload_id)
      .first();
    expect(left).toEqual({ n: 0 });
    expect(await partRows(b.upload_id)).toBe(0);
    await r2Refuses(b.upload_id, r2_upload_id);
  });
});

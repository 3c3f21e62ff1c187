/** An import is checked whole before it becomes a file: a SHA-256 mismatch stores nothing and never replaces a device upload. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newRouteName } from "../device-sim/route";
import {
  MiB,
  randomBytes,
  sha256,
  ownedDevice,
  started,
  post,
  status,
  sendAll,
  fileRow,
  stagedKeys,
  withAdminFirst,
} from "./helpers";

withAdminFirst();

describe("integrity on complete", () => {
  it("a SHA-256 mismatch answers 422, stores and records nothing, and ends the upload", async () => {
    const { owner, dongle } = await ownedDevice();
    const route = newRouteName();
    const data = randomBytes(5 * MiB + 999);
    const s = await started(owner.auth, {
      dongle_id: dongle,
      path: `${route}--0/rlog.zst`,
      size: data.length,
      sha256: await sha256(randomBytes(16)),
      chunk_size: 5 * MiB,
    });
    await sendAll(owner.auth, s, data);
    const res = await post(owner.auth, s.upload_id, "complete");
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: "checksum_mismatch" });
    expect(await env.MEDIA.head(s.key)).toBeNull();
    expect(await stagedKeys()).not.toContain(`imports/${s.upload_id}`);
    expect(await fileRow(s.key)).toBeNull();
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM routes WHERE fullname = ?").bind(`${dongle}|${route}`).first(),
    ).toEqual({ n: 0 });
    expect(await (await status(owner.auth, s.upload_id)).json()).toMatchObject({ state: "failed", received: [] });
    const retry = await post(owner.auth, s.upload_id, "complete");
    expect(retry.status).toBe(410);
    expect(await retry.json()).toMatchObject({ error: "upload_failed" });
  });

  it("a bad import never replaces a file the device already uploaded", async () => {
    const { device, owner, dongle } = await ownedDevice();
    const original = new TextEncoder().encode("the device's own qlog");
    expect((await device.uploadFile("0000001a--c20ba54385--9/qlog.zst", original)).outcome).toBe("uploaded");
    const data = randomBytes(2000);
    const s = await started(owner.auth, {
      dongle_id: dongle,
      path: "0000001a--c20ba54385--9/qlog.zst",
      size: data.length,
      sha256: await sha256(original),
    });
    await sendAll(owner.auth, s, data);
    expect((await post(owner.auth, s.upload_id, "complete")).status).toBe(422);
    expect(await (await env.MEDIA.get(s.key))?.text()).toBe("the device's own qlog");
  });
});

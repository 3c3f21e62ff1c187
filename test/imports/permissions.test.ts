/** Who may import into which device, request validation, and the OpenAPI description of the import endpoints. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newRouteName } from "../device-sim/route";
import { createUser, workerFetch } from "../helpers";
import {
  MiB,
  randomBytes,
  sha256,
  ownedDevice,
  share,
  init,
  started,
  putPart,
  post,
  status,
  withAdminFirst,
} from "./helpers";

withAdminFirst();

describe("permissions", () => {
  it("owner and write share may import; read share 403, stranger 404, anonymous 401, device token 403", async () => {
    const { device, owner, dongle } = await ownedDevice();
    const [reader, writer, stranger] = [await createUser(), await createUser(), await createUser()];
    await share(dongle, reader, "read");
    await share(dongle, writer, "write");
    const data = randomBytes(1000);
    const body = {
      dongle_id: dongle,
      path: "0000001a--c20ba54385--0/qlog.zst",
      size: data.length,
      sha256: await sha256(data),
    };
    const s = await started(owner.auth, body);

    const expectError = async (res: Response, code: number, error: string) => {
      expect(res.status).toBe(code);
      expect(await res.json()).toMatchObject({ error });
    };
    await expectError(await init(reader.auth, body), 403, "insufficient_access");
    await expectError(await init(stranger.auth, body), 404, "device_not_found");
    await expectError(await init({}, body), 401, "unauthorized");
    await expectError(
      await init({ Authorization: `JWT ${await device.token()}` }, body),
      403,
      "device_token_not_allowed",
    );
    for (const [who, code, error] of [
      [reader, 403, "insufficient_access"],
      [stranger, 404, "upload_not_found"],
    ] as const) {
      await expectError(await status(who.auth, s.upload_id), code, error);
      await expectError(await putPart(who.auth, s.upload_id, 1, data), code, error);
      await expectError(await post(who.auth, s.upload_id, "complete"), code, error);
      await expectError(await post(who.auth, s.upload_id, "cancel"), code, error);
    }
    await expectError(await status({}, s.upload_id), 401, "unauthorized");
    await expectError(await putPart({}, s.upload_id, 1, data), 401, "unauthorized");
    await expectError(await status(owner.auth, "0".repeat(32)), 404, "upload_not_found");
    expect(await (await status(owner.auth, s.upload_id)).json()).toMatchObject({ received: [] });

    // A writer resumes the same upload and finishes it.
    expect((await started(writer.auth, body)).upload_id).toBe(s.upload_id);
    expect((await putPart(writer.auth, s.upload_id, 1, data)).status).toBe(200);
    expect((await post(writer.auth, s.upload_id, "complete")).status).toBe(200);
  });

  it("validates the request: bad path, sha256, size", async () => {
    const { owner, dongle } = await ownedDevice();
    const ok = { dongle_id: dongle, path: "0000001a--c20ba54385--0/qlog.zst", size: 10, sha256: "a".repeat(64) };
    for (const [patch, error] of [
      [{ path: "../etc/passwd" }, "invalid_path"],
      [{ path: "0000001a--c20ba54385--0/notes.txt" }, "invalid_path"],
      [{ sha256: "xyz" }, "invalid_request"],
      [{ size: 0 }, "invalid_request"],
      [{ size: 1.5 }, "invalid_request"],
    ] as const) {
      const res = await init(owner.auth, { ...ok, ...patch });
      expect(res.status, JSON.stringify(patch)).toBe(400);
      expect(await res.json()).toMatchObject({ error });
    }
    const huge = await init(owner.auth, { ...ok, size: 3 * 1024 * MiB });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: "file_too_large" });
    const notJson = await workerFetch("/api/v1/upload/init", {
      method: "POST",
      headers: { ...owner.auth, "Content-Type": "application/json" },
      body: "{nope",
    });
    expect(notJson.status).toBe(400);
  });

  it("refuses to import into a route the owner deleted", async () => {
    const { device, owner, dongle } = await ownedDevice();
    const route = newRouteName();
    await device.uploadFile(`${route}--0/qlog.zst`, new TextEncoder().encode("x"));
    await env.DB.prepare("UPDATE routes SET deleted_at = unixepoch() WHERE fullname = ?")
      .bind(`${dongle}|${route}`)
      .run();
    const res = await init(owner.auth, {
      dongle_id: dongle,
      path: `${route}--1/rlog.zst`,
      size: 10,
      sha256: "a".repeat(64),
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: "route_deleted" });
  });
});

describe("OpenAPI", () => {
  it("documents the import endpoints", async () => {
    const doc = (await (await workerFetch("/api/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths["/api/v1/upload/init"])).toEqual(["post"]);
    expect(doc.paths["/api/v1/upload/{upload_id}"]).toHaveProperty("get");
    expect(doc.paths["/api/v1/upload/{upload_id}/chunk"]).toHaveProperty("put");
    expect(doc.paths["/api/v1/upload/{upload_id}/chunk/{part}"]).toHaveProperty("put");
    expect(doc.paths["/api/v1/upload/{upload_id}/complete"]).toHaveProperty("post");
    expect(doc.paths["/api/v1/upload/{upload_id}/cancel"]).toHaveProperty("post");
  });
});

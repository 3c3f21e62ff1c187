import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { newRouteName, uploadOrder } from "./device-sim/route";
import { createUser, json, registeredDevice, workerFetch } from "./helpers";

const bytes = (text: string) => new TextEncoder().encode(text);

async function uploadUrl(device: Awaited<ReturnType<typeof registeredDevice>>, path: string) {
  return device.apiGet(`v1.4/${device.dongleId}/upload_url/`, { path });
}

describe("GET /v1.4/:dongle/upload_url/", () => {
  it.each([
    ["0000001a--c20ba54385--3/qlog.zst", "0000001a--c20ba54385/3/qlog.zst"],
    ["0000001a--c20ba54385--3/rlog.zst", "0000001a--c20ba54385/3/rlog.zst"],
    ["0000001a--c20ba54385--0/qcamera.ts", "0000001a--c20ba54385/0/qcamera.ts"],
    ["0000001a--c20ba54385--12/fcamera.hevc", "0000001a--c20ba54385/12/fcamera.hevc"],
    ["0000001a--c20ba54385--1/ecamera.hevc", "0000001a--c20ba54385/1/ecamera.hevc"],
    ["0000001a--c20ba54385--1/dcamera.hevc", "0000001a--c20ba54385/1/dcamera.hevc"],
    ["2024-05-01--10-00-00--3/qlog.bz2", "2024-05-01--10-00-00/3/qlog.bz2"],
    ["2023-11-01--08-09-13--0/rlog.bz2", "2023-11-01--08-09-13/0/rlog.bz2"],
    ["2023-11-01--08-09-13--0/qlog", "2023-11-01--08-09-13/0/qlog"],
    ["boot/0000002b--e4f1a09c7d.zst", "boot/0000002b--e4f1a09c7d.zst"],
    ["boot/2023-11-01--08-09-13.bz2", "boot/2023-11-01--08-09-13.bz2"],
    ["boot/0000002b--e4f1a09c7d", "boot/0000002b--e4f1a09c7d"],
    ["crash/2025-12-01--10-11-12_abcdef12_ui", "crash/2025-12-01--10-11-12_abcdef12_ui"],
  ])("accepts %s", async (path, suffix) => {
    const device = await registeredDevice();
    const res = await uploadUrl(device, path);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { url: string; headers: Record<string, string> };
    expect(typeof body.headers).toBe("object");
    const url = new URL(body.url);
    expect(url.pathname.endsWith(`/${device.dongleId}/${suffix}`)).toBe(true);
    expect(url.searchParams.get("sig")).toBeTruthy();
  });

  it.each([
    "../etc/passwd",
    "/data/media/0/realdata/x--0/qlog.zst",
    "0000001a--c20ba54385--3/../qlog.zst",
    "0000001a--c20ba54385--3/notes.txt",
    "0000001a--c20ba54385/qlog.zst",
    "boot/../../x",
    "boot/",
    "",
    "a/b/c",
    "0000001a--c20ba54385--3\\qlog.zst",
  ])("rejects %j with 400", async (path) => {
    const device = await registeredDevice();
    const res = await uploadUrl(device, path);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: expect.stringMatching(/^invalid_path$/) });
  });

  it("gives every file its own URL path (athenad dedupes by path without the query)", async () => {
    const device = await registeredDevice();
    const a = (await (await uploadUrl(device, "0000001a--c20ba54385--0/qlog.zst")).json()) as { url: string };
    const b = (await (await uploadUrl(device, "0000001a--c20ba54385--1/qlog.zst")).json()) as { url: string };
    expect(a.url.split("?")[0]).not.toBe(b.url.split("?")[0]);
  });

  it("answers 412 (skip for good) for a device that ignores uploads", async () => {
    const device = await registeredDevice();
    await env.DB.prepare("UPDATE devices SET ignore_uploads = 1 WHERE dongle_id = ?").bind(device.dongleId).run();
    const out = await device.uploadFile("0000001a--c20ba54385--0/qlog.zst", bytes("x"));
    expect(out).toEqual({ outcome: "ignored", status: 412 });
  });
});

describe("PUT to the signed upload URL", () => {
  it("stores the body in R2, books it in D1 and queues processing", async () => {
    const device = await registeredDevice();
    const route = newRouteName(7);
    const out = await device.uploadFile(`${route}--2/qlog.zst`, bytes("hello qlog"));
    expect(out.outcome).toBe("uploaded");
    expect(out.status).toBe(201);
    const key = `${device.dongleId}/${route}/2/qlog.zst`;
    const object = await env.MEDIA.get(key);
    expect(await object?.text()).toBe("hello qlog");
    const file = await env.DB.prepare("SELECT kind, size, segment, log_id FROM uploaded_files WHERE key = ?")
      .bind(key)
      .first();
    expect(file).toEqual({ kind: "qlog", size: 10, segment: 2, log_id: route });
    const routeRow = await env.DB.prepare("SELECT maxqlog FROM routes WHERE fullname = ?")
      .bind(`${device.dongleId}|${route}`)
      .first();
    expect(routeRow).toEqual({ maxqlog: 2 });
    // The real queue delivers the message to the consumer, which marks the file handled.
    await vi.waitFor(
      async () => {
        const state = await env.DB.prepare("SELECT state FROM uploaded_files WHERE key = ?")
          .bind(key)
          .first<{ state: string }>();
        expect(state?.state).not.toBe("pending");
      },
      { timeout: 10_000, interval: 200 },
    );
  });

  it("uploads a whole synthetic route in the uploader's order", async () => {
    const device = await registeredDevice();
    const route = newRouteName();
    for (const f of uploadOrder(route, 3)) expect((await device.uploadFile(f.key, f.data)).outcome).toBe("uploaded");
    const listed = await env.MEDIA.list({ prefix: `${device.dongleId}/${route}/` });
    expect(listed.objects.map((o) => o.key).sort()).toEqual(
      [0, 1, 2]
        .flatMap((s) => [`${device.dongleId}/${route}/${s}/qcamera.ts`, `${device.dongleId}/${route}/${s}/qlog.zst`])
        .sort(),
    );
  });

  it("answers 400, never 401/403/412, for a tampered or expired signature", async () => {
    const device = await registeredDevice();
    const { url } = (await (await uploadUrl(device, "0000001a--c20ba54385--0/qlog.zst")).json()) as { url: string };
    const tampered = new URL(url);
    tampered.pathname = tampered.pathname.replace("/0/qlog.zst", "/1/qlog.zst");
    const put = (u: string) =>
      workerFetch(u, { method: "PUT", body: bytes("data"), headers: { "Content-Length": "4" } });
    const t = await put(tampered.toString());
    expect(t.status).toBe(400);
    expect(await t.json()).toMatchObject({ error: "invalid_signature" });

    const badSig = new URL(url);
    badSig.searchParams.set("sig", "AAAA" + badSig.searchParams.get("sig")!.slice(4));
    expect((await put(badSig.toString())).status).toBe(400);

    const noSig = new URL(url);
    noSig.search = "";
    expect((await put(noSig.toString())).status).toBe(400);

    // An expired URL: sign one in the past through a batch request with the server's own signer.
    const user = await createUser();
    expect(user.role).toBeTruthy();
    const expired = new URL(url);
    expired.searchParams.set("exp", String(Math.floor(Date.now() / 1000) - 10));
    const e = await put(expired.toString());
    expect(e.status).toBe(400); // exp is covered by the signature: changing it invalidates it
    expect(await env.MEDIA.head(`${device.dongleId}/0000001a--c20ba54385/1/qlog.zst`)).toBeNull();
  });

  it("reports an expired (correctly signed) URL as expired_signature", async () => {
    const { signPath } = await import("../worker/protocol/signed-url");
    const device = await registeredDevice();
    const path = `/upload/v1/${device.dongleId}/0000001a--c20ba54385/0/qlog.zst`;
    const { exp, sig } = await signPath(env.URL_SIGNING_SECRET, "upload", path, -5);
    const res = await workerFetch(`${path}?exp=${exp}&sig=${sig}`, { method: "PUT", body: bytes("data") });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "expired_signature" });
  });

  it("is idempotent: the same file twice leaves one object, one row and one processing run", async () => {
    const device = await registeredDevice();
    const key = "0000001a--c20ba54385--0/qcamera.ts";
    expect((await device.uploadFile(key, bytes("same bytes"))).outcome).toBe("uploaded");
    expect((await device.uploadFile(key, bytes("same bytes"))).outcome).toBe("uploaded");
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM uploaded_files WHERE dongle_id = ?")
      .bind(device.dongleId)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
    const segs = await env.DB.prepare("SELECT count(*) AS n FROM segments WHERE dongle_id = ?")
      .bind(device.dongleId)
      .first<{ n: number }>();
    expect(segs?.n).toBe(1);
  });

  it("leaves no object behind when the body is shorter than Content-Length", async () => {
    const device = await registeredDevice();
    const { url } = (await (await uploadUrl(device, "0000001a--c20ba54385--4/qlog.zst")).json()) as { url: string };
    const { readable, writable } = new TransformStream();
    const writer = writable.getWriter();
    writer.write(bytes("only part of it")).catch(() => undefined);
    writer.abort(new Error("connection dropped")).catch(() => undefined);
    const res = await workerFetch(url, {
      method: "PUT",
      body: readable,
      headers: { "Content-Length": "1000" },
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(400);
    expect(await env.MEDIA.head(`${device.dongleId}/0000001a--c20ba54385/4/qlog.zst`)).toBeNull();
    const row = await env.DB.prepare("SELECT count(*) AS n FROM uploaded_files WHERE dongle_id = ?")
      .bind(device.dongleId)
      .first<{ n: number }>();
    expect(row?.n).toBe(0);
  });

  it("refuses uploads for a route the owner deleted with 412", async () => {
    const device = await registeredDevice();
    const route = newRouteName();
    await device.uploadFile(`${route}--0/qlog.zst`, bytes("x"));
    await env.DB.prepare("UPDATE routes SET deleted_at = unixepoch() WHERE fullname = ?")
      .bind(`${device.dongleId}|${route}`)
      .run();
    expect((await device.uploadFile(`${route}--1/qlog.zst`, bytes("y"))).status).toBe(412);
  });
});

describe("POST /v1/:dongle/upload_urls/ (batch for web apps)", () => {
  it("signs URLs valid for at least 7 days for the owner", async () => {
    const device = await registeredDevice();
    const user = await createUser();
    const pair = await workerFetch("/v2/pilotpair/", {
      method: "POST",
      headers: user.auth,
      body: new URLSearchParams({ pair_token: await device.pairToken() }),
    });
    expect(pair.status).toBe(200);
    const res = await workerFetch(
      `/v1/${device.dongleId}/upload_urls/`,
      json(
        { expiry_days: 7, paths: ["0000001a--c20ba54385--0/rlog.zst", "0000001a--c20ba54385--0/fcamera.hevc"] },
        { method: "POST", headers: user.auth },
      ),
    );
    expect(res.status).toBe(200);
    const items = (await res.json()) as { url: string; headers: object }[];
    expect(items).toHaveLength(2);
    const exp = Number(new URL(items[0].url).searchParams.get("exp"));
    expect(exp - Date.now() / 1000).toBeGreaterThan(7 * 86400 - 60);
    expect(new URL(items[1].url).pathname).toMatch(
      new RegExp(`/${device.dongleId}/0000001a--c20ba54385/0/fcamera.hevc$`),
    );
    // The device can use them as athena's upload threads would.
    expect((await device.put(items[0].url, items[0].headers as Record<string, string>, bytes("rlog"))).status).toBe(
      201,
    );
  });

  it("refuses strangers and bad input", async () => {
    const device = await registeredDevice();
    const stranger = await createUser();
    const res = await workerFetch(
      `/v1/${device.dongleId}/upload_urls/`,
      json({ paths: [] }, { method: "POST", headers: stranger.auth }),
    );
    expect(res.status).toBe(404);
    const owner = await createUser();
    await workerFetch("/v2/pilotpair/", {
      method: "POST",
      headers: owner.auth,
      body: new URLSearchParams({ pair_token: await device.pairToken() }),
    });
    const bad = await workerFetch(`/v1/${device.dongleId}/upload_urls/`, {
      method: "POST",
      headers: { ...owner.auth, "Content-Type": "application/json" },
      body: "{nope",
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_json" });
    const traversal = await workerFetch(
      `/v1/${device.dongleId}/upload_urls/`,
      json({ paths: ["../x"] }, { method: "POST", headers: owner.auth }),
    );
    expect(traversal.status).toBe(400);
  });
});

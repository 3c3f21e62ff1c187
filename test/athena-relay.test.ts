import { env } from "cloudflare:workers";
import { evictDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  adminFirst,
  callsReceived,
  connectedDevice,
  pairedOwner,
  relay,
  share,
  stubFor,
  waitFor,
} from "./athena-helpers";
import { createUser, json, registeredDevice, workerFetch, type TestUser } from "./helpers";

let admin: TestUser;
beforeAll(async () => {
  admin = await adminFirst();
});

const ROUTE = "0000002a--0123456789";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("relay: POST /:dongle and /api/v1/devices/:dongle/athena", () => {
  it("forwards only jsonrpc/method/params/id and returns the device's reply with the caller's id", async () => {
    const { sim, device, dongle } = await connectedDevice();
    const owner = await pairedOwner(device);
    const res = await relay(dongle, owner.auth, {
      jsonrpc: "2.0",
      method: "getVersion",
      id: 0,
      expiry: 4_102_444_800,
      extra: true,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("application/json");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      jsonrpc: "2.0",
      id: 0,
      result: {
        version: "0.10.3",
        remote: "github.com/commaai/openpilot",
        branch: "release3",
        commit: expect.any(String),
      },
    });
    const [frame] = callsReceived(sim, "getVersion");
    expect(Object.keys(frame).sort()).toEqual(["id", "jsonrpc", "method"]);
    expect(frame.id).not.toBe(0);

    const viaApi = await relay(
      dongle,
      owner.auth,
      { jsonrpc: "2.0", method: "echo", params: ["hi"], id: "x" },
      { path: `/api/v1/devices/${dongle}/athena` },
    );
    expect(await viaApi.json()).toEqual({ jsonrpc: "2.0", id: "x", result: "hi" });
  });

  it("rewrites ids: concurrent callers all sending id 0 get their own replies, even out of order", async () => {
    const gates = new Map<string, ReturnType<typeof deferred>>();
    const { sim, device, dongle } = await connectedDevice({
      gate: (call) => {
        if (call.method !== "echo") return;
        const s = (call.params as { s: string }).s;
        const d = deferred();
        gates.set(s, d);
        return d.promise;
      },
    });
    const owner = await pairedOwner(device);
    const n = 6;
    const calls = Array.from({ length: n }, (_, i) =>
      relay(dongle, owner.auth, { jsonrpc: "2.0", method: "echo", params: { s: `call-${i}` }, id: 0 }),
    );
    await waitFor(() => expect(gates.size).toBe(n));
    // The device answers in reverse order.
    for (let i = n - 1; i >= 0; i--) gates.get(`call-${i}`)!.resolve();
    const replies = await Promise.all(
      calls.map(async (p) => (await p).json() as Promise<{ id: number; result: string }>),
    );
    expect(replies.map((r) => r.result)).toEqual(Array.from({ length: n }, (_, i) => `call-${i}`));
    expect(replies.every((r) => r.id === 0)).toBe(true);
    const wireIds = callsReceived(sim, "echo").map((c) => c.id);
    expect(new Set(wireIds).size).toBe(n);
  });

  it("passes a multi-megabyte takeSnapshot reply through intact", async () => {
    const { sim, device, dongle } = await connectedDevice({ snapshotBytes: 3_000_000 });
    const owner = await pairedOwner(device);
    const res = await relay(dongle, owner.auth, { jsonrpc: "2.0", method: "takeSnapshot", id: 1 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { jpegBack: string; jpegFront: null } };
    const expected = JSON.parse(sim.sent.find((t) => t.includes("jpegBack"))!).result.jpegBack as string;
    expect(body.result.jpegBack.length).toBe(4_000_000);
    expect(body.result.jpegBack).toBe(expected);
    expect(body.result.jpegFront).toBeNull();
  });

  it("answers a timeout as a JSON-RPC error on 200 on comma's path, leaves no timer behind, ignores the late reply", async () => {
    const hold = deferred();
    const { device, dongle } = await connectedDevice({
      gate: (call) => (call.method === "listDataDirectory" ? hold.promise : undefined),
    });
    const owner = await pairedOwner(device);
    const started = Date.now();
    const res = await relay(
      dongle,
      owner.auth,
      { jsonrpc: "2.0", method: "listDataDirectory", params: { prefix: "" }, id: 9 },
      { query: "timeout=1" },
    );
    // comma's apps throw on any non-2xx answer; a device that does not answer is answered like a device error.
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      jsonrpc: "2.0",
      id: 9,
      error: { code: -32002, message: "Timed out waiting for the device to reply", data: { error: "device_timeout" } },
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    // Our API keeps the HTTP status.
    const viaApi = await relay(
      dongle,
      owner.auth,
      { jsonrpc: "2.0", method: "listDataDirectory", params: { prefix: "" }, id: 11 },
      { path: `/api/v1/devices/${dongle}/athena`, query: "timeout=1" },
    );
    expect(viaApi.status).toBe(504);
    const err = (await viaApi.json()) as { error: string; message: string };
    expect(err.error).toBe("device_timeout");
    expect(err.message).toContain("Timed out");
    // A pending setTimeout would keep the object from being evicted (this call would hang).
    await evictDurableObject(stubFor(dongle));
    hold.resolve(); // the late replies arrive after the callers gave up
    const again = await relay(dongle, owner.auth, {
      jsonrpc: "2.0",
      method: "listDataDirectory",
      params: { prefix: `${ROUTE}--1/q` },
      id: 10,
    });
    expect(await again.json()).toEqual({
      jsonrpc: "2.0",
      id: 10,
      result: [`${ROUTE}--1/qcamera.ts`, `${ROUTE}--1/qlog.zst`],
    });
  });

  it("an offline device without expiry: a JSON-RPC error on 200 on POST /:dongle, 404 on our API", async () => {
    const device = await registeredDevice();
    const owner = await pairedOwner(device);
    // new-connect's setRouteViewed as it sends it (id 0, no expiry).
    const call = { id: 0, jsonrpc: "2.0", method: "setRouteViewed", params: { route: "000000dd--455f14369d" } };
    const res = await relay(device.dongleId!, owner.auth, call);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("application/json");
    expect(await res.json()).toEqual({
      jsonrpc: "2.0",
      id: 0,
      error: { code: -32001, message: "Device not registered", data: { error: "device_offline" } },
    });
    const stringId = await relay(device.dongleId!, owner.auth, { ...call, id: "5d6e" });
    expect(((await stringId.json()) as { id: unknown }).id).toBe("5d6e");

    const viaApi = await relay(device.dongleId!, owner.auth, call, {
      path: `/api/v1/devices/${device.dongleId}/athena`,
    });
    expect(viaApi.status).toBe(404);
    expect(await viaApi.json()).toEqual({ error: "device_offline", message: "Device not connected" });
    // Permission and shape errors stay HTTP errors on both paths: they are the caller's fault, not the device's.
    const stranger = await createUser();
    expect((await relay(device.dongleId!, stranger.auth, call)).status).toBe(404);
    expect((await relay(device.dongleId!, owner.auth, { jsonrpc: "2.0", id: 1 })).status).toBe(400);
  });

  it("validates the body, and POST /:dongle matches only 16-hex dongle ids", async () => {
    const { device, dongle } = await connectedDevice();
    const owner = await pairedOwner(device);
    const bad = await relay(dongle, owner.auth, { jsonrpc: "2.0", params: [], id: 1 });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_jsonrpc" });
    const badId = await relay(dongle, owner.auth, { jsonrpc: "2.0", method: "echo", id: { x: 1 } });
    expect(badId.status).toBe(400);
    const notDongle = await workerFetch(
      "/not-a-dongle-id",
      json({ method: "echo", id: 1 }, { method: "POST", headers: owner.auth }),
    );
    expect(notDongle.status).toBe(404);
    expect(await notDongle.json()).toMatchObject({ error: "not_found" });
    // Other POST routes are not shadowed.
    const other = await registeredDevice();
    expect(other.dongleId).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("relay permissions", () => {
  it("owner and admin may call anything; shared write may call write methods; shared read only read-only ones", async () => {
    const { device, dongle } = await connectedDevice();
    const owner = await pairedOwner(device);
    const writer = await createUser();
    const reader = await createUser();
    const stranger = await createUser();
    await share(dongle, writer, "write");
    await share(dongle, reader, "read");
    const call = (who: { auth: Record<string, string> } | null, method: string, params: unknown = {}) =>
      relay(dongle, who?.auth ?? {}, { jsonrpc: "2.0", method, params, id: 1 }).then((r) => r.status);
    const cancel = { upload_id: "nope" };

    expect(await call(owner, "cancelUpload", cancel)).toBe(200);
    expect(await call(admin, "cancelUpload", cancel)).toBe(200);
    expect(await call(writer, "cancelUpload", cancel)).toBe(200);
    expect(await call(reader, "getVersion")).toBe(200);
    expect(await call(reader, "listUploadQueue")).toBe(200);
    expect(await call(reader, "cancelUpload", cancel)).toBe(403);
    expect(await call(reader, "uploadFilesToUrls", { files_data: [] })).toBe(403);
    expect(await call(stranger, "getVersion")).toBe(404);
    expect(await call(null, "getVersion")).toBe(401);
    // startLocalProxy hands the device's JWT to a caller-chosen URL: owners only.
    expect(await call(writer, "startLocalProxy", { remote_ws_uri: "wss://x", local_port: 22 })).toBe(403);
    // A viewer account never gets more than read, whatever the share says.
    await env.DB.prepare("UPDATE users SET role = 'viewer' WHERE id = ?").bind(writer.id).run();
    expect(await call(writer, "cancelUpload", cancel)).toBe(403);
    expect(await call(writer, "echo", { s: "x" })).toBe(200);
  });

  it("refuses a device token on the relay", async () => {
    const { device, dongle } = await connectedDevice();
    const res = await relay(
      dongle,
      { Authorization: `JWT ${await device.token()}` },
      { jsonrpc: "2.0", method: "echo", params: ["x"], id: 1 },
    );
    expect(res.status).toBe(403);
  });
});

describe("on-demand uploads through athena", () => {
  async function uploadUrls(dongle: string, owner: TestUser, paths: string[]) {
    const res = await workerFetch(
      `/v1/${dongle}/upload_urls/`,
      json({ paths, expiry_days: 7 }, { method: "POST", headers: owner.auth }),
    );
    return (await res.json()) as { url: string; headers: Record<string, string> }[];
  }

  it("uploadFilesToUrls makes the device PUT the files through their signed URLs into R2", async () => {
    const { sim, device, dongle } = await connectedDevice();
    const owner = await pairedOwner(device);
    const paths = [`${ROUTE}--0/rlog.zst`, `${ROUTE}--1/fcamera.hevc`];
    const urls = await uploadUrls(dongle, owner, paths);
    const files_data = paths.map((fn, i) => ({
      fn,
      url: urls[i].url,
      headers: urls[i].headers,
      allow_cellular: false,
      priority: 1,
    }));
    const res = await relay(dongle, owner.auth, {
      jsonrpc: "2.0",
      method: "uploadFilesToUrls",
      params: { files_data },
      id: 0,
    });
    const body = (await res.json()) as { result: { enqueued: number; items: { id: string; path: string }[] } };
    expect(body.result.enqueued).toBe(2);
    expect(body.result.items[0].path).toBe(`/data/media/0/realdata/${paths[0]}`);
    await sim.pumpUploads();
    expect(sim.uploads.done.map((d) => d.status)).toEqual([201, 201]);
    const stored = await env.MEDIA.get(`${dongle}/${ROUTE}/1/fcamera.hevc`);
    expect(await stored?.text()).toBe(`fcamera.hevc of ${ROUTE}--1`);
  });

  it("listUploadQueue shows queued items and cancelUpload removes them", async () => {
    const { device, dongle } = await connectedDevice({ autoUpload: false });
    const owner = await pairedOwner(device);
    const paths = [`${ROUTE}--0/qcamera.ts`, `${ROUTE}--1/qcamera.ts`];
    const urls = await uploadUrls(dongle, owner, paths);
    const files_data = paths.map((fn, i) => ({ fn, url: urls[i].url, headers: urls[i].headers }));
    await relay(dongle, owner.auth, { jsonrpc: "2.0", method: "uploadFilesToUrls", params: [files_data], id: 0 });
    const rpc = async (method: string, params?: unknown) =>
      (
        (await (await relay(dongle, owner.auth, { jsonrpc: "2.0", method, params, id: 0 })).json()) as {
          result: unknown;
        }
      ).result;
    const queued = (await rpc("listUploadQueue")) as { id: string; url: string }[];
    expect(queued.map((q) => q.url)).toEqual(urls.map((u) => u.url));
    expect(await rpc("cancelUpload", { upload_id: queued[0].id })).toEqual({ success: 1 });
    expect(await rpc("cancelUpload", { upload_id: queued[0].id })).toEqual({ success: 0, error: "not found" });
    expect(((await rpc("listUploadQueue")) as unknown[]).length).toBe(1);
  });
});

/** Resumable chunked imports (/api/v1/upload/*) against real R2 multipart uploads, D1 and the upload queue. */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { toHex } from "../worker/lib/encoding";
import { MAX_CHUNK_SIZE, MAX_PARTS, MIN_PART_SIZE, planChunks } from "../worker/services/import-plan";
import { runScheduled } from "../worker/services/maintenance";
import { newRouteName } from "./device-sim/route";
import { createUser, json, registeredDevice, workerFetch, type TestUser } from "./helpers";

const MiB = 1024 * 1024;
type Auth = Record<string, string>;

interface Session {
  upload_id: string;
  key: string;
  size: number;
  sha256: string;
  chunk_size: number;
  chunk_count: number;
  state: string;
  expires_at: number;
  received: number[];
}

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

const sha256 = async (data: Uint8Array) => toHex(await crypto.subtle.digest("SHA-256", data));
const partOf = (data: Uint8Array, chunk: number, n: number) =>
  data.slice((n - 1) * chunk, Math.min(data.length, n * chunk));

async function ownedDevice() {
  const device = await registeredDevice();
  const owner = await createUser();
  const res = await workerFetch("/v2/pilotpair/", {
    method: "POST",
    headers: owner.auth,
    body: new URLSearchParams({ pair_token: await device.pairToken() }),
  });
  expect(res.status).toBe(200);
  return { device, owner, dongle: device.dongleId! };
}

async function share(dongle: string, user: TestUser, permission: "read" | "write") {
  await env.DB.prepare("INSERT INTO device_users (dongle_id, user_id, permission) VALUES (?, ?, ?)")
    .bind(dongle, user.id, permission)
    .run();
}

const init = (auth: Auth, body: Record<string, unknown>) =>
  workerFetch("/api/v1/upload/init", json(body, { method: "POST", headers: auth }));

async function started(auth: Auth, body: Record<string, unknown>): Promise<Session> {
  const res = await init(auth, body);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

function putPart(
  auth: Auth,
  id: string,
  part: number,
  bytes: Uint8Array,
  headers: Record<string, string> = {},
  alias = false,
) {
  const url = alias ? `/api/v1/upload/${id}/chunk/${part}` : `/api/v1/upload/${id}/chunk?part=${part}`;
  return workerFetch(url, {
    method: "PUT",
    body: bytes,
    headers: {
      ...auth,
      "Content-Type": "application/octet-stream",
      "Content-Length": String(bytes.byteLength),
      ...headers,
    },
  });
}

const post = (auth: Auth, id: string, action: "complete" | "cancel") =>
  workerFetch(`/api/v1/upload/${id}/${action}`, { method: "POST", headers: auth });
const status = (auth: Auth, id: string) => workerFetch(`/api/v1/upload/${id}`, { headers: auth });

async function sendAll(auth: Auth, s: Session, data: Uint8Array, order?: number[]) {
  for (const n of order ?? Array.from({ length: s.chunk_count }, (_, i) => i + 1)) {
    const res = await putPart(auth, s.upload_id, n, partOf(data, s.chunk_size, n));
    expect(res.status, await res.clone().text()).toBe(200);
  }
}

const fileRow = (key: string) =>
  env.DB.prepare("SELECT kind, size, segment, log_id, state, fail_reason FROM uploaded_files WHERE key = ?")
    .bind(key)
    .first<{
      kind: string;
      size: number;
      segment: number;
      log_id: string;
      state: string;
      fail_reason: string | null;
    }>();

async function settled(key: string) {
  return vi.waitFor(
    async () => {
      const row = await fileRow(key);
      expect(row?.state).toBeDefined();
      expect(row?.state).not.toBe("pending");
      return row!;
    },
    { timeout: 20_000, interval: 200 },
  );
}

const stagedKeys = async () => (await env.MEDIA.list({ prefix: "imports/" })).objects.map((o) => o.key);

beforeAll(async () => {
  // The first account of a server is its admin, who may act on every device: make it now, so the users
  // created below are ordinary ones and the permission checks mean something.
  const admin = await createUser();
  expect(admin.role).toBe("admin");
});

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

describe("resume", () => {
  it("init again returns the same upload and its received parts; a re-sent part replaces the old one", async () => {
    const { owner, dongle } = await ownedDevice();
    const data = randomBytes(2 * 5 * MiB + 4096);
    const body = {
      dongle_id: dongle,
      path: "0000001a--c20ba54385--7/rlog.zst",
      size: data.length,
      sha256: await sha256(data),
      chunk_size: 5 * MiB,
    };
    const first = await started(owner.auth, body);
    // Part 1 arrives corrupted (right length, wrong bytes), then the connection drops.
    const garbage = randomBytes(5 * MiB);
    expect((await putPart(owner.auth, first.upload_id, 1, garbage)).status).toBe(200);

    const resumed = await started(owner.auth, { ...body, chunk_size: 8 * MiB });
    expect(resumed.upload_id).toBe(first.upload_id);
    expect(resumed).toMatchObject({ received: [1], chunk_size: 5 * MiB, chunk_count: 3 });
    expect(await (await status(owner.auth, first.upload_id)).json()).toMatchObject({ received: [1], state: "open" });

    // The client re-sends part 1 properly, then the rest; completing proves the replacement took.
    const res = await putPart(owner.auth, first.upload_id, 1, partOf(data, 5 * MiB, 1));
    expect(await res.json()).toEqual({ part: 1, size: 5 * MiB, received: [1] });
    await sendAll(owner.auth, resumed, data, [2, 3]);
    const done = await post(owner.auth, first.upload_id, "complete");
    expect(done.status, await done.clone().text()).toBe(200);
    expect(await sha256(new Uint8Array(await (await env.MEDIA.get(resumed.key))!.arrayBuffer()))).toBe(body.sha256);

    // Once completed, the same init starts a fresh upload rather than reopening the finished one.
    const fresh = await started(owner.auth, body);
    expect(fresh.upload_id).not.toBe(first.upload_id);
    expect(fresh.received).toEqual([]);
  });

  it("a chunk cut off mid-body is refused and not booked", async () => {
    const { owner, dongle } = await ownedDevice();
    const data = randomBytes(5 * MiB + 10);
    const s = await started(owner.auth, {
      dongle_id: dongle,
      path: "0000001a--c20ba54385--1/rlog.zst",
      size: data.length,
      sha256: await sha256(data),
      chunk_size: 5 * MiB,
    });
    const { readable, writable } = new TransformStream();
    const writer = writable.getWriter();
    writer.write(data.slice(0, 1 * MiB)).catch(() => undefined);
    writer.abort(new Error("connection dropped")).catch(() => undefined);
    const res = await workerFetch(`/api/v1/upload/${s.upload_id}/chunk?part=1`, {
      method: "PUT",
      body: readable,
      headers: { ...owner.auth, "Content-Length": String(5 * MiB) },
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "incomplete_chunk" });
    expect(await (await status(owner.auth, s.upload_id)).json()).toMatchObject({ received: [] });
  });
});

describe("chunk checks", () => {
  it("answers 400 for a chunk of the wrong size or a part out of range, before storing anything", async () => {
    const { owner, dongle } = await ownedDevice();
    const data = randomBytes(2 * 5 * MiB + 100);
    const s = await started(owner.auth, {
      dongle_id: dongle,
      path: "0000001a--c20ba54385--2/rlog.zst",
      size: data.length,
      sha256: await sha256(data),
      chunk_size: 5 * MiB,
    });
    const short = await putPart(owner.auth, s.upload_id, 1, data.slice(0, 5 * MiB - 1));
    expect(short.status).toBe(400);
    expect(await short.json()).toMatchObject({ error: "chunk_size_mismatch" });
    // The last part must be exactly the rest, not a full chunk.
    const long = await putPart(owner.auth, s.upload_id, 3, data.slice(0, 5 * MiB));
    expect(long.status).toBe(400);
    expect(await long.json()).toMatchObject({ error: "chunk_size_mismatch" });
    const beyond = await putPart(owner.auth, s.upload_id, 4, data.slice(0, 100));
    expect(beyond.status).toBe(400);
    expect(await beyond.json()).toMatchObject({ error: "invalid_part" });
    for (const q of ["part=0", "part=abc", ""]) {
      const res = await workerFetch(`/api/v1/upload/${s.upload_id}/chunk?${q}`, {
        method: "PUT",
        body: "x",
        headers: owner.auth,
      });
      expect(res.status, q).toBe(400);
    }
    expect(await (await status(owner.auth, s.upload_id)).json()).toMatchObject({ received: [] });
  });

  it("checks an optional per-part SHA-256 (X-Content-SHA256 or RFC 9530 Content-Digest)", async () => {
    const { owner, dongle } = await ownedDevice();
    const data = randomBytes(5 * MiB + 77);
    const s = await started(owner.auth, {
      dongle_id: dongle,
      path: "0000001a--c20ba54385--5/rlog.zst",
      size: data.length,
      sha256: await sha256(data),
      chunk_size: 5 * MiB,
    });
    const p1 = partOf(data, 5 * MiB, 1);
    const p2 = partOf(data, 5 * MiB, 2);
    const good = await putPart(owner.auth, s.upload_id, 1, p1, { "X-Content-SHA256": await sha256(p1) });
    expect(good.status).toBe(200);
    // A part whose bytes do not match the declared digest is not booked, and drops the earlier good copy of it.
    const bad = await putPart(owner.auth, s.upload_id, 1, p1, { "X-Content-SHA256": await sha256(p2) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "chunk_checksum_mismatch" });
    expect(await (await status(owner.auth, s.upload_id)).json()).toMatchObject({ received: [] });
    const malformed = await putPart(owner.auth, s.upload_id, 1, p1, { "X-Content-SHA256": "nothex" });
    expect(await malformed.json()).toMatchObject({ error: "invalid_digest" });

    const b64 = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("SHA-256", p2))));
    expect((await putPart(owner.auth, s.upload_id, 2, p2, { "Content-Digest": `sha-256=:${b64}:` })).status).toBe(200);
    expect((await putPart(owner.auth, s.upload_id, 1, p1, { "Content-Digest": `sha-256=:${b64}:` })).status).toBe(400);
    expect((await putPart(owner.auth, s.upload_id, 1, p1)).status).toBe(200);
    expect((await post(owner.auth, s.upload_id, "complete")).status).toBe(200);
  });
});

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
    await runScheduled({} as ScheduledController, env);
    const left = await env.DB.prepare("SELECT count(*) AS n FROM import_uploads WHERE id IN (?, ?)")
      .bind(a.upload_id, b.upload_id)
      .first();
    expect(left).toEqual({ n: 0 });
    expect(await partRows(b.upload_id)).toBe(0);
    await r2Refuses(b.upload_id, r2_upload_id);
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

/** Imports survive interruptions: re-initialising resumes, re-sent parts replace old ones, and bad chunks are refused before anything is stored. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { workerFetch } from "../helpers";
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

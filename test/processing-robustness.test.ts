/**
 * Processing robustness: corrupt files, out-of-order arrival, redelivery, batch isolation, retries and the
 * dead-letter queue. Uploads go through the real device path and Queue; redelivery/retry cases call the Worker's
 * queue handler directly with the same message body the upload produced (cloudflare:test createMessageBatch).
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../worker";
import type { UploadedFileMessage, UploadQueueMessage } from "../worker/protocol/queue-messages";
import { retryDelaySeconds } from "../worker/queue/upload-consumer";
import {
  aggregateRows,
  readProcessedSegments,
  writeRouteAggregate,
} from "../worker/services/processing/route-aggregate";
import { derivedKey } from "../worker/services/drives/views";
import { newRouteName } from "./device-sim/route";
import { qcameraTs } from "./fixtures/log-fixtures.generated";
import {
  corruptZstd,
  keyOf,
  qlogZst,
  r2Json,
  routeFields,
  routeRow,
  segmentRows,
  simDevice,
  type SimDevice,
  uploadAndSettle,
} from "./processing-helpers";

const QUEUE = "edge-connect-uploads";

function messageFor(device: SimDevice, path: string, size: number): UploadedFileMessage {
  const key = keyOf(device, path);
  const [, logId, seg, fileName] = key.split("/");
  const kind = fileName.startsWith("qlog") ? "qlog" : fileName === "qcamera.ts" ? "qcamera" : "rlog";
  return { type: "file", key, dongleId: device.dongleId, logId, segment: Number(seg), kind, fileName, size };
}

async function deliver(bodies: unknown[], queue = QUEUE, attempts = 1) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: Date.now(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<UploadQueueMessage>, env, ctx);
  return getQueueResult(batch, ctx);
}

/** Everything processing writes for a route: R2 objects (key + etag) and the D1 rows. */
async function snapshot(device: SimDevice, route: string) {
  const objects = (await env.MEDIA.list({ prefix: `${device.dongleId}/${route}/` })).objects
    .map((o) => `${o.key} ${o.etag}`)
    .sort();
  const q = (sql: string) =>
    env.DB.prepare(sql)
      .bind(device.dongleId)
      .all()
      .then((r) => r.results);
  return {
    objects,
    route: routeFields(await routeRow(device.dongleId, route)),
    segments: await q(
      "SELECT number, state, fail_reason, start_time_ms, end_time_ms, qcamera_duration FROM segments WHERE dongle_id = ? ORDER BY number",
    ),
    files: await q("SELECT key, state, fail_reason, size FROM uploaded_files WHERE dongle_id = ? ORDER BY key"),
    metas: await q("SELECT number, etag, meta FROM segment_qlogs WHERE dongle_id = ? ORDER BY number"),
    counts: await q(
      "SELECT (SELECT count(*) FROM segments WHERE dongle_id = ?1) AS segments, (SELECT count(*) FROM routes WHERE dongle_id = ?1) AS routes",
    ),
  };
}

describe("a corrupt file", () => {
  it("fails its segment with a readable reason while the other segments are processed", async () => {
    const device = await simDevice();
    const route = newRouteName();
    const rows = await uploadAndSettle(device, [
      [`${route}--0/qlog.zst`, qlogZst(0)],
      [`${route}--1/qlog.zst`, corruptZstd()],
      [`${route}--2/qlog.zst`, qlogZst(2)],
    ]);
    expect(rows.map((r) => r.state)).toEqual(["done", "failed", "done"]);
    expect(rows[1].fail_reason).toMatch(/^corrupt-zstd: /);
    const segs = await segmentRows(device.dongleId, route);
    expect(segs.map((s) => s.state)).toEqual(["done", "failed", "done"]);
    expect(segs[1].fail_reason).toMatch(/^qlog\.zst: corrupt-zstd: /);
    expect(await env.MEDIA.head(derivedKey(device.dongleId, route, 1, "coords.json"))).toBeNull();
    // The route is aggregated from the good segments only.
    const c = await Promise.all(
      [0, 2].map(
        async (n) => (await r2Json(derivedKey(device.dongleId, route, n, "coords.json"))) as { dist: number }[],
      ),
    );
    const r = await routeRow(device.dongleId, route);
    expect(r).toMatchObject({ maxqlog: 2, procqlog: 2 });
    expect(r!.distance_miles).toBeCloseTo(c[0][c[0].length - 1].dist + c[1][c[1].length - 1].dist, 6);

    // Re-uploading a good qlog heals the segment; a bad one replacing it removes what it had derived.
    await uploadAndSettle(device, [[`${route}--1/qlog.zst`, qlogZst(1)]]);
    expect((await segmentRows(device.dongleId, route)).map((s) => s.state)).toEqual(["done", "done", "done"]);
    const healed = await routeRow(device.dongleId, route);
    expect(healed!.distance_miles).toBeGreaterThan(r!.distance_miles as number);
    await uploadAndSettle(device, [[`${route}--1/qlog.zst`, corruptZstd()]]);
    expect(await env.MEDIA.head(derivedKey(device.dongleId, route, 1, "events.json"))).toBeNull();
    expect(routeFields(await routeRow(device.dongleId, route))).toEqual(routeFields(r));
  });

  it("never blocks the rest of its batch (and malformed messages are dropped, not retried)", async () => {
    const device = await simDevice();
    const route = newRouteName();
    const bad = corruptZstd(),
      good = qlogZst(0);
    await uploadAndSettle(device, [
      [`${route}--1/qlog.zst`, bad],
      [`${route}--0/qlog.zst`, good],
    ]);
    await env.DB.prepare("UPDATE uploaded_files SET state = 'pending' WHERE dongle_id = ?").bind(device.dongleId).run();
    const result = await deliver([
      messageFor(device, `${route}--1/qlog.zst`, bad.length),
      { type: "nonsense" },
      messageFor(device, `${route}--0/qlog.zst`, good.length),
    ]);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
    expect((await segmentRows(device.dongleId, route)).map((s) => s.state)).toEqual(["done", "failed"]);
  });
});

describe("arrival order", () => {
  it("gives the same route whether files arrive in order or not (qcamera before qlog, segment 2 before 0)", async () => {
    const device = await simDevice();
    const inOrder = newRouteName(),
      shuffled = newRouteName();
    const files = (route: string, n: number): [string, Uint8Array][] => [
      [`${route}--${n}/qlog.zst`, qlogZst(n)],
      [`${route}--${n}/qcamera.ts`, qcameraTs],
    ];
    await uploadAndSettle(
      device,
      [0, 1, 2].flatMap((n) => files(inOrder, n)),
    );
    // One file at a time so the consumer really sees them in this order.
    for (const [path, data] of [2, 0, 1].flatMap((n) => files(shuffled, n).reverse()))
      await uploadAndSettle(device, [[path, data]]);

    const a = await routeRow(device.dongleId, inOrder),
      b = await routeRow(device.dongleId, shuffled);
    expect(a!.procqlog).toBe(2);
    expect(routeFields(b)).toEqual(routeFields(a));
    expect(await segmentRows(device.dongleId, shuffled)).toEqual(await segmentRows(device.dongleId, inOrder));
    for (const n of [0, 1, 2]) {
      for (const f of ["coords.json", "events.json"] as const) {
        expect(await r2Json(derivedKey(device.dongleId, shuffled, n, f))).toEqual(
          await r2Json(derivedKey(device.dongleId, inOrder, n, f)),
        );
      }
    }
  });
});

describe("concurrent consumers", () => {
  it("never lets a stale route aggregate overwrite a newer one", async () => {
    const device = await simDevice();
    const reference = newRouteName(),
      route = newRouteName();
    const q = [0, 1, 2].map((n) => qlogZst(n));
    await uploadAndSettle(
      device,
      q.map((b, n) => [`${reference}--${n}/qlog.zst`, b] as [string, Uint8Array]),
    );
    // A consumer reads the route when only segment 0 is processed…
    await uploadAndSettle(device, [[`${route}--0/qlog.zst`, q[0]]]);
    const stale = await readProcessedSegments(env, device.dongleId, route);
    expect(aggregateRows(stale.rows)!.segment_numbers).toEqual([0]);
    // …others finish segments 1 and 2 before it writes: its write is refused and the newer aggregate stays.
    await uploadAndSettle(device, [
      [`${route}--1/qlog.zst`, q[1]],
      [`${route}--2/qlog.zst`, q[2]],
    ]);
    const full = routeFields(await routeRow(device.dongleId, route));
    expect(full).toMatchObject({ procqlog: 2 });
    expect(await writeRouteAggregate(env, device.dongleId, route, aggregateRows(stale.rows), stale.fingerprint)).toBe(
      false,
    );
    expect(routeFields(await routeRow(device.dongleId, route))).toEqual(full);
    // (The guard is all that stops it: with the current fingerprint the same stale fields would be written.)
    const now = await readProcessedSegments(env, device.dongleId, route);
    expect(await writeRouteAggregate(env, device.dongleId, route, aggregateRows(stale.rows), now.fingerprint)).toBe(
      true,
    );
    expect(await routeRow(device.dongleId, route)).toMatchObject({ procqlog: 0 });

    // Three consumers at once on the same route agree with one-at-a-time processing.
    await env.DB.prepare("DELETE FROM segment_qlogs WHERE dongle_id = ? AND log_id = ?")
      .bind(device.dongleId, route)
      .run();
    const results = await Promise.all(
      q.map((b, n) => deliver([messageFor(device, `${route}--${n}/qlog.zst`, b.length)])),
    );
    expect(results.flatMap((r) => r.explicitAcks)).toEqual(["m0", "m0", "m0"]);
    expect(routeFields(await routeRow(device.dongleId, route))).toEqual(
      routeFields(await routeRow(device.dongleId, reference)),
    );
  });
});

describe("redelivery", () => {
  it("changes nothing: same objects, same rows, no duplicates", async () => {
    const device = await simDevice();
    const route = newRouteName();
    const q0 = qlogZst(0),
      q1 = qlogZst(1);
    await uploadAndSettle(device, [
      [`${route}--0/qlog.zst`, q0],
      [`${route}--1/qlog.zst`, q1],
      [`${route}--1/qcamera.ts`, qcameraTs],
    ]);
    const before = await snapshot(device, route);
    expect(before.objects).toHaveLength(2 + 2 * 3 + 1); // 2 qlogs, their coords/events/sprite, 1 qcamera
    const msgs = [
      messageFor(device, `${route}--1/qlog.zst`, q1.length),
      messageFor(device, `${route}--0/qlog.zst`, q0.length),
      messageFor(device, `${route}--1/qcamera.ts`, qcameraTs.length),
    ];
    for (let run = 0; run < 2; run++) {
      const result = await deliver([...msgs, msgs[0]]);
      expect(result.retryMessages).toEqual([]);
      expect(await snapshot(device, route)).toEqual(before);
    }
  });
});

describe("unexpected errors", () => {
  it("retry with backoff, then the dead-letter consumer marks the file failed with the last error", async () => {
    expect([1, 2, 3, 4, 5, 6, 9].map(retryDelaySeconds)).toEqual([10, 20, 40, 80, 160, 300, 300]);
    const device = await simDevice();
    const route = newRouteName();
    const q = qlogZst(0);
    await uploadAndSettle(device, [[`${route}--0/qlog.zst`, q]]);
    await env.DB.prepare("UPDATE uploaded_files SET state = 'pending' WHERE dongle_id = ?").bind(device.dongleId).run();
    // A real D1 failure (not a mock): a trigger makes writes of this route's segment metadata fail.
    await env.DB.prepare(
      `CREATE TRIGGER fail_meta_${device.dongleId} BEFORE INSERT ON segment_qlogs WHEN NEW.dongle_id = '${device.dongleId}'
       BEGIN SELECT RAISE(ABORT, 'simulated storage outage'); END`,
    ).run();
    const msg = messageFor(device, `${route}--0/qlog.zst`, q.length);
    try {
      const result = await deliver([msg], QUEUE, 3);
      expect(result.explicitAcks).toEqual([]);
      // (getQueueResult does not report delaySeconds; the backoff itself is checked above.)
      expect(result.retryMessages).toEqual([{ msgId: "m0" }]);
      const file = await env.DB.prepare(
        "SELECT f.state, p.attempts, p.last_error FROM uploaded_files f JOIN file_processing p USING (key) WHERE key = ?",
      )
        .bind(msg.key)
        .first();
      expect(file).toMatchObject({
        state: "pending",
        attempts: 3,
        last_error: expect.stringContaining("simulated storage outage"),
      });

      // After max_retries Queues hands the message to the dead-letter queue.
      const dead = await deliver([msg], "edge-connect-uploads-dlq");
      expect(dead.explicitAcks).toEqual(["m0"]);
      const failed = await env.DB.prepare("SELECT state, fail_reason FROM uploaded_files WHERE key = ?")
        .bind(msg.key)
        .first<{ state: string; fail_reason: string }>();
      expect(failed!.state).toBe("failed");
      expect(failed!.fail_reason).toMatch(/^processing kept failing after 3 attempts: .*simulated storage outage/);
      expect((await segmentRows(device.dongleId, route))[0]).toMatchObject({ state: "failed" });
    } finally {
      await env.DB.prepare(`DROP TRIGGER IF EXISTS fail_meta_${device.dongleId}`).run();
    }
    // Once storage is back, a re-run (e.g. the admin re-process) settles it.
    const healed = await deliver([msg]);
    expect(healed.explicitAcks).toEqual(["m0"]);
    expect((await segmentRows(device.dongleId, route))[0]).toMatchObject({ state: "done", fail_reason: null });
  });
});

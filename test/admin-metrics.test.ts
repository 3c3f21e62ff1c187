/**
 * GET /api/v1/admin/metrics: requests made here are counted (with a p95) in the last hour's summary, uploads and
 * processing outcomes show up, the D1 facts are right, the Prometheus text parses, and only admins may read it.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../worker/index";
import type { UploadQueueMessage } from "../worker/protocol/queue-messages";
import { connectedDevice, pairedOwner, relay, waitFor } from "./athena-helpers";
import { newRouteName } from "./device-sim/route";
import { createUser, registeredDevice, waitUploadsProcessed, workerFetch, type TestUser } from "./helpers";

let admin: TestUser;
let user: TestUser;

beforeAll(async () => {
  admin = await createUser(); // the first account of this file's database is the admin
  user = await createUser();
  expect(admin.role).toBe("admin");
});

interface Summary {
  windows: Record<
    "hour" | "day",
    {
      requests: {
        count: number;
        p95_ms: number | null;
        by_status_class: Record<string, number>;
        by_route: { route: string; method: string; count: number; p95_ms: number | null }[];
      };
      uploads: { count: number; bytes: number; by_kind: Record<string, { count: number; bytes: number }> };
      processing: { count: number; by_outcome: Record<string, number> };
      failed_segments: number;
      dead_lettered_messages: number;
      athena: { connects: number; disconnects: number; rpc: Record<string, number> };
    }
  >;
  online_devices: number;
  stored_files: number;
  stored_bytes: number;
}

const summary = async () => {
  const res = await workerFetch("/api/v1/admin/metrics", { headers: admin.auth });
  expect(res.status).toBe(200);
  return (await res.json()) as Summary;
};

/** A minimal Prometheus text-format (0.0.4) parser: families with HELP/TYPE, samples with labels. */
function parsePrometheus(text: string) {
  const types = new Map<string, string>();
  const help = new Set<string>();
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === "TYPE") {
        expect(["counter", "gauge", "summary", "histogram", "untyped"]).toContain(meta[3]);
        types.set(meta[2], meta[3]);
      } else help.add(meta[2]);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?(?:[0-9.]+(?:e[+-]?[0-9]+)?|NaN|\+Inf|-Inf))$/.exec(line);
    if (!m) throw new Error(`unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? "";
    const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
    let consumed = 0;
    for (const l of body.matchAll(labelRe)) {
      labels[l[1]] = l[2].replace(/\\(.)/g, "$1");
      consumed += l[0].length;
    }
    if (consumed !== body.length) throw new Error(`bad labels: ${line}`);
    const family = m[1].replace(/_(sum|count)$/, "");
    if (!types.has(m[1]) && !types.has(family)) throw new Error(`sample before its # TYPE: ${line}`);
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  for (const name of types.keys()) expect(help.has(name)).toBe(true);
  return { types, samples };
}

describe("GET /api/v1/admin/metrics", () => {
  it("counts the requests made, by route pattern and status, with a p95", async () => {
    const before = await summary();
    const meBefore = before.windows.hour.requests.by_route.find((r) => r.route === "/v1/me")?.count ?? 0;
    for (let i = 0; i < 12; i++) await (await workerFetch("/v1/me/", { headers: user.auth })).arrayBuffer();
    for (let i = 0; i < 3; i++) await (await workerFetch("/api/v1/nothing-here")).arrayBuffer();
    const after = await summary();
    const hour = after.windows.hour;
    const me = hour.requests.by_route.find((r) => r.route === "/v1/me" && r.method === "GET");
    expect(me?.count).toBe(meBefore + 12);
    expect(me?.p95_ms).toBeGreaterThan(0);
    // Every request of this file so far: the 15 above, the first summary and the account creations.
    expect(hour.requests.count).toBeGreaterThanOrEqual(meBefore + 15 + 1);
    expect(hour.requests.p95_ms).toBeGreaterThan(0);
    expect(hour.requests.by_status_class["4xx"]).toBeGreaterThanOrEqual(3);
    expect(after.windows.day.requests.count).toBeGreaterThanOrEqual(hour.requests.count);
    // Route patterns only: no raw path with ids ever becomes a series.
    for (const r of hour.requests.by_route) expect(r.route).not.toMatch(/[0-9a-f]{16}/);
  });

  it("counts uploads, processing outcomes, failed segments, dead-lettered messages and stored bytes", async () => {
    const device = await registeredDevice();
    const log = newRouteName(1);
    // Not a real qlog: processing fails it, so its segment is failed.
    expect((await device.uploadFile(`${log}--0/qlog.zst`, new Uint8Array(1000).fill(7))).outcome).toBe("uploaded");
    await waitUploadsProcessed(device.dongleId!);
    // A message the dead-letter queue hands over (every retry failed).
    const key = `${device.dongleId}/${log}/1/qlog.zst`;
    const batch = createMessageBatch("edge-connect-uploads-dlq", [
      {
        id: "dead-1",
        timestamp: new Date(),
        attempts: 1,
        body: {
          type: "file",
          key,
          dongleId: device.dongleId!,
          logId: log,
          segment: 1,
          kind: "qlog",
          fileName: "qlog.zst",
          size: 5,
        },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as MessageBatch<UploadQueueMessage>, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["dead-1"]);

    const s = await summary();
    const hour = s.windows.hour;
    expect(hour.uploads.by_kind.qlog.count).toBeGreaterThanOrEqual(1);
    expect(hour.uploads.by_kind.qlog.bytes).toBeGreaterThanOrEqual(1000);
    expect(hour.processing.by_outcome.failed).toBeGreaterThanOrEqual(1);
    expect(hour.processing.count).toBeGreaterThanOrEqual(2);
    expect(hour.dead_lettered_messages).toBeGreaterThanOrEqual(1);
    expect(hour.failed_segments).toBeGreaterThanOrEqual(1);
    const d1 = await env.DB.prepare("SELECT count(*) AS n, sum(size) AS bytes FROM uploaded_files").first<{
      n: number;
      bytes: number;
    }>();
    expect(s.stored_files).toBe(d1!.n);
    expect(s.stored_bytes).toBe(d1!.bytes);
    await env.DB.prepare("UPDATE devices SET athena_online = 1 WHERE dongle_id = ?").bind(device.dongleId).run();
    expect((await summary()).online_devices).toBe(1);
  });

  it("counts athena connects, disconnects and RPC outcomes", async () => {
    const before = (await summary()).windows.hour.athena;
    const { sim, device, dongle } = await connectedDevice();
    const owner = await pairedOwner(device);
    const call = await relay(dongle, owner.auth, { jsonrpc: "2.0", method: "getVersion", id: 1 });
    expect(call.status).toBe(200);
    await sim.stop();
    await waitFor(async () => {
      const after = (await summary()).windows.hour.athena;
      expect(after.connects).toBe(before.connects + 1);
      expect(after.disconnects).toBe(before.disconnects + 1);
      expect(after.rpc.reply).toBe((before.rpc.reply ?? 0) + 1);
    });
  });

  it("?format=prometheus answers text exposition 0.0.4 that parses", async () => {
    for (let i = 0; i < 5; i++) await (await workerFetch("/v1/me/", { headers: user.auth })).arrayBuffer();
    const res = await workerFetch("/api/v1/admin/metrics?format=prometheus", { headers: admin.auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const { types, samples } = parsePrometheus(await res.text());
    expect(types.get("edge_connect_requests")).toBe("gauge");
    expect(types.get("edge_connect_request_duration_ms")).toBe("summary");
    const me = samples.find(
      (s) =>
        s.name === "edge_connect_requests" &&
        s.labels.window === "1h" &&
        s.labels.route === "/v1/me" &&
        s.labels.status === "200",
    );
    expect(me?.value).toBeGreaterThanOrEqual(5);
    const p95 = samples.find(
      (s) => s.name === "edge_connect_request_duration_ms" && s.labels.window === "1h" && s.labels.quantile === "0.95",
    );
    expect(p95?.value).toBeGreaterThan(0);
    const count = samples.find((s) => s.name === "edge_connect_request_duration_ms_count" && s.labels.window === "1h");
    expect(count?.value).toBeGreaterThanOrEqual(5);
    expect(samples.some((s) => s.name === "edge_connect_stored_bytes")).toBe(true);
    expect(samples.some((s) => s.name === "edge_connect_online_devices")).toBe(true);
  });

  it("is for administrators only", async () => {
    const device = await registeredDevice();
    expect((await workerFetch("/api/v1/admin/metrics")).status).toBe(401);
    const asUser = await workerFetch("/api/v1/admin/metrics?format=prometheus", { headers: user.auth });
    expect(asUser.status).toBe(403);
    expect(((await asUser.json()) as { error: string }).error).toBe("admin_required");
    const asDevice = await workerFetch("/api/v1/admin/metrics", {
      headers: { Authorization: `JWT ${await device.token()}` },
    });
    expect(asDevice.status).toBe(403);
    expect((await workerFetch("/api/v1/admin/metrics?format=xml", { headers: admin.auth })).status).toBe(400);
  });

  it("is documented in the OpenAPI", async () => {
    const spec = (await (await workerFetch("/api/v1/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(spec.paths["/api/v1/admin/metrics"]).toBeDefined();
  });
});

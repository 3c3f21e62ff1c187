import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { LOG_MAX_AGE_S, LOG_RETENTION } from "../durable-objects/device-logs";
import { adminFirst, connectedDevice, pairedOwner, relay, stubFor, waitFor } from "./athena-helpers";
import { workerFetch, type TestUser } from "./helpers";

let admin: TestUser;
beforeAll(async () => {
  admin = await adminFirst();
});

/** The raw frame the server sent in answer to the device's call `id`. */
const rawReplyTo = (received: string[], id: string) =>
  received.find((t) => {
    try {
      return JSON.parse(t).id === id;
    } catch {
      return false;
    }
  });

interface LogListing {
  id: number;
  kind: string;
  rpc_id: string;
  size: number;
  received_at: number;
}

const listLogs = async (dongle: string, query = "") => {
  const res = await workerFetch(`/api/v1/devices/${dongle}/logs${query}`, { headers: admin.auth });
  expect(res.status).toBe(200);
  return (await res.json()) as LogListing[];
};

describe("device-initiated calls", () => {
  it("acknowledges forwardLogs with {result: {success: 1}} and no 'method' substring, and stores the file for admins", async () => {
    const { sim, dongle } = await connectedDevice();
    const logs = '{"level":"INFO","msg$s":"hello"}\n{"level":"ERROR","msg$s":"world"}\n';
    const reply = await sim.forwardLogs(logs, "swaglog.0000000042");
    expect(reply).toEqual({ jsonrpc: "2.0", id: "swaglog.0000000042", result: { success: 1 } });
    expect(rawReplyTo(sim.received, "swaglog.0000000042")).not.toContain("method");

    const [entry] = await listLogs(dongle);
    expect(entry).toMatchObject({ kind: "swaglog", rpc_id: "swaglog.0000000042", size: logs.length });
    const body = await workerFetch(`/api/v1/devices/${dongle}/logs/${entry.id}`, { headers: admin.auth });
    expect(body.status).toBe(200);
    expect(body.headers.get("Content-Type")).toBe("application/x-ndjson");
    expect(new TextDecoder().decode(await body.arrayBuffer())).toBe(logs);
  });

  it("acknowledges storeStats the same way and keeps stats apart from logs", async () => {
    const { sim, dongle } = await connectedDevice();
    const reply = await sim.storeStats(undefined, "0a1b2c3d_7");
    expect(reply).toEqual({ jsonrpc: "2.0", id: "0a1b2c3d_7", result: { success: 1 } });
    expect(rawReplyTo(sim.received, "0a1b2c3d_7")).not.toContain("method");
    expect((await listLogs(dongle, "?kind=stats")).map((e) => e.rpc_id)).toEqual(["0a1b2c3d_7"]);
    expect(await listLogs(dongle, "?kind=swaglog")).toEqual([]);
  });

  it("keeps 'method' out of the raw reply even when the id contains it (athenad routes by substring)", async () => {
    const { sim } = await connectedDevice();
    const reply = await sim.forwardLogs("x\n", "method.swaglog.1");
    expect(reply).toEqual({ jsonrpc: "2.0", id: "method.swaglog.1", result: { success: 1 } });
    const raw = sim.received.find((t) => t.includes("swaglog.1"))!;
    expect(raw).not.toContain("method");
    // Had it contained "method", the device would have answered it as a call with an Invalid Request error.
    expect(sim.sent.filter((t) => t.includes("Invalid Request"))).toEqual([]);
  });

  it("answers other device calls with a JSON-RPC error and ignores garbage without breaking the relay", async () => {
    const { sim, device, dongle } = await connectedDevice();
    const reply = await sim.callServer("registerSomething", {}, "x1");
    expect(reply).toMatchObject({ jsonrpc: "2.0", id: "x1", error: { code: -32601 } });
    expect(rawReplyTo(sim.received, "x1")).not.toContain("method");
    const bad = await sim.callServer("forwardLogs", { logs: 42 }, "x2");
    expect(bad).toMatchObject({ error: { code: -32602 } });
    for (const garbage of [
      "not json",
      "[]",
      "42",
      '{"foo": 1}',
      '{"error": "handler crashed"}',
      '{"id": "nobody", "result": 1}',
    ])
      sim.send(garbage);
    const owner = await pairedOwner(device);
    const res = await relay(dongle, owner.auth, { jsonrpc: "2.0", method: "echo", params: ["still here"], id: 3 });
    expect(await res.json()).toEqual({ jsonrpc: "2.0", result: "still here", id: 3 });
  });
});

describe("forwarded logs: access and retention", () => {
  it("only admins can read device logs", async () => {
    const { sim, device, dongle } = await connectedDevice();
    await sim.forwardLogs();
    const owner = await pairedOwner(device);
    const res = await workerFetch(`/api/v1/devices/${dongle}/logs`, { headers: owner.auth });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "admin_required" });
    expect((await workerFetch(`/api/v1/devices/${dongle}/logs`)).status).toBe(401);
    expect((await workerFetch(`/api/v1/devices/${dongle}/logs?kind=nope`, { headers: admin.auth })).status).toBe(400);
  });

  it("drops entries older than the retention age, with their R2 objects", async () => {
    const { sim, dongle } = await connectedDevice();
    await sim.forwardLogs("old\n", "swaglog.0000000001");
    await sim.forwardLogs("new\n", "swaglog.0000000002");
    const keys = await runInDurableObject(stubFor(dongle), (_i, state) => {
      state.storage.sql.exec(
        "UPDATE device_logs SET received_at = received_at - ? WHERE rpc_id = 'swaglog.0000000001'",
        LOG_MAX_AGE_S + 1,
      );
      return state.storage.sql
        .exec<{ r2_key: string }>("SELECT r2_key FROM device_logs ORDER BY seq")
        .toArray()
        .map((r) => r.r2_key);
    });
    expect((await listLogs(dongle)).map((e) => e.rpc_id)).toEqual(["swaglog.0000000002"]);
    expect(await env.MEDIA.head(keys[0])).toBeNull();
    expect(await env.MEDIA.head(keys[1])).not.toBeNull();
  });

  it("keeps at most maxFiles entries per kind", async () => {
    const { sim, dongle } = await connectedDevice();
    const max = LOG_RETENTION.stats.maxFiles;
    for (let i = 0; i < max + 5; i += 15) {
      await Promise.all(
        Array.from({ length: Math.min(15, max + 5 - i) }, (_, j) =>
          sim.storeStats(`gauge.x value=${i + j}\n`, `boot_${i + j}`),
        ),
      );
    }
    await waitFor(async () => {
      const listed = await listLogs(dongle, "?kind=stats&limit=500");
      expect(listed).toHaveLength(max);
      expect(listed.map((e) => e.rpc_id)).not.toContain("boot_0");
    });
    const objects = await env.MEDIA.list({ prefix: `athena-logs/${dongle}/stats/` });
    expect(objects.objects).toHaveLength(max);
  });
});

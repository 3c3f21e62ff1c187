import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { adminFirst, alarmAt, callsReceived, pairedOwner, relay, simAthena, stubFor, waitFor } from "./athena-helpers";
import { registeredDevice, workerFetch, type TestUser } from "./helpers";

beforeAll(adminFirst);

const nowS = () => Math.floor(Date.now() / 1000);

async function offlineDevice() {
  const device = await registeredDevice();
  const owner = await pairedOwner(device);
  return { device, owner, dongle: device.dongleId! };
}

async function getJson<T>(path: string, owner: TestUser): Promise<T> {
  const res = await workerFetch(path, { headers: owner.auth });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describe("offline queue", () => {
  it("queues calls with an expiry (202), keeps them across eviction, delivers them in order on connect and keeps the replies", async () => {
    const { device, owner, dongle } = await offlineDevice();
    const expiry = nowS() + 3600;
    const first = await relay(dongle, owner.auth, { jsonrpc: "2.0", method: "getVersion", id: 0, expiry });
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ result: "Device offline, message queued" });
    const second = await relay(dongle, owner.auth, {
      jsonrpc: "2.0",
      method: "setRouteViewed",
      params: { route: `${dongle}|0000002a--0123456789` },
      id: "b",
      expiry,
    });
    expect(second.status).toBe(202);

    const queue = `/v1/devices/${dongle}/athena_offline_queue`;
    const listed = await getJson<unknown[]>(queue, owner);
    expect(listed).toEqual([
      { jsonrpc: "2.0", method: "getVersion", params: null, expiry, id: 0 },
      {
        jsonrpc: "2.0",
        method: "setRouteViewed",
        params: { route: `${dongle}|0000002a--0123456789` },
        expiry,
        id: "b",
      },
    ]);

    await evictDurableObject(stubFor(dongle));
    expect(await getJson<unknown[]>(queue, owner)).toEqual(listed);

    const { sim } = simAthena(device);
    await sim.connect();
    await waitFor(() => expect(sim.stats.callsServed).toBe(2));
    const delivered = sim.received.map((t) => JSON.parse(t));
    expect(delivered.map((m) => m.method)).toEqual(["getVersion", "setRouteViewed"]);
    // Delivered without the web app's `expiry` (json-rpc 1.15 would reject the call) and without errors.
    for (const m of delivered)
      expect(Object.keys(m).every((k) => ["jsonrpc", "method", "params", "id"].includes(k))).toBe(true);
    expect(sim.sent.every((t) => !JSON.parse(t).error)).toBe(true);

    await waitFor(async () => {
      const history = await getJson<{ status: string; method: string; reply: unknown }[]>(
        `/api/v1/devices/${dongle}/athena/queue`,
        owner,
      );
      expect(history.map((h) => [h.method, h.status])).toEqual([
        ["setRouteViewed", "answered"],
        ["getVersion", "answered"],
      ]);
      expect(history[0].reply).toEqual({ jsonrpc: "2.0", result: { success: 1 }, id: "b" });
      expect(history[1].reply).toMatchObject({ jsonrpc: "2.0", id: 0, result: { version: "0.10.3" } });
    });
    expect(await getJson<unknown[]>(queue, owner)).toEqual([]);
  });

  it("drops calls when they expire (alarm) and never delivers them", async () => {
    const { device, owner, dongle } = await offlineDevice();
    const soon = nowS() + 1;
    const later = nowS() + 3600;
    expect(
      (await relay(dongle, owner.auth, { jsonrpc: "2.0", method: "echo", params: { s: "late" }, id: 1, expiry: later }))
        .status,
    ).toBe(202);
    expect(
      (await relay(dongle, owner.auth, { jsonrpc: "2.0", method: "echo", params: { s: "soon" }, id: 2, expiry: soon }))
        .status,
    ).toBe(202);
    expect(await alarmAt(dongle)).toBe(soon * 1000);
    // The real alarm fires at the expiry, deletes the call and re-arms for the next expiry.
    await waitFor(async () => expect(await alarmAt(dongle)).toBe(later * 1000), 5000);
    const rows = await runInDurableObject(stubFor(dongle), (_i, state) =>
      state.storage.sql.exec("SELECT caller_id FROM queued_calls").toArray(),
    );
    expect(rows).toEqual([{ caller_id: "1" }]);
    const left = await getJson<{ id: number }[]>(`/v1/devices/${dongle}/athena_offline_queue`, owner);
    expect(left.map((c) => c.id)).toEqual([1]);

    const { sim } = simAthena(device);
    await sim.connect();
    await waitFor(() => expect(sim.stats.callsServed).toBe(1));
    expect(callsReceived(sim, "echo").map((c) => (c.params as { s: string }).s)).toEqual(["late"]);
  });

  it("re-delivers a call that was sent but not answered when the device reconnects", async () => {
    const { device, owner, dongle } = await offlineDevice();
    await relay(dongle, owner.auth, {
      jsonrpc: "2.0",
      method: "echo",
      params: { s: "again" },
      id: 5,
      expiry: nowS() + 3600,
    });
    const { sim: mute } = simAthena(device, { gate: () => new Promise(() => {}) });
    await mute.connect();
    await waitFor(() => expect(callsReceived(mute, "echo")).toHaveLength(1));
    await mute.stop();
    const { sim } = simAthena(device);
    await sim.connect();
    await waitFor(() => expect(sim.stats.callsServed).toBe(1));
    await waitFor(async () => {
      const [entry] = await getJson<{ status: string; reply: unknown }[]>(
        `/api/v1/devices/${dongle}/athena/queue`,
        owner,
      );
      expect(entry).toMatchObject({ status: "answered", reply: { result: "again", id: 5 } });
    });
  });

  it("answers an expiry already past as offline (JSON-RPC error on comma's path, 404 on ours), relays directly when online", async () => {
    const { device, owner, dongle } = await offlineDevice();
    const pastCall = { jsonrpc: "2.0", method: "echo", params: ["x"], id: 1, expiry: nowS() - 10 };
    const past = await relay(dongle, owner.auth, pastCall);
    expect(past.status).toBe(200);
    expect(await past.json()).toMatchObject({ id: 1, error: { message: "Device not registered" } });
    const pastViaApi = await relay(dongle, owner.auth, pastCall, { path: `/api/v1/devices/${dongle}/athena` });
    expect(pastViaApi.status).toBe(404);
    expect(await pastViaApi.json()).toMatchObject({ message: "Device not connected" });
    expect(
      (await (await workerFetch(`/v1/devices/${dongle}/athena_offline_queue`, { headers: owner.auth })).json()) as [],
    ).toEqual([]);
    const { sim } = simAthena(device);
    await sim.connect();
    const online = await relay(dongle, owner.auth, {
      jsonrpc: "2.0",
      method: "echo",
      params: ["x"],
      id: 1,
      expiry: nowS() + 60,
    });
    expect(online.status).toBe(200);
    expect(await online.json()).toEqual({ jsonrpc: "2.0", result: "x", id: 1 });
  });

  it("refuses strangers and anonymous callers on the queue listing", async () => {
    const { dongle } = await offlineDevice();
    expect((await workerFetch(`/v1/devices/${dongle}/athena_offline_queue`)).status).toBe(401);
  });
});

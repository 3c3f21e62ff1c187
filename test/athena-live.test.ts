import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { LIVE_SERVICES } from "../durable-objects/live";
import { adminFirst, callsReceived, pairedOwner, share, simAthena, stubFor, waitFor } from "./athena-helpers";
import { createUser, registeredDevice, workerFetch } from "./helpers";

beforeAll(adminFirst);

interface Viewer {
  ws: WebSocket;
  events: Record<string, unknown>[];
  status: number;
}

async function openViewer(path: string, headers: Record<string, string> = {}): Promise<Viewer & { res: Response }> {
  const res = await workerFetch(path, { headers: { Upgrade: "websocket", ...headers } });
  const ws = res.webSocket!;
  const events: Record<string, unknown>[] = [];
  if (ws) {
    ws.accept();
    ws.addEventListener("message", (e) => {
      events.push(JSON.parse(e.data as string));
    });
  }
  return { ws, events, status: res.status, res };
}

const timerNames = (dongle: string) =>
  runInDurableObject(stubFor(dongle), (_i, state) =>
    state.storage.sql
      .exec<{ name: string }>("SELECT name FROM timers ORDER BY name")
      .toArray()
      .map((r) => r.name),
  );

describe("live view: GET /api/v1/devices/:dongle/live", () => {
  it("pushes status changes, polls live state only while someone watches, and stops when the last viewer leaves", async () => {
    const device = await registeredDevice();
    const dongle = device.dongleId!;
    const owner = await pairedOwner(device);
    const viewer = await openViewer(`/api/v1/devices/${dongle}/live?token=${owner.accessToken}`);
    expect(viewer.status).toBe(101);
    await waitFor(() => expect(viewer.events[0]).toMatchObject({ type: "status", online: false }));

    const { sim } = simAthena(device);
    await sim.connect();
    await waitFor(() =>
      expect(viewer.events).toContainEqual(expect.objectContaining({ type: "status", online: true })),
    );
    // Polling starts at once (the alarm fires by itself) and goes through the relay as getMessage calls.
    await waitFor(() => {
      const services = viewer.events.filter((e) => e.type === "state" && e.data).map((e) => e.service);
      expect(new Set(services)).toEqual(new Set(LIVE_SERVICES));
    });
    const gps = viewer.events.find((e) => e.service === "gpsLocationExternal") as {
      data: { gpsLocationExternal: { hasFix: boolean } };
    };
    expect(gps.data.gpsLocationExternal.hasFix).toBe(true);
    await waitFor(async () => expect(await timerNames(dongle)).toEqual(["live-poll"])); // the keepalive is in the attachment

    viewer.ws.close(1000, "bye");
    await waitFor(async () => expect(await timerNames(dongle)).toEqual([]));
    const polled = callsReceived(sim, "getMessage").length;
    await runDurableObjectAlarm(stubFor(dongle)); // only the keepalive is left
    await waitFor(() => expect(callsReceived(sim, "echo").length).toBeGreaterThan(0));
    expect(callsReceived(sim, "getMessage").length).toBe(polled);

    // A new viewer restarts polling; the device leaving is pushed as offline and stops it again.
    const again = await openViewer(`/api/v1/devices/${dongle}/live?token=${owner.accessToken}`);
    await waitFor(() => expect(again.events[0]).toMatchObject({ type: "status", online: true }));
    await waitFor(() => expect(callsReceived(sim, "getMessage").length).toBeGreaterThan(polled));
    await sim.stop();
    await waitFor(() =>
      expect(again.events).toContainEqual(expect.objectContaining({ type: "status", online: false })),
    );
    await waitFor(async () => expect(await timerNames(dongle)).toEqual([]));
    again.ws.close(1000);
  });

  it("takes the token from Sec-WebSocket-Protocol and answers with the other offered protocol", async () => {
    const device = await registeredDevice();
    const owner = await pairedOwner(device);
    const viewer = await openViewer(`/api/v1/devices/${device.dongleId}/live`, {
      "Sec-WebSocket-Protocol": `athena-live, ${owner.accessToken}`,
    });
    expect(viewer.status).toBe(101);
    expect(viewer.res.headers.get("Sec-WebSocket-Protocol")).toBe("athena-live");
    await waitFor(() => expect(viewer.events[0]).toMatchObject({ type: "status" }));
    viewer.ws.close(1000);
  });

  it("needs a user with read access: 401 anonymous, 404 stranger, 101 shared read, 426 without upgrade", async () => {
    const device = await registeredDevice();
    const dongle = device.dongleId!;
    await pairedOwner(device);
    const stranger = await createUser();
    const reader = await createUser();
    await share(dongle, reader, "read");
    expect((await openViewer(`/api/v1/devices/${dongle}/live`)).status).toBe(401);
    expect((await openViewer(`/api/v1/devices/${dongle}/live?token=${stranger.accessToken}`)).status).toBe(404);
    expect((await openViewer(`/api/v1/devices/${dongle}/live?token=not.a.jwt`)).status).toBe(401);
    const ok = await openViewer(`/api/v1/devices/${dongle}/live`, { Authorization: `JWT ${reader.accessToken}` });
    expect(ok.status).toBe(101);
    ok.ws.close(1000);
    expect((await workerFetch(`/api/v1/devices/${dongle}/live?token=${reader.accessToken}`)).status).toBe(426);
  });
});

import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { generateDeviceKeys } from "./device-sim/keys";
import { deviceToken } from "./device-sim/tokens";
import {
  adminFirst,
  callsReceived,
  deviceRow,
  pairedOwner,
  relay,
  simAthena,
  stubFor,
  waitFor,
} from "./athena-helpers";
import { createUser, newDevice, workerFetch, type TestUser } from "./helpers";

let admin: TestUser;
beforeAll(async () => {
  admin = await adminFirst();
});

const commaDongleId = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");

/** A device that already has a dongle id from comma: it never calls our pilotauth. */
async function commaDevice() {
  const dongle = commaDongleId();
  const device = await newDevice({ dongleId: dongle });
  return { device, dongle };
}

async function pendingList(): Promise<{ dongle_id: string; state: string; public_key: string }[]> {
  const res = await workerFetch("/api/v1/admin/pending-devices", { headers: admin.auth });
  expect(res.status).toBe(200);
  return res.json();
}

const decide = (dongle: string, action: "approve" | "reject", auth = admin.auth) =>
  workerFetch(`/api/v1/admin/pending-devices/${dongle}/${action}`, { method: "POST", headers: auth });

describe("adoption of devices with a comma-issued dongle id", () => {
  it("asks the device for its key, holds it as pending with keepalive, and makes it a registered device on approval", async () => {
    const { device, dongle } = await commaDevice();
    const { sim } = simAthena(device);
    sim.start();
    await sim.waitConnected();
    await waitFor(async () =>
      expect((await pendingList()).find((p) => p.dongle_id === dongle)).toMatchObject({
        state: "pending",
        public_key: device.keys.publicKeyPem,
      }),
    );
    expect(callsReceived(sim, "getPublicKey")).toHaveLength(1);
    // Not a device of ours yet: its HTTP requests are refused, its logs acknowledged but not kept.
    expect((await device.pollPairing()).status).toBe(401);
    expect(await sim.forwardLogs("pending log\n")).toMatchObject({ result: { success: 1 } });
    const stored = await runInDurableObject(
      stubFor(dongle),
      (_i, state) => state.storage.sql.exec("SELECT COUNT(*) AS n FROM device_logs").one().n,
    );
    expect(stored).toBe(0);
    // Held open: keepalives flow, so the device does not churn while it waits for an admin.
    await runDurableObjectAlarm(stubFor(dongle));
    await waitFor(() => expect(callsReceived(sim, "echo")).toHaveLength(1));

    const res = await decide(dongle, "approve");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ dongle_id: dongle, approved: true });
    // The held socket is closed; athenad reconnects at once and is now a registered device.
    await waitFor(() => expect(sim.stats.connects).toBe(2));
    expect(sim.closes[0].code).toBe(4002);
    await waitFor(async () => expect((await deviceRow(dongle))?.athena_online).toBe(1));
    expect((await pendingList()).map((p) => p.dongle_id)).not.toContain(dongle);
    expect(await device.pollPairing()).toEqual({ status: 200, isPaired: false, primeType: 0 });
    const owner = await pairedOwner(device);
    const echo = await relay(dongle, owner.auth, { jsonrpc: "2.0", method: "echo", params: ["adopted"], id: 0 });
    expect(await echo.json()).toEqual({ jsonrpc: "2.0", result: "adopted", id: 0 });
    await sim.stop();
  });

  it("rejection closes the socket and refuses later handshakes with 403", async () => {
    const { device, dongle } = await commaDevice();
    const { sim } = simAthena(device);
    await sim.connect();
    await waitFor(async () => expect((await pendingList()).map((p) => p.dongle_id)).toContain(dongle));
    expect((await decide(dongle, "reject")).status).toBe(200);
    await waitFor(() => expect(sim.connected).toBe(false));
    expect(sim.closes[0].code).toBe(4003);
    const again = await workerFetch(`/ws/v2/${dongle}`, {
      headers: { Upgrade: "websocket", Cookie: `jwt=${await device.token()}` },
    });
    expect(again.status).toBe(403);
    expect(await again.json()).toMatchObject({ error: "device_rejected" });
    expect((await pendingList()).find((p) => p.dongle_id === dongle)?.state).toBe("rejected");
  });

  it("requires proof of possession: a handshake not signed by the key the device reports is refused and not recorded", async () => {
    const { device, dongle } = await commaDevice();
    const impostorKeys = await generateDeviceKeys("rsa");
    // Signs with one key but reports another (the victim's public key, say).
    const { sim } = simAthena(device, { token: () => deviceToken(impostorKeys, dongle) });
    await sim.connect();
    await waitFor(() => expect(sim.connected).toBe(false));
    expect(sim.closes[0].code).toBe(4003);
    expect((await pendingList()).map((p) => p.dongle_id)).not.toContain(dongle);
  });

  it("a pending device must come back with the key on record", async () => {
    const { device, dongle } = await commaDevice();
    const { sim } = simAthena(device);
    await sim.connect();
    await waitFor(async () => expect((await pendingList()).map((p) => p.dongle_id)).toContain(dongle));
    await sim.stop();
    const other = await deviceToken(await generateDeviceKeys("rsa"), dongle);
    const res = await workerFetch(`/ws/v2/${dongle}`, { headers: { Upgrade: "websocket", Cookie: `jwt=${other}` } });
    expect(res.status).toBe(401);
    const back = await workerFetch(`/ws/v2/${dongle}`, {
      headers: { Upgrade: "websocket", Cookie: `jwt=${await device.token()}` },
    });
    expect(back.status).toBe(101);
    back.webSocket!.accept();
    back.webSocket!.close(1000);
  });

  it("only admins see and decide; unknown ids are 404", async () => {
    const user = await createUser();
    expect((await workerFetch("/api/v1/admin/pending-devices", { headers: user.auth })).status).toBe(403);
    expect((await workerFetch("/api/v1/admin/pending-devices")).status).toBe(401);
    const { device, dongle } = await commaDevice();
    const { sim } = simAthena(device);
    await sim.connect();
    await waitFor(async () => expect((await pendingList()).map((p) => p.dongle_id)).toContain(dongle));
    expect((await decide(dongle, "approve", user.auth)).status).toBe(403);
    expect((await decide(commaDongleId(), "approve")).status).toBe(404);
    await sim.stop();
  });
});

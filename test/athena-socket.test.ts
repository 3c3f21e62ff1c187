import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { DEAD_AFTER_MS, KEEPALIVE_INTERVAL_MS } from "../durable-objects/keepalive";
import { PING_WRITE_INTERVAL_S } from "../durable-objects/presence";
import { PRESENCE_LEASE_S } from "../worker/lib/athena-presence";
import type { DeviceAttachment } from "../durable-objects/sockets";
import { READ_TIMEOUT_MS } from "./device-sim/athena";
import { HandshakeError } from "./device-sim/athena-transport";
import { generateDeviceKeys } from "./device-sim/keys";
import { deviceToken } from "./device-sim/tokens";
import {
  adminFirst,
  alarmAt,
  callsReceived,
  connectedDevice,
  deviceRow,
  pairedOwner,
  simAthena,
  stubFor,
  waitFor,
} from "./athena-helpers";
import { registeredDevice, workerFetch } from "./helpers";

beforeAll(adminFirst);

const upgrade = (path: string, headers: Record<string, string> = {}) =>
  workerFetch(path, { headers: { Upgrade: "websocket", ...headers } });

describe("athena websocket: authentication in the Worker", () => {
  it("accepts athenad's Cookie: jwt=<token> on /ws/v2/:dongle and Authorization: JWT on /ws/:dongle", async () => {
    const device = await registeredDevice();
    const byCookie = await upgrade(`/ws/v2/${device.dongleId}`, { Cookie: `jwt=${await device.token()}` });
    expect(byCookie.status).toBe(101);
    byCookie.webSocket!.accept();
    const byHeader = await upgrade(`/ws/${device.dongleId}`, { Authorization: `JWT ${await device.token()}` });
    expect(byHeader.status).toBe(101);
    byHeader.webSocket!.accept();
    byHeader.webSocket!.close(1000);
  });

  it("accepts ECDSA devices and tokens minted before a 5 min clock skew", async () => {
    const device = await registeredDevice({ keyKind: "ecdsa" });
    const res = await upgrade(`/ws/v2/${device.dongleId}`, { Cookie: `jwt=${await device.token({ skew: 240 })}` });
    expect(res.status).toBe(101);
    res.webSocket!.accept();
    res.webSocket!.close(1000);
  });

  it("refuses a missing cookie (401), a wrong key (401), another dongle's token (403) and plain GETs (426)", async () => {
    const device = await registeredDevice();
    const other = await registeredDevice();
    const path = `/ws/v2/${device.dongleId}`;

    const none = await upgrade(path);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: "unauthorized" });

    const forged = await upgrade(path, {
      Cookie: `jwt=${await deviceToken(await generateDeviceKeys("rsa"), device.dongleId!)}`,
    });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: "invalid_device_token" });

    const expired = await upgrade(path, { Cookie: `jwt=${await device.token({ expiresIn: -3600 })}` });
    expect(expired.status).toBe(401);

    const otherDongle = await upgrade(path, { Cookie: `jwt=${await other.token()}` });
    expect(otherDongle.status).toBe(403);
    expect(await otherDongle.json()).toMatchObject({ error: "identity_mismatch" });

    const plain = await workerFetch(path, { headers: { Cookie: `jwt=${await device.token()}` } });
    expect(plain.status).toBe(426);
  });

  it("refuses a user's token and a blocked device", async () => {
    const device = await registeredDevice();
    const owner = await pairedOwner(device);
    const asUser = await upgrade(`/ws/v2/${device.dongleId}`, { Cookie: `jwt=${owner.accessToken}` });
    expect(asUser.status).toBe(403);
    await env.DB.prepare("UPDATE devices SET blocked = 1 WHERE dongle_id = ?").bind(device.dongleId).run();
    const blocked = await upgrade(`/ws/v2/${device.dongleId}`, { Cookie: `jwt=${await device.token()}` });
    expect(blocked.status).toBe(403);
    expect(await blocked.json()).toMatchObject({ error: "device_blocked" });
  });

  it("the simulator sees a refused handshake as a failed connection", async () => {
    const device = await registeredDevice();
    const { sim } = simAthena(device, { token: () => deviceToken(device.keys, "0000000000000000") });
    await expect(sim.connect()).rejects.toBeInstanceOf(HandshakeError);
    expect(sim.connected).toBe(false);
  });
});

describe("athena websocket: presence and replacement", () => {
  it("sets last_athena_ping and athena_online on connect and clears online on close", async () => {
    const { sim, dongle, device } = await connectedDevice();
    const row = await deviceRow(dongle);
    expect(row?.athena_online).toBe(1);
    expect(Math.abs(row!.last_athena_ping! - Date.now() / 1000)).toBeLessThan(5);
    const owner = await pairedOwner(device);
    const view = await workerFetch(`/v1.1/devices/${dongle}`, { headers: owner.auth });
    const shown = ((await view.json()) as { last_athena_ping: number }).last_athena_ping;
    expect(Math.abs(shown - Date.now() / 1000)).toBeLessThan(5);

    await sim.stop();
    await waitFor(async () => expect((await deviceRow(dongle))?.athena_online).toBe(0));
  });

  it("reports now while the socket is open, and the stored time of the last frame once it is gone", async () => {
    const { sim, dongle, device } = await connectedDevice();
    const owner = await pairedOwner(device);
    const shownPing = async (path: string) => {
      const res = await workerFetch(path, { headers: owner.auth });
      const body = (await res.json()) as
        | { last_athena_ping: number }
        | { dongle_id: string; last_athena_ping: number }[];
      return Array.isArray(body) ? body.find((d) => d.dongle_id === dongle)!.last_athena_ping : body.last_athena_ping;
    };
    // Online, stored ping 20 min old (inside the lease): every view says "now", so comma's apps show it online.
    const old = Math.floor(Date.now() / 1000) - 20 * 60;
    await env.DB.prepare("UPDATE devices SET last_athena_ping = ? WHERE dongle_id = ?").bind(old, dongle).run();
    for (const path of [`/v1.1/devices/${dongle}`, "/v1/me/devices/", "/api/v1/devices"])
      expect(Math.abs((await shownPing(path)) - Date.now() / 1000), path).toBeLessThan(5);
    // Past the lease (the object never refreshed it, e.g. its alarm was lost): the stored value shows through.
    const stale = Math.floor(Date.now() / 1000) - PRESENCE_LEASE_S - 10;
    await env.DB.prepare("UPDATE devices SET last_athena_ping = ? WHERE dongle_id = ?").bind(stale, dongle).run();
    expect(await shownPing(`/v1.1/devices/${dongle}`)).toBe(stale);
    // Disconnect: the stored ping is the device's last frame, and that is what is shown.
    const lastFrameAt = await runInDurableObject(stubFor(dongle), (_i, state) => {
      const att = state.getWebSockets("device")[0].deserializeAttachment() as DeviceAttachment;
      return att.lastFrameAt;
    });
    await sim.stop();
    await waitFor(async () => expect((await deviceRow(dongle))?.athena_online).toBe(0));
    expect((await deviceRow(dongle))?.last_athena_ping).toBe(Math.floor(lastFrameAt / 1000));
    expect(await shownPing(`/v1.1/devices/${dongle}`)).toBe(Math.floor(lastFrameAt / 1000));
  });

  it("writes last_athena_ping at most once per interval, however many frames arrive", async () => {
    const { sim, dongle } = await connectedDevice();
    await env.DB.prepare("UPDATE devices SET last_athena_ping = 123 WHERE dongle_id = ?").bind(dongle).run();
    for (let i = 0; i < 3; i++) {
      await runDurableObjectAlarm(stubFor(dongle));
      await waitFor(() => expect(sim.stats.callsServed).toBe(i + 1));
    }
    await sim.forwardLogs();
    expect((await deviceRow(dongle))?.last_athena_ping).toBe(123); // throttled: written at connect, not per frame
    // Once the last write is older than the interval, the next reply writes again.
    await runInDurableObject(stubFor(dongle), (_i, state) => {
      state.storage.sql.exec(
        "UPDATE meta SET value = ? WHERE key = 'ping_written_at'",
        String(Math.floor(Date.now() / 1000) - PING_WRITE_INTERVAL_S),
      );
    });
    await runDurableObjectAlarm(stubFor(dongle));
    await waitFor(async () =>
      expect((await deviceRow(dongle))?.last_athena_ping).toBeGreaterThan(Date.now() / 1000 - 5),
    );
  });

  it("marks a device offline when its socket vanished without a close event (a deploy), at the next alarm", async () => {
    const { sim, dongle } = await connectedDevice();
    await sim.stop();
    await waitFor(async () => expect((await deviceRow(dongle))?.athena_online).toBe(0));
    // What a deploy leaves behind: D1 and the object's meta still say online, no socket, the keepalive's alarm armed.
    await env.DB.prepare("UPDATE devices SET athena_online = 1 WHERE dongle_id = ?").bind(dongle).run();
    await runInDurableObject(stubFor(dongle), async (_i, state) => {
      state.storage.sql.exec("UPDATE meta SET value = '1' WHERE key = 'online'");
      await state.storage.setAlarm(Date.now() + KEEPALIVE_INTERVAL_MS);
    });
    expect(await runDurableObjectAlarm(stubFor(dongle))).toBe(true);
    const row = await deviceRow(dongle);
    expect(row?.athena_online).toBe(0);
    expect(Math.abs(row!.last_athena_ping! - (Date.now() - KEEPALIVE_INTERVAL_MS) / 1000)).toBeLessThan(5);
    expect(await alarmAt(dongle)).toBeNull(); // nothing left to keep alive
  });

  it("writes no SQLite row of the object's own for a keepalive (only the alarm is re-armed)", async () => {
    const { sim, dongle } = await connectedDevice();
    // Count what the object's own statements write (cursor.rowsWritten), from here on.
    type Counted = SqlStorage & { written?: SqlStorageCursor<Record<string, SqlStorageValue>>[] };
    await runInDurableObject(stubFor(dongle), (_i, state) => {
      const sql = state.storage.sql as Counted;
      const exec = sql.exec.bind(sql);
      sql.written = [];
      Object.assign(sql, {
        exec: (query: string, ...bindings: SqlStorageValue[]) => {
          const cursor = exec(query, ...bindings);
          sql.written!.push(cursor);
          return cursor;
        },
      });
    });
    for (let i = 1; i <= 3; i++) {
      await runDurableObjectAlarm(stubFor(dongle));
      await waitFor(() => expect(callsReceived(sim, "echo")).toHaveLength(i));
    }
    const written = await runInDurableObject(stubFor(dongle), (_i, state) => {
      const cursors = (state.storage.sql as Counted).written!;
      for (const c of cursors) c.toArray();
      return { statements: cursors.length, rows: cursors.reduce((n, c) => n + c.rowsWritten, 0) };
    });
    expect(written.statements).toBeGreaterThan(0); // the counting saw the alarms run
    expect(written.rows).toBe(0);
    expect(await alarmAt(dongle)).not.toBeNull();
    await sim.stop();
  });

  it("a second socket of the same dongle replaces the first (closed with 4000) and stays online", async () => {
    const { sim: first, device, dongle } = await connectedDevice();
    const { sim: second } = simAthena(device);
    await second.connect();
    await waitFor(() => expect(first.connected).toBe(false));
    expect(first.closes[0]).toMatchObject({ code: 4000 });
    expect(second.connected).toBe(true);
    expect((await deviceRow(dongle))?.athena_online).toBe(1);
    const sockets = await runInDurableObject(
      stubFor(dongle),
      (_i, state) => state.getWebSockets("device").filter((ws) => ws.readyState === WebSocket.OPEN).length,
    );
    expect(sockets).toBe(1);
    // Keepalives reach the new socket only.
    await runDurableObjectAlarm(stubFor(dongle));
    await waitFor(() => expect(callsReceived(second, "echo")).toHaveLength(1));
    expect(callsReceived(first, "echo")).toHaveLength(0);
  });
});

describe("athena keepalive (no PING frames on Workers)", () => {
  it("arms an alarm within 25 s of connecting; each run sends one echo call with only the four JSON-RPC keys", async () => {
    const { sim, dongle } = await connectedDevice();
    const before = Date.now();
    const first = await alarmAt(dongle);
    expect(first).not.toBeNull();
    expect(first! - before).toBeLessThanOrEqual(25_000);
    expect(first! - before).toBeGreaterThan(KEEPALIVE_INTERVAL_MS - 5_000);

    for (let i = 1; i <= 3; i++) {
      expect(await runDurableObjectAlarm(stubFor(dongle))).toBe(true);
      await waitFor(() => expect(callsReceived(sim, "echo")).toHaveLength(i));
      const next = await alarmAt(dongle);
      expect(next! - Date.now()).toBeLessThanOrEqual(25_000);
      expect(next! - Date.now()).toBeGreaterThan(KEEPALIVE_INTERVAL_MS - 5_000);
    }
    const echo = callsReceived(sim, "echo")[0];
    expect(Object.keys(echo).sort()).toEqual(["id", "jsonrpc", "method", "params"]);
    expect(echo.jsonrpc).toBe("2.0");
    // The device answered each one (json-rpc 1.15 accepted the call), which is our liveness signal.
    await waitFor(() => expect(sim.stats.callsServed).toBe(3));
    expect(sim.sent.every((t) => !JSON.parse(t).error)).toBe(true);
  });

  it("keeps athenad connected over 6 simulated minutes: zero read timeouts, zero reconnects", async () => {
    const { sim, clock, dongle } = await connectedDevice();
    sim.start();
    const minutes = 6;
    for (let t = 0; t < minutes * 60_000; t += KEEPALIVE_INTERVAL_MS) {
      await clock.advance(KEEPALIVE_INTERVAL_MS);
      const seen = sim.received.length;
      await runDurableObjectAlarm(stubFor(dongle));
      await waitFor(() => expect(sim.received.length).toBe(seen + 1));
    }
    expect(callsReceived(sim, "echo").length).toBe((minutes * 60_000) / KEEPALIVE_INTERVAL_MS);
    expect(sim.stats.readTimeouts).toBe(0);
    expect(sim.reconnects).toBe(0);
    expect(sim.connected).toBe(true);
    await sim.stop();
  });

  it("control: without keepalive frames the same simulator reconnects after ~90 s of silence", async () => {
    const { sim, clock } = await connectedDevice();
    sim.start();
    await clock.advance(3 * READ_TIMEOUT_MS + 1);
    await waitFor(() => expect(sim.stats.connects).toBe(2));
    expect(sim.stats.readTimeouts).toBe(3);
    expect(sim.closes[0].reason).toBe("athenad.ws_recv.timeout");
    await sim.stop();
  });

  it("closes a socket that has been silent for longer than DEAD_AFTER_MS and marks the device offline", async () => {
    const { sim, dongle } = await connectedDevice({ gate: () => new Promise(() => {}) }); // never answers
    await runInDurableObject(stubFor(dongle), (_i, state) => {
      const ws = state.getWebSockets("device")[0];
      const att = ws.deserializeAttachment() as DeviceAttachment;
      ws.serializeAttachment({ ...att, lastFrameAt: Date.now() - DEAD_AFTER_MS - 1000 });
    });
    await runDurableObjectAlarm(stubFor(dongle));
    await waitFor(() => expect(sim.connected).toBe(false));
    expect(sim.closes[0].code).toBe(4001);
    await waitFor(async () => expect((await deviceRow(dongle))?.athena_online).toBe(0));
    expect(await alarmAt(dongle)).toBeNull(); // nothing left to keep alive
  });
});

/** Helpers shared by the athena tests: a simulated athenad wired into the Worker, users, relay calls. */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { vi } from "vitest";
import { SimAthena, type SimAthenaOptions } from "./device-sim/athena";
import { fetchTransport } from "./device-sim/athena-transport";
import { ManualClock } from "./device-sim/clock";
import type { SimDevice } from "./device-sim/device";
import { createUser, json, registeredDevice, workerFetch, type TestUser } from "./helpers";

export const ATHENA_HOST = "wss://edge.test";

export function simAthena(device: SimDevice, opts: Partial<SimAthenaOptions> = {}) {
  const clock = (opts.clock as ManualClock | undefined) ?? new ManualClock();
  const sim = new SimAthena({ device, host: ATHENA_HOST, transport: fetchTransport(workerFetch), clock, ...opts });
  return { sim, clock };
}

/** A registered device with a connected athena session. */
export async function connectedDevice(opts: Partial<SimAthenaOptions> = {}) {
  const device = await registeredDevice();
  const { sim, clock } = simAthena(device, opts);
  await sim.connect();
  return { device, sim, clock, dongle: device.dongleId! };
}

export function stubFor(dongle: string) {
  return env.DEVICE.getByName(dongle);
}

/**
 * Storage is per test file and the first account of a server is its admin: call this first in every file so
 * the users tests create afterwards are ordinary ones.
 */
export async function adminFirst(): Promise<TestUser> {
  const admin = await createUser();
  if (admin.role !== "admin") throw new Error("adminFirst() must create the first account of the test file");
  return admin;
}

export async function pairedOwner(device: SimDevice): Promise<TestUser> {
  const owner = await createUser();
  const res = await workerFetch("/v2/pilotpair/", {
    method: "POST",
    headers: owner.auth,
    body: new URLSearchParams({ pair_token: await device.pairToken() }),
  });
  if (res.status !== 200) throw new Error(`pairing failed ${res.status} ${await res.text()}`);
  return owner;
}

export async function share(dongle: string, user: TestUser, permission: "read" | "write") {
  await env.DB.prepare("INSERT INTO device_users (dongle_id, user_id, permission) VALUES (?, ?, ?)")
    .bind(dongle, user.id, permission)
    .run();
}

export function relay(
  dongle: string,
  auth: Record<string, string>,
  body: unknown,
  opts: { path?: string; query?: string } = {},
) {
  const path = opts.path ?? `/${dongle}`;
  return workerFetch(`${path}${opts.query ? `?${opts.query}` : ""}`, json(body, { method: "POST", headers: auth }));
}

export async function alarmAt(dongle: string): Promise<number | null> {
  return runInDurableObject(stubFor(dongle), (_i, state) => state.storage.getAlarm());
}

/** Frames the device received that parse as calls of `method`. */
export function callsReceived(sim: SimAthena, method: string): Record<string, unknown>[] {
  return sim.received.flatMap((t) => {
    try {
      const m = JSON.parse(t);
      return m?.method === method ? [m] : [];
    } catch {
      return [];
    }
  });
}

export const waitFor = <T>(fn: () => T | Promise<T>, timeout = 5000) => vi.waitFor(fn, { timeout, interval: 10 });

export async function deviceRow(dongle: string) {
  return env.DB.prepare("SELECT last_athena_ping, athena_online FROM devices WHERE dongle_id = ?")
    .bind(dongle)
    .first<{ last_athena_ping: number | null; athena_online: number }>();
}

/** Shared helpers for workerd integration tests: every request goes through the real Worker entry. */
import { env, exports } from "cloudflare:workers";
import { vi } from "vitest";
import { SimDevice, type SimDeviceOptions } from "./device-sim/device";

export const ORIGIN = "https://edge.test";

/** Sends a request through the Worker exactly as the network would deliver it. */
export function workerFetch(input: string, init?: RequestInit): Promise<Response> {
  const url = input.startsWith("http") ? input : ORIGIN + input;
  return exports.default.fetch(new Request(url, init));
}

export function newDevice(opts: Partial<SimDeviceOptions> = {}) {
  return SimDevice.create({ api: ORIGIN, fetch: workerFetch, ...opts });
}

export async function registeredDevice(opts: Partial<SimDeviceOptions> = {}) {
  const device = await newDevice(opts);
  const { status, dongleId } = await device.register();
  if (status !== 200 || !dongleId) throw new Error(`registration failed: ${status}`);
  return device;
}

let userCounter = 0;
export const STRONG_PASSWORD = "Correct-Horse-42-battery";

export interface TestUser {
  id: string;
  email: string;
  role: string;
  accessToken: string;
  refreshToken: string;
  auth: { Authorization: string };
}

export async function createUser(
  email = `user${++userCounter}-${crypto.randomUUID().slice(0, 8)}@example.com`,
): Promise<TestUser> {
  const res = await workerFetch("/api/v1/auth/register", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password: STRONG_PASSWORD }),
  });
  if (res.status !== 201) throw new Error(`register failed ${res.status} ${await res.text()}`);
  const body = (await res.json()) as {
    user: { id: string; role: string };
    access_token: string;
    refresh_token: string;
  };
  return {
    id: body.user.id,
    email,
    role: body.user.role,
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    auth: { Authorization: `JWT ${body.access_token}` },
  };
}

export function json(body: unknown, init: RequestInit = {}): RequestInit {
  return {
    ...init,
    headers: { "Content-Type": "application/json", ...(init.headers ?? {}) },
    body: JSON.stringify(body),
  };
}

/**
 * Placeholder uploads (bytes that are not a real log or video) are processed too: the consumer marks them failed
 * and then re-aggregates their route, which clears route fields a test wrote by hand (start time, platform…).
 * Tests that write such fields call this first: it waits until no processed file of the device is pending, then
 * leaves the re-aggregation that follows each file's state write (a few D1 statements) time to finish.
 */
export async function waitUploadsProcessed(dongleId: string, timeout = 20_000): Promise<void> {
  await vi.waitFor(
    async () => {
      const row = await env.DB.prepare(
        "SELECT count(*) AS n FROM uploaded_files WHERE dongle_id = ? AND state = 'pending' AND kind IN ('qlog', 'rlog', 'qcamera')",
      )
        .bind(dongleId)
        .first<{ n: number }>();
      if (row!.n > 0) throw new Error(`${row!.n} uploads of ${dongleId} still pending`);
    },
    { timeout, interval: 50 },
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
}

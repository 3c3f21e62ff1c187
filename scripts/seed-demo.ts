/**
 * Seeds a fresh local install once: a demo account and a demo device with a synthetic drive uploaded through
 * the real device path. Idempotent: it signs in if the account exists and keeps the device identity in
 * .wrangler/demo-device.json so re-runs do not create new devices.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./lib";
import { loadOrCreateSimDevice } from "../test/device-sim/persist";
import { newRouteName, uploadOrder } from "../test/device-sim/route";

export const DEMO_EMAIL = "demo@edge-connect.local";
export const DEMO_PASSWORD = "Edge-Connect-2026!";

async function demoSession(base: string): Promise<string> {
  const body = JSON.stringify({ email: DEMO_EMAIL, password: DEMO_PASSWORD, name: "Demo" });
  const headers = { "Content-Type": "application/json" };
  const reg = await fetch(`${base}/api/v1/auth/register`, { method: "POST", headers, body });
  if (reg.status === 201) return ((await reg.json()) as { access_token: string }).access_token;
  const login = await fetch(`${base}/api/v1/auth/login`, { method: "POST", headers, body });
  if (!login.ok) throw new Error(`demo sign-in failed: ${login.status} ${await login.text()}`);
  return ((await login.json()) as { access_token: string }).access_token;
}

export async function seedDemo(base: string): Promise<void> {
  const marker = path.join(ROOT, ".wrangler", "demo-seeded.json");
  const token = await demoSession(base);
  const device = await loadOrCreateSimDevice(path.join(ROOT, ".wrangler", "demo-device.json"), { api: base, version: "0.10.3" });
  await fetch(`${base}/v2/pilotpair/`, {
    method: "POST", headers: { Authorization: `JWT ${token}` }, body: new URLSearchParams({ pair_token: await device.pairToken() }),
  });
  if (!existsSync(marker)) {
    const route = newRouteName(1);
    for (const f of uploadOrder(route, 3)) await device.uploadFile(f.key, f.data);
    mkdirSync(path.dirname(marker), { recursive: true });
    writeFileSync(marker, JSON.stringify({ route: `${device.dongleId}|${route}`, at: new Date().toISOString() }));
  }
  const seeded = JSON.parse(readFileSync(marker, "utf8")) as { route: string };
  console.log(`\nDemo account: ${DEMO_EMAIL} / ${DEMO_PASSWORD}\nDemo device:  ${device.dongleId}  (route ${seeded.route})`);
}

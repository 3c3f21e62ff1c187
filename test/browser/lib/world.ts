/**
 * Test data through the real server paths: accounts over /api/v1/auth, devices by the simulator (register,
 * pair), drives uploaded the way a device's uploader sends them and processed by the real queue consumer.
 * The drive: one 60 s synthetic qlog segment with GPS, engagement, alerts and a user flag, plus the 2 s synthetic
 * qcamera.ts (the video is shorter than the drive; the app handles that like a missing segment).
 */
import { SimAthena } from "../../device-sim/athena";
import { nodeTransport } from "../../device-sim/athena-transport";
import { SimDevice } from "../../device-sim/device";
import { newRouteName } from "../../device-sim/route";
import { qcameraTs } from "../../fixtures/log-fixtures.generated";
import { syntheticSegment, zstdStored } from "../../fixtures/openpilot-log";

export interface Session {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export async function createAccount(
  base: string,
  name = "Test Driver",
): Promise<Session & { email: string; password: string }> {
  const email = `user-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const password = "Correct-Horse-7-Battery";
  const res = await fetch(`${base}/api/v1/auth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password, name }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  return { ...((await res.json()) as Session), email, password };
}

export async function registeredDevice(base: string): Promise<SimDevice> {
  const device = await SimDevice.create({ api: base, version: "0.10.3" });
  const reg = await device.register();
  if (reg.status !== 200) throw new Error(`device registration: ${reg.status} ${JSON.stringify(reg.body)}`);
  return device;
}

export async function pairViaApi(base: string, session: Session, device: SimDevice): Promise<void> {
  const res = await fetch(`${base}/v2/pilotpair/`, {
    method: "POST",
    headers: { Authorization: `JWT ${session.access_token}` },
    body: new URLSearchParams({ pair_token: await device.pairToken() }),
  });
  if (!res.ok) throw new Error(`pair: ${res.status} ${await res.text()}`);
}

export const driveFiles = () => ({
  "qlog.zst": zstdStored(syntheticSegment({ segment: 0, routeSegments: 1, userFlagsAt: [32] })),
  "qcamera.ts": qcameraTs,
});

/** Uploads one drive like the device's uploader (qlog first) and returns its log id. */
export async function uploadDrive(device: SimDevice): Promise<string> {
  const log = newRouteName(1);
  for (const [name, data] of Object.entries(driveFiles())) {
    const out = await device.uploadFile(`${log}--0/${name}`, data);
    if (out.outcome !== "uploaded") throw new Error(`upload ${name}: ${out.status}`);
  }
  return log;
}

/** A 5 s drive, qlog only: cheap to make many of (paging tests). */
export async function uploadTinyDrive(device: SimDevice, counter: number): Promise<string> {
  const log = newRouteName(counter);
  const out = await device.uploadFile(
    `${log}--0/qlog.zst`,
    zstdStored(syntheticSegment({ segment: 0, routeSegments: 1, seconds: 5 })),
  );
  if (out.outcome !== "uploaded") throw new Error(`upload qlog: ${out.status}`);
  return log;
}

/** Waits until the queue consumer has derived the drive's coords.json (the route then has a track). */
export async function waitProcessed(
  base: string,
  session: Session,
  fullname: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${base}/v1/route/${encodeURIComponent(fullname)}/`, {
      headers: { Authorization: `JWT ${session.access_token}` },
    });
    if (res.ok) {
      const route = (await res.json()) as { url: string };
      const coords = await fetch(`${route.url}/0/coords.json`);
      if (coords.ok && ((await coords.json()) as unknown[]).length > 0) return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${fullname} was not processed within ${timeoutMs} ms`);
}

/** The device's athenad, connected over a real websocket; uploads wait for pumpUploads() unless autoUpload. */
export async function connectAthena(
  base: string,
  device: SimDevice,
  log: string,
  opts: { autoUpload?: boolean } = {},
): Promise<SimAthena> {
  const enc = new TextEncoder();
  const files = new Map<string, Uint8Array>();
  for (const name of ["rlog.zst", "fcamera.hevc", "ecamera.hevc", "dcamera.hevc", "qlog.zst", "qcamera.ts"])
    files.set(`${log}--0/${name}`, enc.encode(`${name} of ${log}`));
  const athena = new SimAthena({
    device,
    host: base.replace(/^http/, "ws"),
    transport: nodeTransport(),
    files,
    autoUpload: opts.autoUpload ?? false,
  });
  athena.start();
  await athena.waitConnected(15_000);
  return athena;
}

/** A full setup without the UI: account, paired device, one processed drive. */
export async function world(base: string) {
  const session = await createAccount(base);
  const device = await registeredDevice(base);
  await pairViaApi(base, session, device);
  const log = await uploadDrive(device);
  const fullname = `${device.dongleId}|${log}`;
  await waitProcessed(base, session, fullname);
  return { session, device, log, fullname };
}

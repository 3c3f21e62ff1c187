/**
 * Seeds a fresh local install once: a demo account, a demo device and a demo drive made from the project's
 * synthetic fixtures (real qlogs and qcamera video, test/device-sim/drive-files.ts), uploaded through the real
 * device path (upload_url + signed PUT) and processed by the real queue consumer; then it waits for the consumer
 * and prints the credentials and the drive's URL.
 *
 * Idempotent and resumable: the account is signed in to if it exists; the device identity is kept in
 * .wrangler/demo-device.json; the drive's name and start time are written to .wrangler/demo-seeded.json BEFORE
 * uploading, so a re-run (even after an interrupted one) regenerates the same bytes for the same drive (re-uploads
 * of identical bytes are no-ops on the server) and never adds a second drive. A demo drive the user deleted stays
 * deleted (the server answers 412).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./lib";
import { driveEndingNow, type SyntheticDrive, syntheticDriveFiles } from "../test/device-sim/drive-files";
import { loadOrCreateSimDevice } from "../test/device-sim/persist";
import { newRouteName, uploadOrder } from "../test/device-sim/route";

export const DEMO_EMAIL = "demo@edge-connect.local";
export const DEMO_PASSWORD = "Edge-Connect-2026!";
const DEMO_SEGMENTS = 3;
const PROCESSING_TIMEOUT_MS = 120_000;

interface DemoMarker extends SyntheticDrive {
  /** "<dongle>|<log_id>" */
  route: string;
}

async function demoSession(base: string): Promise<string> {
  const body = JSON.stringify({ email: DEMO_EMAIL, password: DEMO_PASSWORD, name: "Demo" });
  const headers = { "Content-Type": "application/json" };
  const reg = await fetch(`${base}/api/v1/auth/register`, { method: "POST", headers, body });
  if (reg.status === 201) return ((await reg.json()) as { access_token: string }).access_token;
  const login = await fetch(`${base}/api/v1/auth/login`, { method: "POST", headers, body });
  if (!login.ok) throw new Error(`demo sign-in failed: ${login.status} ${await login.text()}`);
  return ((await login.json()) as { access_token: string }).access_token;
}

/** The demo drive of this checkout: read from the marker, or chosen now and written down before any upload. */
function demoDrive(file: string, dongleId: string): DemoMarker {
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, "utf8")) as Partial<DemoMarker>;
    // A marker of another device (local state was reset) or from before demo drives were real: seed anew.
    if (saved.route?.startsWith(`${dongleId}|`) && saved.startMs && saved.segments) return saved as DemoMarker;
  }
  const marker: DemoMarker = { route: `${dongleId}|${newRouteName(1)}`, ...driveEndingNow(DEMO_SEGMENTS) };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(marker, null, 2));
  return marker;
}

type Segment = { number: number; state: "pending" | "done" | "failed"; fail_reason: string | null };

async function segmentsOf(base: string, token: string, fullname: string): Promise<Segment[] | null> {
  const res = await fetch(`${base}/api/v1/routes/${encodeURIComponent(fullname)}/segments`, {
    headers: { Authorization: `JWT ${token}` },
  });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`reading the demo drive failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Segment[];
}

const settled = (segs: Segment[] | null, count: number) =>
  !!segs && segs.length === count && segs.every((s) => s.state !== "pending");

/** Polls the API until the consumer has processed every segment (done or failed). */
async function waitProcessed(base: string, token: string, fullname: string, count: number): Promise<Segment[]> {
  const deadline = Date.now() + PROCESSING_TIMEOUT_MS;
  for (;;) {
    const segs = await segmentsOf(base, token, fullname);
    if (settled(segs, count)) return segs!;
    if (Date.now() > deadline)
      throw new Error(
        `the demo drive was not processed within ${PROCESSING_TIMEOUT_MS / 1000} s: ${JSON.stringify(segs)}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function seedDemo(base: string): Promise<void> {
  const token = await demoSession(base);
  const device = await loadOrCreateSimDevice(path.join(ROOT, ".wrangler", "demo-device.json"), {
    api: base,
    version: "0.10.3",
  });
  // Pairing again is refused harmlessly once the device is ours.
  await fetch(`${base}/v2/pilotpair/`, {
    method: "POST",
    headers: { Authorization: `JWT ${token}` },
    body: new URLSearchParams({ pair_token: await device.pairToken() }),
  }).then((r) => r.body?.cancel());
  const drive = demoDrive(path.join(ROOT, ".wrangler", "demo-seeded.json"), device.dongleId!);
  const logId = drive.route.split("|")[1];

  let deleted = false;
  if (!settled(await segmentsOf(base, token, drive.route), drive.segments)) {
    console.log(`Seeding the demo drive ${drive.route} (${drive.segments} segments, uploaded like a device)…`);
    for (const f of uploadOrder(logId, drive.segments, syntheticDriveFiles(drive))) {
      const out = await device.uploadFile(f.key, f.data);
      if (out.status === 412) {
        deleted = true;
        break;
      }
      if (out.outcome !== "uploaded") throw new Error(`demo upload of ${f.key} failed: ${out.status}`);
    }
  }
  let summary = "";
  if (deleted) summary = "  (you deleted the demo drive; it is not seeded again)";
  else {
    const segs = await waitProcessed(base, token, drive.route, drive.segments);
    const failed = segs.filter((s) => s.state === "failed");
    if (failed.length)
      summary = `  (processing failed: ${failed.map((s) => `${s.number}: ${s.fail_reason}`).join("; ")})`;
  }
  console.log(
    [
      "",
      `Demo account: ${DEMO_EMAIL} / ${DEMO_PASSWORD}`,
      `Demo device:  ${device.dongleId}`,
      `Demo drive:   ${base}/routes/${drive.route.replace("|", "/")}${summary}`,
    ].join("\n"),
  );
}

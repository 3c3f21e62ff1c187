/**
 * `npm run device:sim -- --api http://127.0.0.1:8787 [--ecdsa] [--version 0.10.3] [--segments 3] [--state FILE] [--new]
 *    [--athena [--athena-host ws://127.0.0.1:8787]]`
 * Registers a simulated openpilot device (identity kept in --state), prints its pairing QR URL, and uploads a
 * synthetic drive (real qlogs and qcamera video from test/fixtures, dated now) the way the device's uploader does.
 * With --athena it then stays connected like athenad.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { runAthena } from "./athena-cli";
import { driveEndingNow, syntheticDriveFiles } from "./drive-files";
import { loadOrCreateSimDevice } from "./persist";
import { newRouteName, uploadOrder } from "./route";

const { values } = parseArgs({
  options: {
    api: { type: "string", default: "http://127.0.0.1:8787" },
    ecdsa: { type: "boolean", default: false },
    version: { type: "string", default: "0.10.3" },
    segments: { type: "string", default: "3" },
    state: { type: "string", default: path.resolve(".wrangler/sim-device.json") },
    new: { type: "boolean", default: false },
    "no-upload": { type: "boolean", default: false },
    athena: { type: "boolean", default: false },
    "athena-host": { type: "string" },
  },
});

if (values.new) rmSync(values.state!, { force: true });
const device = await loadOrCreateSimDevice(values.state!, {
  api: values.api!,
  keyKind: values.ecdsa ? "ecdsa" : "rsa",
  version: values.version,
});
console.log(`dongle id:  ${device.dongleId}`);
console.log(`pair with:  ${await device.pairUrl()}`);
console.log(`paired:     ${(await device.pollPairing()).isPaired}`);

if (!values["no-upload"]) {
  // A real drive (synthetic qlogs + qcamera video) that ended just now: each run adds one more to the timeline.
  const route = newRouteName();
  const segments = Number(values.segments);
  const files = uploadOrder(route, segments, syntheticDriveFiles(driveEndingNow(segments)));
  for (const f of files) {
    const out = await device.uploadFile(f.key, f.data);
    console.log(`${out.outcome.padEnd(8)} ${out.status} ${f.key}`);
  }
  console.log(`route:      ${device.dongleId}|${route}`);
}

if (values.athena) await runAthena(device, { host: values["athena-host"] ?? values.api!.replace(/^http/, "ws") });

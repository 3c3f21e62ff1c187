/**
 * A device catching up on a week of drives must never be throttled into losing files: its upload URLs, PUTs and
 * athena connects have their own per-dongle budget (DEVICE_LIMIT), apart from the 100/min API limit. openpilot's
 * uploader treats 200/201/401/403/412 on a PUT as "done" (docs/device-protocol.md), so a limit must never answer
 * those; a 429 would only delay the file, and this proves even that does not happen in a 200-file burst.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newRouteName } from "../device-sim/route";
import { registeredDevice } from "../helpers";

const CAMERAS = ["fcamera.hevc", "dcamera.hevc", "ecamera.hevc"];

/** `count` files of one drive (camera files: stored, not processed), as the uploader names them. */
function driveFiles(count: number) {
  const route = newRouteName();
  return Array.from({ length: count }, (_, i) => ({
    key: `${route}--${Math.floor(i / CAMERAS.length)}/${CAMERAS[i % CAMERAS.length]}`,
    data: new TextEncoder().encode(`file ${i} of ${route}`),
    stored: `${route}/${Math.floor(i / CAMERAS.length)}/${CAMERAS[i % CAMERAS.length]}`,
  }));
}

async function storedCount(dongleId: string, files: { stored: string }[]) {
  const heads = await Promise.all(files.map((f) => env.MEDIA.head(`${dongleId}/${f.stored}`)));
  return heads.filter(Boolean).length;
}

describe("device uploads under the rate limits", { timeout: 120_000 }, () => {
  it("200 files uploaded in a burst by the device simulator: every one stored, no 429", async () => {
    const device = await registeredDevice();
    const files = driveFiles(200);
    const outcomes = await Promise.all(files.map((f) => device.uploadFile(f.key, f.data)));
    expect(outcomes.filter((o) => o.status === 429)).toEqual([]);
    expect(outcomes.filter((o) => o.outcome !== "uploaded" || o.status !== 201)).toEqual([]);
    expect(await storedCount(device.dongleId!, files)).toBe(200);
  });

  it("a device that used up its API budget still uploads: uploads are budgeted apart", async () => {
    const device = await registeredDevice();
    const polls = await Promise.all(
      Array.from({ length: 120 }, () => device.apiGet(`v1.1/devices/${device.dongleId}`)),
    );
    const limited = polls.filter((r) => r.status === 429).length;
    expect(limited).toBeGreaterThan(0);
    const files = driveFiles(30);
    const outcomes = await Promise.all(files.map((f) => device.uploadFile(f.key, f.data)));
    expect(outcomes.map((o) => o.status)).toEqual(files.map(() => 201));
    expect(await storedCount(device.dongleId!, files)).toBe(30);
  });
});

/**
 * Pairing by QR code, as a phone user does it: the device's pairing QR is shown to a camera. Chromium's fake camera
 * plays an MJPEG file of the rendered QR (no getUserMedia stub: the app's real camera path and its jsQR fallback
 * run, Linux Chromium has no BarcodeDetector), and the photo picker reads the same image from a file.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import QRCode from "qrcode";
import { afterAll, beforeAll, describe, inject, it } from "vitest";
import { launch, newPage, PHONE, screenshot, signInWith } from "./lib/browser";
import { createAccount, registeredDevice } from "./lib/world";

const base = inject("base");
const dir = mkdtempSync(path.join(tmpdir(), "edge-qr-"));

/** The QR as a phone camera would see it: dark modules on a white card in the middle of a grey frame, as JPEG. */
async function cameraFrame(browser: Browser, text: string): Promise<Buffer> {
  const svg = await QRCode.toString(text, { type: "svg", margin: 4, errorCorrectionLevel: "M" });
  const page = await browser.newPage({ viewport: { width: 640, height: 480 } });
  await page.setContent(`<body style="margin:0;height:480px;display:grid;place-items:center;background:#777">
    <div style="width:360px;height:360px;background:#fff">${svg}</div></body>`);
  const jpeg = await page.screenshot({ type: "jpeg", quality: 90 });
  await page.close();
  return jpeg;
}

describe("pairing by QR code", () => {
  let helper: Browser;
  let camera: Browser | undefined;

  beforeAll(async () => {
    helper = await launch();
  });
  afterAll(async () => {
    await camera?.close();
    await helper?.close();
  });

  it("scans the device's QR with the camera and pairs it", async () => {
    const device = await registeredDevice(base);
    const frame = await cameraFrame(helper, await device.pairUrl());
    const mjpeg = path.join(dir, "qr.mjpeg");
    writeFileSync(mjpeg, Buffer.concat([frame, frame, frame]));
    camera = await launch({
      args: [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        `--use-file-for-fake-video-capture=${mjpeg}`,
      ],
    });
    const { context, page } = await newPage(camera, base, PHONE);
    await context.grantPermissions(["camera"], { origin: base });
    await signInWith(page, await createAccount(base, "Camera owner"));
    await page.goto("/pair");
    await page.getByRole("button", { name: "Use camera" }).click();
    await page.waitForURL(`**/devices/${device.dongleId}`, { timeout: 20_000 });
    await screenshot(page, "pair-scanned-phone", { fullPage: false });
  });

  it("reads the QR from a photo when there is no camera", async () => {
    const device = await registeredDevice(base);
    const photo = path.join(dir, "qr.jpg");
    writeFileSync(photo, await cameraFrame(helper, await device.pairUrl()));
    const { page } = await newPage(helper, base);
    await signInWith(page, await createAccount(base, "Photo owner"));
    await page.goto("/pair");
    await page.locator('input[type="file"]').setInputFiles(photo);
    await page.waitForURL(`**/devices/${device.dongleId}`, { timeout: 20_000 });
  });
});

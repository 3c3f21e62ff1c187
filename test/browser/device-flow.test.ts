/**
 * The device page and on-demand uploads with the athena simulator on a real websocket: live status, snapshot
 * (both cameras), "upload full quality" with the upload queue (progress, cancel, completion), and the offline
 * queue while the device is away.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { SimAthena } from "../device-sim/athena";
import { launch, newPage, screenshot, signInWith } from "./lib/browser";
import { connectAthena, createAccount, world } from "./lib/world";

const base = inject("base");

/** A real JPEG (the simulator's default snapshot bytes are not decodable): a rendered gradient from Chromium. */
async function jpeg(page: Page, colors: [string, string]): Promise<string> {
  const p = await page.context().newPage();
  await p.setViewportSize({ width: 320, height: 200 });
  await p.setContent(
    `<body style="margin:0;height:200px;background:linear-gradient(120deg,${colors[0]},${colors[1]})"></body>`,
  );
  const buf = await p.screenshot({ type: "jpeg", quality: 70 });
  await p.close();
  return buf.toString("base64");
}

describe("device page and uploads with a live (simulated) device", () => {
  let browser: Browser;
  let page: Page;
  let athena: SimAthena;
  let w: Awaited<ReturnType<typeof world>>;

  beforeAll(async () => {
    w = await world(base);
    athena = await connectAthena(base, w.device, w.log);
    browser = await launch();
    ({ page } = await newPage(browser, base));
    await signInWith(page, w.session);
    const [back, front] = [await jpeg(page, ["#335577", "#99bbdd"]), await jpeg(page, ["#553322", "#ddbb99"])];
    // The simulator answers jpegFront: null; a device with a driver camera returns both.
    (athena as unknown as { dispatcher: Record<string, { fn: () => unknown }> }).dispatcher.takeSnapshot.fn = () => ({
      jpegBack: back,
      jpegFront: front,
    });
  });
  afterAll(async () => {
    await athena?.stop();
    await browser?.close();
  });

  it("shows the device online with live readings", async () => {
    await page.goto(`/devices/${w.device.dongleId}`);
    const status = page.locator(".live-panel");
    await expect.poll(() => status.locator(".badge-online").count(), { timeout: 15_000 }).toBe(1);
    // peripheralState.voltage 12480 mV from the simulator, polled by the live view every 5 s.
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toContain("12.5 V");
  });

  it("renames the device", async () => {
    await page.getByRole("button", { name: "Rename" }).click();
    await page.getByLabel("Device name").fill("Blue Corolla");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Blue Corolla");
  });

  it("takes a snapshot and shows both camera images", async () => {
    await page.getByRole("button", { name: "Take snapshot" }).click();
    const road = page.getByRole("img", { name: "Road camera" });
    const driver = page.getByRole("img", { name: "Driver camera" });
    await expect
      .poll(() => road.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth), { timeout: 15_000 })
      .toBe(320);
    expect(await driver.evaluate((i: HTMLImageElement) => i.naturalWidth)).toBe(320);
    await screenshot(page, "device-desktop-dark");
  });

  it("requests full quality files, lists them in the upload queue, cancels one and finishes the other", async () => {
    await page.goto(`/routes/${w.device.dongleId}/${w.log}`);
    await page.getByRole("button", { name: "Upload full quality" }).click();
    const dialog = page.getByRole("dialog", { name: "Upload full quality" });
    await dialog.getByRole("button", { name: "Request upload" }).click();
    await expect
      .poll(() => dialog.getByRole("status").textContent(), { timeout: 15_000 })
      .toBe("The device is uploading 2 files.");
    await dialog.getByRole("button", { name: "Close" }).first().click();

    const queue = page.locator(".upload-queue");
    await expect.poll(() => queue.locator(".upload-item").count(), { timeout: 10_000 }).toBe(2);
    expect(await queue.getByRole("progressbar").count()).toBe(2);
    await queue.getByRole("button", { name: /Cancel fcamera\.hevc/ }).click();
    await expect.poll(() => queue.locator(".upload-item").count(), { timeout: 10_000 }).toBe(1);
    expect(await queue.textContent()).toContain("rlog.zst");
    expect(athena.uploads.list().map((i) => i.path.split("/").pop())).toEqual(["rlog.zst"]);

    await athena.pumpUploads();
    expect(athena.uploads.done.map((d) => d.status)).toEqual([201]);
    await expect.poll(() => queue.textContent(), { timeout: 10_000 }).toContain("Nothing is uploading.");

    await page.getByRole("button", { name: "Download" }).click();
    const files = page.getByRole("dialog", { name: "Download files" });
    await expect.poll(() => files.getByRole("link", { name: "rlog.zst" }).count(), { timeout: 10_000 }).toBe(1);
    await files.getByRole("button", { name: "Close" }).click();
  });

  it("queues the request while the device is offline and delivers it when it reconnects", async () => {
    await athena.stop();
    await page.getByRole("button", { name: "Upload full quality" }).click();
    const dialog = page.getByRole("dialog", { name: "Upload full quality" });
    await dialog.getByLabel("Road camera (HEVC)", { exact: true }).uncheck();
    await dialog.getByLabel("Full logs (rlog)").uncheck();
    await dialog.getByLabel("Driver camera (HEVC)").check();
    await dialog.getByRole("button", { name: "Request upload" }).click();
    await expect
      .poll(() => dialog.getByRole("status").textContent(), { timeout: 15_000 })
      .toBe("The device is offline: 1 file will upload when it reconnects.");
    await dialog.getByRole("button", { name: "Close" }).first().click();

    const queue = page.locator(".upload-queue");
    await expect.poll(() => queue.textContent(), { timeout: 10_000 }).toContain("waiting for the device");
    expect(await queue.textContent()).toContain("The device is offline");

    athena.start();
    await athena.waitConnected(15_000);
    await expect.poll(() => athena.uploads.list().length, { timeout: 15_000 }).toBe(1);
    await expect.poll(() => queue.textContent(), { timeout: 10_000 }).toContain("dcamera.hevc");
    await expect.poll(() => queue.textContent(), { timeout: 10_000 }).not.toContain("waiting for the device");
    await screenshot(page, "route-upload-queue-desktop");
  });

  it("preserves, shares a public link that opens without an account, and asks before deleting", async () => {
    const preserve = page.getByRole("button", { name: "Preserve" });
    await preserve.click();
    await expect.poll(() => page.getByRole("button", { name: "Preserved" }).getAttribute("aria-pressed")).toBe("true");

    await page.getByRole("button", { name: "Share" }).click();
    const share = page.getByRole("dialog", { name: "Share drive" });
    await share.getByRole("switch", { name: "Public link" }).check();
    const link = share.getByLabel("Link to the drive");
    await link.waitFor();
    const url = await link.inputValue();
    expect(url).toBe(`${base}/routes/${w.device.dongleId}/${w.log}`);
    // Share this one drive with another account: listed, and that person can open it.
    const friend = await createAccount(base, "Friend");
    await share.getByLabel("Email").fill(friend.email);
    await share.getByRole("button", { name: "Share", exact: true }).click();
    await expect.poll(() => share.getByText(friend.email).count()).toBeGreaterThan(0);
    const theirs = await fetch(`${base}/v1/route/${encodeURIComponent(`${w.device.dongleId}|${w.log}`)}/`, {
      headers: { Authorization: `JWT ${friend.access_token}` },
    });
    expect(theirs.status).toBe(200);
    await share.getByRole("button", { name: "Close" }).click();
    // The friend has no device of their own: the drive waits for them on their dashboard.
    const { context: friendContext, page: friendPage } = await newPage(browser, base);
    await signInWith(friendPage, friend);
    await friendPage.goto("/");
    const shared = friendPage.getByRole("region", { name: "Shared with you" });
    await expect
      .poll(() => shared.locator(`a[href="/routes/${w.device.dongleId}/${w.log}"]`).count(), { timeout: 15_000 })
      .toBe(1);
    await friendContext.close();

    const { context: anonymous, page: stranger } = await newPage(browser, base);
    await stranger.goto(url);
    await expect
      .poll(() => stranger.locator(".route-map").getAttribute("data-track"), { timeout: 30_000 })
      .toBe("drawn");
    expect(await stranger.getByRole("button", { name: "Delete" }).count()).toBe(0); // not their drive
    await anonymous.close();

    await page.getByRole("button", { name: "Delete" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete this drive?" });
    await confirm.getByRole("button", { name: "Delete" }).click();
    // Deleted: back on the drive list, without it; its page no longer opens.
    await page.waitForURL(`**/timeline/${w.device.dongleId}`, { timeout: 10_000 });
    await expect.poll(() => page.locator(`a[href="/routes/${w.device.dongleId}/${w.log}"]`).count()).toBe(0);
    const gone = await fetch(`${base}/v1/route/${encodeURIComponent(`${w.device.dongleId}|${w.log}`)}/`, {
      headers: { Authorization: `JWT ${w.session.access_token}` },
    });
    expect(gone.status).toBe(404);
  });
});

/**
 * The HTTP endpoints a stock openpilot device calls (docs/device-protocol.md §3), and their web-app siblings.
 * Paths are accepted with and without trailing slashes (the app is non-strict) and with "//" (folded in index.ts).
 * Only the handlers wrapped in `acceptsDeviceTokens` take a device JWT; every other endpoint refuses one (403).
 */
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { badRequest } from "../errors";
import { acceptsDeviceTokens, requireDevice } from "../http/auth";
import { jsonBody, publicOrigin, requestFields } from "../http/params";
import { loadDeviceFor } from "../services/access";
import { clientIp } from "../services/audit";
import { deviceView } from "../services/devices/devices";
import { registerDevice } from "../services/devices/registration";
import {
  BATCH_UPLOAD_URL_DEFAULT_DAYS,
  BATCH_UPLOAD_URL_MAX_DAYS,
  DEVICE_UPLOAD_URL_TTL_S,
  assertUploadWanted,
  parseTarget,
  signedUploadUrl,
} from "../services/devices/uploads";

export const deviceHttp = new Hono<AppEnv>({ strict: false });

deviceHttp.post("/v2/pilotauth", async (c) => {
  const f = await requestFields(c);
  const { dongleId } = await registerDevice(c.var.db, {
    publicKey: f.public_key,
    registerToken: f.register_token,
    serial: f.serial,
    imei: f.imei,
    imei2: f.imei2,
    userAgent: c.req.header("User-Agent"),
    ip: clientIp(c.req.raw),
  });
  return c.json({ dongle_id: dongleId });
});

deviceHttp.get("/v1.4/:dongle/upload_url", acceptsDeviceTokens, async (c) => {
  const device = requireDevice(c, c.req.param("dongle"));
  const target = parseTarget(c.req.query("path") ?? "");
  await assertUploadWanted(c.var.db, device.dongleId, target, device.ignoreUploads);
  return c.json(await signedUploadUrl(c.env, publicOrigin(c), device.dongleId, target, DEVICE_UPLOAD_URL_TTL_S));
});

/** Batch form used by web apps to hand the device URLs for on-demand (athena) uploads. */
deviceHttp.post("/v1/:dongle/upload_urls", async (c) => {
  const { device } = await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle"), "write");
  const body = await jsonBody<{ paths?: unknown; expiry_days?: unknown }>(c);
  if (!Array.isArray(body?.paths) || body.paths.some((p) => typeof p !== "string") || body.paths.length > 1000) {
    throw badRequest("invalid_paths", "paths must be an array of at most 1000 strings");
  }
  const days = body.expiry_days === undefined ? BATCH_UPLOAD_URL_DEFAULT_DAYS : Number(body.expiry_days);
  if (!Number.isFinite(days) || days <= 0 || days > BATCH_UPLOAD_URL_MAX_DAYS) {
    throw badRequest("invalid_expiry", `expiry_days must be between 1 and ${BATCH_UPLOAD_URL_MAX_DAYS}`);
  }
  const targets = (body.paths as string[]).map(parseTarget);
  const origin = publicOrigin(c);
  return c.json(
    await Promise.all(targets.map((t) => signedUploadUrl(c.env, origin, device.dongleId, t, Math.round(days * 86400)))),
  );
});

deviceHttp.get("/v1.1/devices/:dongle", acceptsDeviceTokens, async (c) => {
  const { device, access, user } = await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle"), "read");
  return c.json(
    deviceView(c.env, device, { isOwner: user !== null && access === "owner" && device.ownerId === user.id, access }),
  );
});

deviceHttp.get("/v1/devices/:dongle/firehose_stats", acceptsDeviceTokens, async (c) => {
  await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle"), "read");
  // comma counts the owner's segments in its training set; a self-hosted server has none.
  return c.json({ firehose: 0 });
});

// openpilot ≤ 0.9.7 polls navigation every 10–30 s even while driving; there is no server-side navigation.
deviceHttp.get("/v1/navigation/:dongle/locations", acceptsDeviceTokens, async (c) => {
  await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle"), "read");
  return c.json([]);
});
deviceHttp.get("/v1/navigation/:dongle/next", acceptsDeviceTokens, async (c) => {
  await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle"), "read");
  return c.json(null);
});
deviceHttp.delete("/v1/navigation/:dongle/next", acceptsDeviceTokens, async (c) => {
  await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle"), "read");
  return c.json({ success: 1 });
});

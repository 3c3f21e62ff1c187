/** comma-compatible device endpoints for comma's web apps (docs/connect-api.md §3, §4.3), and the billing stubs. */
import { eq, inArray, or } from "drizzle-orm";
import { Hono } from "hono";
import { deviceUsers, devices } from "../db/schema";
import type { AppEnv } from "../http/app-env";
import type { DeviceRow } from "../db/types";
import { requireUser } from "../http/auth";
import { badRequest, notFound } from "../errors";
import { jsonBody } from "../http/params";
import { loadDeviceFor } from "../services/access";
import { auditSource } from "../services/audit";
import { deviceView } from "../services/devices/devices";
import { addDeviceUser, listDeviceUsers, removeDeviceUser } from "../services/devices/sharing";
import { drivingStats, lastLocation } from "../services/devices/stats";

export const commaDevices = new Hono<AppEnv>({ strict: false });

commaDevices.get("/v1/me/devices", async (c) => {
  const user = requireUser(c);
  const shared = c.var.db.select({ id: deviceUsers.dongleId }).from(deviceUsers).where(eq(deviceUsers.userId, user.id));
  const rows = await c.var.db
    .select()
    .from(devices)
    .where(or(eq(devices.ownerId, user.id), inArray(devices.dongleId, shared)));
  const owns = (d: DeviceRow) => d.ownerId === user.id || user.role === "admin";
  return c.json(
    rows.map((d) => deviceView(c.env, d, { isOwner: d.ownerId === user.id, access: owns(d) ? "owner" : "read" })),
  );
});

commaDevices.patch("/v1/devices/:dongle", async (c) => {
  const { device, user, access } = await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle"), "write");
  const body = await jsonBody<{ alias?: unknown }>(c);
  if (typeof body?.alias !== "string" || body.alias.length > 100)
    throw badRequest("invalid_alias", "alias must be a string of at most 100 characters");
  const [updated] = await c.var.db
    .update(devices)
    .set({ alias: body.alias.trim() || null })
    .where(eq(devices.dongleId, device.dongleId))
    .returning();
  return c.json(deviceView(c.env, updated, { isOwner: updated.ownerId === user?.id, access }));
});

commaDevices.get("/v1.1/devices/:dongle/stats", async (c) => {
  const { device } = await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle"), "read");
  return c.json(await drivingStats(c.var.db, device.dongleId));
});

commaDevices.get("/v1/devices/:dongle/location", async (c) => {
  const { device } = await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle"), "read");
  const location = await lastLocation(c.var.db, device.dongleId);
  if (!location) throw notFound("Location unavailable", "location_unavailable");
  return c.json(location);
});

commaDevices.get("/v1/devices/:dongle/users", async (c) => {
  const { device } = await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle"), "read");
  return c.json(await listDeviceUsers(c.var.db, device));
});

commaDevices.post("/v1/devices/:dongle/add_user", async (c) => {
  requireUser(c);
  const { device } = await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle"), "owner");
  const body = await jsonBody<{ email?: unknown; permission?: unknown }>(c);
  await addDeviceUser(c.var.db, device, body?.email, body?.permission, auditSource(c.var.principal, c.req.raw));
  return c.json({ success: 1 });
});

commaDevices.post("/v1/devices/:dongle/del_user", async (c) => {
  requireUser(c);
  const { device } = await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle"), "owner");
  const body = await jsonBody<{ email?: unknown }>(c);
  await removeDeviceUser(c.var.db, device, body?.email, auditSource(c.var.principal, c.req.raw));
  return c.json({ success: 1 });
});

/** WebRTC (comma's livestream) needs TURN servers a self-hosted server does not run: none offered. */
commaDevices.get("/v1/me/turn", (c) => {
  requireUser(c);
  return c.json({ iceServers: [], ttl: 3600 });
});

// Billing (comma's BILLING_URL paths). Self-hosting needs no subscription: valid "nothing to pay" answers.
commaDevices.get("/v1/prime/subscribe_info", (c) => {
  requireUser(c);
  return c.json({
    data_connected: null,
    device_online: false,
    has_prime: false,
    is_prime_sim: false,
    sim_id: null,
    sim_type: null,
    sim_usable: null,
    trial_end_data: null,
    trial_end_nodata: null,
  });
});
commaDevices.get("/v1/prime/subscription", (c) => {
  requireUser(c);
  throw notFound("Self-hosted: no subscription is needed", "no_subscription");
});
commaDevices.get("/v1/prime/stripe_session", (c) => {
  requireUser(c);
  return c.json({ payment_status: "no_payment_required" });
});
for (const path of ["/v1/prime/cancel", "/v1/prime/stripe_checkout", "/v1/prime/switch_plan"]) {
  commaDevices.post(path, (c) => {
    requireUser(c);
    throw badRequest("billing_disabled", "Self-hosted: there is nothing to pay");
  });
}
commaDevices.get("/v1/prime/stripe_portal", (c) => {
  requireUser(c);
  throw badRequest("billing_disabled", "Self-hosted: there is nothing to pay");
});

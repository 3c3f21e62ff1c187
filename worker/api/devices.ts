/** /api/v1 devices: the same services as the comma surface, documented with OpenAPI. */
import { createRoute } from "@hono/zod-openapi";
import { eq, inArray, or } from "drizzle-orm";
import { deviceUsers, devices } from "../db/schema";
import { requireUser } from "../http/auth";
import { apiRouter, errors, jsonBody, jsonContent, userAuth, z } from "../http/openapi";
import { DriveEvents } from "./drive-content";
import { loadDeviceFor } from "../services/access";
import { notFound } from "../errors";
import { auditSource } from "../services/audit";
import { deviceView } from "../services/devices/devices";
import { pairDevice, unpairDevice } from "../services/devices/pairing";
import { addDeviceUser, listDeviceUsers, removeDeviceUser } from "../services/devices/sharing";
import { detailedDrivingStats, lastLocation } from "../services/devices/stats";

const Device = z
  .object({
    dongle_id: z.string(),
    alias: z.string(),
    serial: z
      .string()
      .openapi({ description: "The hardware serial; empty unless you own the device (or are an admin)" }),
    last_athena_ping: z.number().int(),
    is_online: z.boolean().openapi({ description: "A keepalive answer within the last 120 s" }),
    ignore_uploads: z.boolean(),
    is_paired: z.boolean(),
    is_owner: z.boolean(),
    public_key: z.string(),
    prime: z.boolean(),
    prime_type: z.number().int(),
    device_type: z.string(),
    openpilot_version: z.string(),
    access: z.enum(["owner", "write", "read"]),
  })
  .passthrough()
  .openapi("Device");

const Totals = z.object({
  distance: z.number().openapi({ description: "Miles" }),
  minutes: z.number().int(),
  routes: z.number().int(),
  average_speed_mph: z
    .number()
    .openapi({ description: "Distance / duration of the drives whose duration is known; 0 when none is" }),
  routes_with_engagement: z
    .number()
    .int()
    .openapi({
      description:
        "Drives whose engaged time and event counts are known. Drives processed before these were recorded count in " +
        "distance, minutes and routes but are unknown here (not zero): they are left out of engaged_minutes, engaged_share " +
        "and events until the drive is re-processed",
    }),
  engaged_minutes: z.number().openapi({ description: "Time openpilot was engaged, over routes_with_engagement" }),
  engaged_share: z.number().openapi({
    description:
      "Engaged time / duration over routes_with_engagement (drives of unknown engagement are not in the denominator), 0..1",
  }),
  events: DriveEvents.openapi({
    description: "Summed over routes_with_engagement, counted as GET /api/v1/routes/{fullname}/stats counts them",
  }),
});
const Stats = z
  .object({
    all: Totals,
    week: Totals.openapi({ description: "Drives first uploaded in the last 7 days" }),
  })
  .openapi("DeviceStats", {
    description: "comma's /v1.1/devices/{dongle_id}/stats (distance, minutes, routes) plus the fields above",
  });
const Location = z
  .object({
    dongle_id: z.string(),
    lat: z.number(),
    lng: z.number(),
    time: z.number(),
    accuracy: z.number(),
    speed: z.number(),
    bearing: z.number(),
  })
  .openapi("DeviceLocation");
const Share = z
  .object({ email: z.string(), permission: z.enum(["owner", "read_access", "write_access"]) })
  .openapi("DeviceUser");
const Dongle = z.object({
  dongle_id: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .openapi({ param: { name: "dongle_id", in: "path" } }),
});
const Success = z.object({ success: z.literal(1) });

const list = createRoute({
  method: "get",
  path: "/api/v1/devices",
  tags: ["devices"],
  security: userAuth,
  summary: "Devices I own or that are shared with me",
  responses: { 200: jsonContent(z.array(Device), "Devices"), ...errors(401) },
});
const get = createRoute({
  method: "get",
  path: "/api/v1/devices/{dongle_id}",
  tags: ["devices"],
  security: userAuth,
  summary: "One device",
  request: { params: Dongle },
  responses: { 200: jsonContent(Device, "The device"), ...errors(401, 404) },
});
const update = createRoute({
  method: "patch",
  path: "/api/v1/devices/{dongle_id}",
  tags: ["devices"],
  security: userAuth,
  summary: "Rename (alias)",
  request: { params: Dongle, ...jsonBody(z.object({ alias: z.string().max(100) })) },
  responses: { 200: jsonContent(Device, "Updated"), ...errors(400, 401, 403, 404) },
});
const remove = createRoute({
  method: "delete",
  path: "/api/v1/devices/{dongle_id}",
  tags: ["devices"],
  security: userAuth,
  summary: "Unpair (the device shows its pairing QR again)",
  request: { params: Dongle },
  responses: { 200: jsonContent(Success, "Unpaired"), ...errors(401, 403, 404) },
});
const pair = createRoute({
  method: "post",
  path: "/api/v1/devices/pair",
  tags: ["devices"],
  security: userAuth,
  summary: "Pair with the token from the device's QR (the token or the whole https://connect.comma.ai/?pair=… URL)",
  request: jsonBody(z.object({ pair_token: z.string().max(4096) })),
  responses: {
    200: jsonContent(z.object({ dongle_id: z.string(), first_pair: z.boolean() }), "Paired"),
    ...errors(400, 401, 403, 404, 417),
  },
});
const stats = createRoute({
  method: "get",
  path: "/api/v1/devices/{dongle_id}/stats",
  tags: ["devices"],
  security: userAuth,
  summary: "Driving totals: miles, minutes, drives, average speed, engaged time and share, event counts",
  request: { params: Dongle },
  responses: { 200: jsonContent(Stats, "Totals"), ...errors(401, 404) },
});
const location = createRoute({
  method: "get",
  path: "/api/v1/devices/{dongle_id}/location",
  tags: ["devices"],
  security: userAuth,
  summary: "Last known position",
  request: { params: Dongle },
  responses: { 200: jsonContent(Location, "Position"), ...errors(401, 404) },
});
const users = createRoute({
  method: "get",
  path: "/api/v1/devices/{dongle_id}/users",
  tags: ["sharing"],
  security: userAuth,
  summary: "Who can see this device",
  request: { params: Dongle },
  responses: { 200: jsonContent(z.array(Share), "Users"), ...errors(401, 404) },
});
const share = createRoute({
  method: "post",
  path: "/api/v1/devices/{dongle_id}/users",
  tags: ["sharing"],
  security: userAuth,
  summary: "Share with an account (owner only)",
  request: {
    params: Dongle,
    ...jsonBody(z.object({ email: z.string(), permission: z.enum(["read", "write"]).default("read") })),
  },
  responses: { 200: jsonContent(Success, "Shared"), ...errors(400, 401, 403, 404) },
});
const unshare = createRoute({
  method: "delete",
  path: "/api/v1/devices/{dongle_id}/users/{email}",
  tags: ["sharing"],
  security: userAuth,
  summary: "Stop sharing (owner only)",
  request: { params: Dongle.extend({ email: z.string() }) },
  responses: { 200: jsonContent(Success, "Removed"), ...errors(400, 401, 403, 404) },
});

const ONLINE_WINDOW_S = 120;
function view(env: Env, device: typeof devices.$inferSelect, access: "owner" | "write" | "read", userId: string) {
  const now = Math.floor(Date.now() / 1000);
  const shown = deviceView(env, device, { isOwner: device.ownerId === userId, access });
  return { ...shown, access, is_online: shown.last_athena_ping >= now - ONLINE_WINDOW_S };
}

export const devicesApi = apiRouter()
  .openapi(list, async (c) => {
    const user = requireUser(c);
    const shares = await c.var.db.select().from(deviceUsers).where(eq(deviceUsers.userId, user.id));
    const rows = await c.var.db
      .select()
      .from(devices)
      .where(
        or(
          eq(devices.ownerId, user.id),
          inArray(
            devices.dongleId,
            shares.map((s) => s.dongleId),
          ),
        ),
      );
    const perm = new Map(shares.map((s) => [s.dongleId, s.permission] as const));
    return c.json(
      rows.map((d) =>
        view(
          c.env,
          d,
          d.ownerId === user.id ? "owner" : user.role === "viewer" ? "read" : (perm.get(d.dongleId) ?? "read"),
          user.id,
        ),
      ),
      200,
    );
  })
  .openapi(get, async (c) => {
    const user = requireUser(c);
    const { device, access } = await loadDeviceFor(c.var.db, c.var.principal, c.req.valid("param").dongle_id, "read");
    return c.json(view(c.env, device, access, user.id), 200);
  })
  .openapi(update, async (c) => {
    const user = requireUser(c);
    const { device, access } = await loadDeviceFor(c.var.db, c.var.principal, c.req.valid("param").dongle_id, "write");
    const [row] = await c.var.db
      .update(devices)
      .set({ alias: c.req.valid("json").alias.trim() || null })
      .where(eq(devices.dongleId, device.dongleId))
      .returning();
    return c.json(view(c.env, row, access, user.id), 200);
  })
  .openapi(remove, async (c) => {
    requireUser(c);
    const { device } = await loadDeviceFor(c.var.db, c.var.principal, c.req.valid("param").dongle_id, "owner");
    await unpairDevice(c.var.db, device, auditSource(c.var.principal, c.req.raw));
    return c.json({ success: 1 as const }, 200);
  })
  .openapi(pair, async (c) =>
    c.json(
      await pairDevice(
        c.var.db,
        requireUser(c),
        c.req.valid("json").pair_token,
        auditSource(c.var.principal, c.req.raw),
      ),
      200,
    ),
  )
  .openapi(stats, async (c) => {
    const { device } = await loadDeviceFor(c.var.db, c.var.principal, c.req.valid("param").dongle_id, "read");
    return c.json(await detailedDrivingStats(c.var.db, device.dongleId), 200);
  })
  .openapi(location, async (c) => {
    const { device } = await loadDeviceFor(c.var.db, c.var.principal, c.req.valid("param").dongle_id, "read");
    const loc = await lastLocation(c.var.db, device.dongleId);
    if (!loc) throw notFound("Location unavailable", "location_unavailable");
    return c.json(loc, 200);
  })
  .openapi(users, async (c) => {
    const { device } = await loadDeviceFor(c.var.db, c.var.principal, c.req.valid("param").dongle_id, "read");
    return c.json(await listDeviceUsers(c.var.db, device), 200);
  })
  .openapi(share, async (c) => {
    requireUser(c);
    const { device } = await loadDeviceFor(c.var.db, c.var.principal, c.req.valid("param").dongle_id, "owner");
    const body = c.req.valid("json");
    await addDeviceUser(c.var.db, device, body.email, body.permission, auditSource(c.var.principal, c.req.raw));
    return c.json({ success: 1 as const }, 200);
  })
  .openapi(unshare, async (c) => {
    requireUser(c);
    const params = c.req.valid("param");
    const { device } = await loadDeviceFor(c.var.db, c.var.principal, params.dongle_id, "owner");
    await removeDeviceUser(c.var.db, device, decodeURIComponent(params.email), auditSource(c.var.principal, c.req.raw));
    return c.json({ success: 1 as const }, 200);
  });

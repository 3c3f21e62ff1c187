/**
 * Athena: the device's websocket, the JSON-RPC relay web apps call, the offline queue, the live view for browsers,
 * forwarded device logs for admins, and admin adoption of devices with comma-issued dongle ids.
 *
 * Mounted before the app-wide `identify` middleware: a device socket is authenticated here from its cookie, and
 * `identify` would refuse the unknown dongle ids that adoption exists for. Routes for users run `identify` themselves.
 * Dongle ids in paths are 16 lowercase hex, which also keeps `POST /:dongle` from shadowing any other route.
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../http/app-env";
import { badRequest, notFound } from "../errors";
import { requireUser } from "../http/auth";
import { jsonBody } from "../http/params";
import { chargeDevice, identifyAndLimit } from "../http/rate-limit";
import { loadDeviceFor } from "../services/access";
import { approveDevice, listPendingDevices, rejectDevice, requireAdmin } from "../services/devices/adoption";
import {
  accessNeededFor,
  connectToDeviceObject,
  deviceObject,
  parseRelayBody,
  relayResponse,
  type RelayStyle,
  relayTimeoutMs,
} from "../services/athena/relay";
import { auditSource } from "../services/audit";
import { deviceSocketRole, userFromAccessToken, viewerCredentials } from "../http/athena-sockets";

export const athenaRoutes = new Hono<AppEnv>({ strict: false });

const DONGLE = ":dongle{[0-9a-f]{16}}";

function requireUpgrade(c: Context<AppEnv>) {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    return c.json({ error: "upgrade_required", message: "This endpoint is a WebSocket" }, 426);
  }
  return null;
}

// ---- the device's socket (athenad: ATHENA_HOST + "/ws/v2/" + dongle_id) ----

async function deviceSocket(c: Context<AppEnv>) {
  const notUpgrade = requireUpgrade(c);
  if (notUpgrade) return notUpgrade;
  const dongleId = c.req.param("dongle")!;
  const { role, token } = await deviceSocketRole(c, dongleId);
  await chargeDevice(c, dongleId); // after authentication: a stranger cannot spend a device's budget
  return connectToDeviceObject(c.env, dongleId, role, role === "adopt" ? { token } : {});
}
athenaRoutes.get(`/ws/v2/${DONGLE}`, deviceSocket);
athenaRoutes.get(`/ws/${DONGLE}`, deviceSocket);

// ---- relay: POST https://athena.comma.ai/<dongle> in comma's apps, and our API path ----

async function relay(c: Context<AppEnv>, style: RelayStyle) {
  requireUser(c);
  const dongleId = c.req.param("dongle")!;
  const body = await jsonBody(c);
  const call = parseRelayBody(body);
  const timeoutMs = relayTimeoutMs(c.req.query("timeout"), body);
  await loadDeviceFor(c.var.db, c.var.principal, dongleId, accessNeededFor(call.method));
  const outcome = await deviceObject(c.env, dongleId).relayCall({
    dongleId,
    method: call.method,
    params: call.params,
    callerId: call.callerId,
    expiry: call.expiry,
    timeoutMs,
  });
  const { status, body: text } = relayResponse(outcome, style, call.callerId);
  return c.body(text, status, { "Content-Type": "application/json" });
}
// comma's apps throw on any non-2xx answer: device failures come back as JSON-RPC errors there (services/athena/relay.ts).
athenaRoutes.post(`/${DONGLE}`, identifyAndLimit, (c) => relay(c, "jsonrpc"));
athenaRoutes.post("/api/v1/devices/:dongle/athena", identifyAndLimit, (c) => relay(c, "http-status"));

athenaRoutes.get("/api/v1/devices/:dongle/athena", identifyAndLimit, async (c) => {
  const { device } = await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle"), "read");
  return c.json(await deviceObject(c.env, device.dongleId).status(device.dongleId));
});

// ---- offline queue ----

athenaRoutes.get("/v1/devices/:dongle/athena_offline_queue", identifyAndLimit, async (c) => {
  const { device } = await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle"), "read");
  return c.json(await deviceObject(c.env, device.dongleId).offlineQueue(device.dongleId));
});

/** The queue with delivery status and the device's replies to delivered calls. */
athenaRoutes.get("/api/v1/devices/:dongle/athena/queue", identifyAndLimit, async (c) => {
  const { device } = await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle"), "read");
  return c.json(await deviceObject(c.env, device.dongleId).queueHistory(device.dongleId));
});

// ---- live view for browsers ----

athenaRoutes.get("/api/v1/devices/:dongle/live", async (c) => {
  const notUpgrade = requireUpgrade(c);
  if (notUpgrade) return notUpgrade;
  const { token, protocol } = viewerCredentials(c.req.raw);
  const user = await userFromAccessToken(c, token);
  const { device } = await loadDeviceFor(c.var.db, { kind: "user", user }, c.req.param("dongle"), "read");
  const res = await connectToDeviceObject(c.env, device.dongleId, "viewer", { userId: user.id });
  if (!protocol || !res.webSocket) return res;
  return new Response(null, { status: 101, webSocket: res.webSocket, headers: { "Sec-WebSocket-Protocol": protocol } });
});

// ---- forwarded device logs (admins) ----

async function adminDevice(c: Context<AppEnv>) {
  requireAdmin(requireUser(c));
  return (await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle")!, "read")).device;
}

athenaRoutes.get("/api/v1/devices/:dongle/logs", identifyAndLimit, async (c) => {
  const device = await adminDevice(c);
  const kind = c.req.query("kind") ?? null;
  if (kind !== null && kind !== "swaglog" && kind !== "stats")
    throw badRequest("invalid_kind", "kind must be swaglog or stats");
  const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 50) || 50, 1), 500);
  return c.json(await deviceObject(c.env, device.dongleId).listLogs(device.dongleId, kind, limit));
});

athenaRoutes.get("/api/v1/devices/:dongle/logs/:id{[0-9]+}", identifyAndLimit, async (c) => {
  const device = await adminDevice(c);
  const entry = await deviceObject(c.env, device.dongleId).locateLog(Number(c.req.param("id")));
  const object = entry && (await c.env.MEDIA.get(entry.r2Key));
  if (!entry || !object) throw notFound("No such log entry", "log_not_found");
  return new Response(object.body, {
    headers: {
      "Content-Type": entry.kind === "swaglog" ? "application/x-ndjson" : "text/plain; charset=utf-8",
      "Content-Length": String(object.size),
      "X-Athena-Rpc-Id": entry.rpc_id,
    },
  });
});

// ---- adoption (admins) ----

athenaRoutes.get("/api/v1/admin/pending-devices", identifyAndLimit, async (c) => {
  requireAdmin(requireUser(c));
  return c.json(await listPendingDevices(c.var.db));
});

athenaRoutes.post("/api/v1/admin/pending-devices/:dongle/approve", identifyAndLimit, async (c) => {
  requireAdmin(requireUser(c));
  return c.json(await approveDevice(c.env, c.var.db, c.req.param("dongle"), auditSource(c.var.principal, c.req.raw)));
});

athenaRoutes.post("/api/v1/admin/pending-devices/:dongle/reject", identifyAndLimit, async (c) => {
  const admin = requireUser(c);
  requireAdmin(admin);
  return c.json(
    await rejectDevice(c.env, c.var.db, admin, c.req.param("dongle"), auditSource(c.var.principal, c.req.raw)),
  );
});

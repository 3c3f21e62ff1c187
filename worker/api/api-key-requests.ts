/**
 * /api/v1 key-change requests (docs/security.md → "Device identity"): a registration named this device's serial with
 * another key. The owner (or an admin) sees them and approves (the device's key is replaced) or rejects them.
 */
import { createRoute } from "@hono/zod-openapi";
import { requireUser } from "../http/auth";
import { apiRouter, errors, jsonContent, userAuth, z } from "../http/openapi";
import { loadDeviceFor } from "../services/access";
import { requireAdmin } from "../services/devices/adoption";
import { clientIp } from "../services/audit";
import {
  approveKeyRequest,
  listKeyRequests,
  listUnownedKeyRequests,
  rejectKeyRequest,
} from "../services/devices/key-requests";

const KeyRequest = z
  .object({
    id: z.number().int(),
    dongle_id: z.string(),
    state: z.enum(["pending", "approved", "rejected"]),
    key_algorithm: z.enum(["RS256", "ES256"]),
    key_fingerprint: z.string().openapi({ description: "SHA-256 of the key's SubjectPublicKeyInfo, hex" }),
    public_key: z.string().openapi({ description: "The presented public key (PEM)" }),
    serial: z.string().openapi({ description: "The serial the registration named" }),
    ip: z.string().nullable().openapi({ description: "Where the last registration with this key came from" }),
    first_seen: z.number().int().openapi({ description: "unix seconds" }),
    last_seen: z.number().int().nullable().openapi({ description: "unix seconds of the latest registration" }),
    decided_at: z.number().int().nullable(),
  })
  .openapi("DeviceKeyRequest");

const Dongle = z.object({
  dongle_id: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .openapi({ param: { name: "dongle_id", in: "path" } }),
});
const RequestParams = Dongle.extend({
  id: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: "id", in: "path" } }),
});

const list = createRoute({
  method: "get",
  path: "/api/v1/devices/{dongle_id}/key-requests",
  tags: ["devices"],
  security: userAuth,
  summary: "Key-change requests of a device, newest first (owner or admin)",
  description:
    "A registration (`POST /v2/pilotauth/`) that named this device's serial with a different key files a request. " +
    "The device keeps its key until one is approved.",
  request: { params: Dongle },
  responses: { 200: jsonContent(z.array(KeyRequest), "Requests"), ...errors(401, 403, 404) },
});
const decide = (verb: "approve" | "reject") =>
  createRoute({
    method: "post",
    path: `/api/v1/devices/{dongle_id}/key-requests/{id}/${verb}`,
    tags: ["devices"],
    security: userAuth,
    summary:
      verb === "approve"
        ? "Approve: the device's key becomes the requested one (the old key stops working, other pending requests are rejected)"
        : "Reject: the key stays refused; registrations with it keep getting the same answer and file nothing new",
    request: { params: RequestParams },
    responses: {
      200: jsonContent(KeyRequest, verb === "approve" ? "Approved" : "Rejected"),
      ...errors(401, 403, 404, 409),
    },
  });
const adminList = createRoute({
  method: "get",
  path: "/api/v1/admin/key-requests",
  tags: ["admin"],
  security: userAuth,
  summary: "Pending key-change requests of devices nobody owns (admins decide those)",
  responses: { 200: jsonContent(z.array(KeyRequest), "Requests"), ...errors(401, 403) },
});

export const keyRequestsApi = apiRouter()
  .openapi(list, async (c) => {
    requireUser(c);
    const { device } = await loadDeviceFor(c.var.db, c.var.principal, c.req.valid("param").dongle_id, "owner");
    return c.json(await listKeyRequests(c.var.db, device.dongleId), 200);
  })
  .openapi(decide("approve"), async (c) => {
    const user = requireUser(c);
    const { dongle_id, id } = c.req.valid("param");
    const { device } = await loadDeviceFor(c.var.db, c.var.principal, dongle_id, "owner");
    return c.json(await approveKeyRequest(c.env, c.var.db, user, device, id, clientIp(c.req.raw)), 200);
  })
  .openapi(decide("reject"), async (c) => {
    const user = requireUser(c);
    const { dongle_id, id } = c.req.valid("param");
    const { device } = await loadDeviceFor(c.var.db, c.var.principal, dongle_id, "owner");
    return c.json(await rejectKeyRequest(c.var.db, user, device, id, clientIp(c.req.raw)), 200);
  })
  .openapi(adminList, async (c) => {
    requireAdmin(requireUser(c));
    return c.json(await listUnownedKeyRequests(c.var.db), 200);
  });

/**
 * Puts the athena routes into /api/v1/openapi.json. They stay plain Hono routes in worker/api/athena.ts (a
 * WebSocket upgrade cannot be a zod-openapi route, and the relay passes the device's reply through untouched), so
 * here they are only registered as paths: documenting them changes nothing about how they behave.
 */
import { ErrorSchema, jsonContent, userAuth, z, type apiRouter } from "../http/openapi";
import {
  AthenaStatus,
  DeviceLogEntry,
  JsonRpcRequest,
  JsonRpcResponse,
  LiveEvent,
  OfflineQueued,
  PendingDevice,
  QueuedCall,
  QueuedCallStatus,
} from "./athena-schemas";

type Registry = ReturnType<typeof apiRouter>["openAPIRegistry"];

/** One error response whose description names the codes this endpoint really uses. */
const error = (description: string) => ({ description, content: { "application/json": { schema: ErrorSchema } } });

const unauthorized = error("Not signed in, or the token is invalid/expired (`unauthorized`, `invalid_token`)");
const notVisible = error("`device_not_found`: no such device, or not visible to the caller");
const notAdmin = error("`admin_required` (or `user_required` for a device token)");

const Dongle = z.object({
  dongle_id: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .openapi({ param: { name: "dongle_id", in: "path" } }),
});
const athena = { tags: ["athena"], security: userAuth };
const admin = { tags: ["admin"], security: userAuth };

const relayDescription =
  "Sends one JSON-RPC 2.0 call to the device over its athena socket and answers with the device's reply. " +
  "Only jsonrpc/method/params/id are forwarded; the id is swapped for one of ours and restored on the reply. " +
  "Read-only methods (`echo`, `getVersion`, `getMessage`, `listDataDirectory`, `takeSnapshot`, …) need read access, " +
  "everything else write access, and `startLocalProxy` is for the owner only. " +
  "With an `expiry` in the future an offline device's call is queued (202) and delivered in order on its next connect.";

/**
 * Our path answers device failures with HTTP statuses; comma's `POST /{dongle_id}` with JSON-RPC errors on 200
 * (its web apps throw on any other status), see services/athena/relay.ts.
 */
function relayOperation(path: string, tags: string[], style: "http-status" | "jsonrpc") {
  const deviceFailures: Record<string, ReturnType<typeof error>> = style === "http-status"
    ? {
        502: error("`device_disconnected`: the socket closed before the device replied"),
        504: error("`device_timeout`: no reply within the timeout"),
      }
    : {};
  return {
    method: "post" as const,
    path,
    tags,
    security: userAuth,
    summary: "Call a method on the device (JSON-RPC relay)",
    description: relayDescription,
    request: {
      params: Dongle,
      query: z.object({
        timeout: z.number().optional().openapi({ description: "Seconds to wait for the reply (1–120, default 30)" }),
      }),
      body: { content: { "application/json": { schema: JsonRpcRequest } }, required: true },
    },
    responses: {
      200: jsonContent(
        JsonRpcResponse,
        style === "http-status"
          ? "The device's reply (a device-side error is passed through in `error`, still 200)"
          : "The device's reply (a device-side error is passed through in `error`, still 200). A device that is " +
              "offline (no future `expiry`), does not reply in time or disconnects is answered the same way: " +
              "`error` {code -32001 `Device not registered`, -32002 `Timed out…`, -32003}, `data.error` " +
              "`device_offline`, `device_timeout` or `device_disconnected`",
      ),
      202: jsonContent(OfflineQueued, "Device offline and `expiry` in the future: the call is queued"),
      400: error("`invalid_json`, `invalid_jsonrpc` or `invalid_timeout`"),
      401: unauthorized,
      403: error(
        "`insufficient_access` (a read share calling a write method; `startLocalProxy` by anyone but the owner), `user_required`",
      ),
      404: error(
        style === "http-status"
          ? "`device_offline` (not connected and no future `expiry`), or `device_not_found`"
          : "`device_not_found`",
      ),
      429: error("`queue_full`: 500 calls already wait for this offline device"),
      ...deviceFailures,
    },
  };
}

export function registerAthenaDocs(registry: Registry) {
  registry.registerComponent("securitySchemes", "jwt_query", {
    type: "apiKey",
    in: "query",
    name: "token",
    description: "The access token as `?token=`, for WebSockets opened by browsers (which cannot set headers)",
  });
  registry.register("AthenaLiveEvent", LiveEvent);

  registry.registerPath(relayOperation("/api/v1/devices/{dongle_id}/athena", ["athena"], "http-status"));
  registry.registerPath({
    method: "get",
    path: "/api/v1/devices/{dongle_id}/athena",
    ...athena,
    summary: "Is the device connected to athena",
    request: { params: Dongle },
    responses: {
      200: jsonContent(AthenaStatus, "Connection status"),
      401: unauthorized,
      403: error("`identity_mismatch` (a device token of another dongle)"),
      404: notVisible,
    },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/devices/{dongle_id}/athena/queue",
    ...athena,
    summary: "Calls queued for the device while offline, with their delivery status and replies",
    description:
      "Newest first: calls still waiting (`queued`, or `sent` but unanswered) and answered calls with the device's reply (kept 7 days, at most 200).",
    request: { params: Dongle },
    responses: {
      200: jsonContent(z.array(QueuedCallStatus), "Queued and answered calls"),
      401: unauthorized,
      403: error("`identity_mismatch`"),
      404: notVisible,
    },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/devices/{dongle_id}/live",
    tags: ["athena"],
    security: [{ jwt: [] }, { jwt_query: [] }],
    summary: "Live view of the device (WebSocket)",
    description:
      "A WebSocket that only receives JSON text frames (`AthenaLiveEvent`): a `status` frame on connect and on " +
      "every online/offline change, and while someone watches and the device is online, a `state` frame per service " +
      "(`deviceState`, `peripheralState`, `gpsLocationExternal`) every 5 s. Browsers pass the access token as `?token=` " +
      "or as one `Sec-WebSocket-Protocol` entry; the other offered protocol (or the token itself) is echoed back.",
    request: {
      params: Dongle,
      headers: z.object({
        Upgrade: z.literal("websocket"),
        "Sec-WebSocket-Protocol": z
          .string()
          .optional()
          .openapi({ description: "May carry the access token as one of its entries" }),
      }),
    },
    responses: {
      101: { description: "Switching Protocols: the socket is open; frames are `AthenaLiveEvent` JSON" },
      401: unauthorized,
      404: notVisible,
      426: error("`upgrade_required`: not a WebSocket upgrade request"),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/devices/{dongle_id}/logs",
    ...admin,
    summary: "Logs and stats the device forwarded (admins only)",
    description:
      "What the device sent with `forwardLogs` (swaglog) and `storeStats`, newest first, kept 14 days within per-kind size limits.",
    request: {
      params: Dongle,
      query: z.object({
        kind: z.enum(["swaglog", "stats"]).optional(),
        limit: z
          .number()
          .int()
          .optional()
          .openapi({ description: "1–500, default 50 (values outside are clamped, not refused)" }),
      }),
    },
    responses: {
      200: jsonContent(z.array(DeviceLogEntry), "Entries"),
      400: error("`invalid_kind`"),
      401: unauthorized,
      403: notAdmin,
      404: notVisible,
    },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/devices/{dongle_id}/logs/{id}",
    ...admin,
    summary: "One forwarded log or stats file (admins only)",
    request: {
      params: Dongle.extend({
        id: z
          .number()
          .int()
          .openapi({ param: { name: "id", in: "path" } }),
      }),
    },
    responses: {
      200: {
        description:
          "The raw file: swaglog as NDJSON, stats as InfluxDB line protocol. `X-Athena-Rpc-Id` carries the call's id.",
        headers: z.object({ "X-Athena-Rpc-Id": z.string() }),
        content: {
          "application/x-ndjson": { schema: z.string() },
          "text/plain": { schema: z.string() },
        },
      },
      401: unauthorized,
      403: notAdmin,
      404: error("`log_not_found`, or `device_not_found`"),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/admin/pending-devices",
    ...admin,
    summary: "Devices with a comma-issued dongle id asking to be adopted (admins only)",
    description:
      "An unknown dongle id that connects to athena and proves it holds the key it reports is listed here, newest first, with rejected ones.",
    responses: {
      200: jsonContent(z.array(PendingDevice), "Pending and rejected claims"),
      401: unauthorized,
      403: notAdmin,
    },
  });
  registry.registerPath({
    method: "post",
    path: "/api/v1/admin/pending-devices/{dongle_id}/approve",
    ...admin,
    summary: "Adopt a pending device (admins only)",
    description:
      "It becomes an ordinary registered, unpaired device; its socket is closed (4002) and it reconnects as such.",
    request: { params: Dongle },
    responses: {
      200: jsonContent(z.object({ dongle_id: z.string(), approved: z.literal(true) }), "Approved"),
      401: unauthorized,
      403: notAdmin,
      404: error("`pending_device_not_found`"),
      409: error("`key_registered`: another device already has this key"),
    },
  });
  registry.registerPath({
    method: "post",
    path: "/api/v1/admin/pending-devices/{dongle_id}/reject",
    ...admin,
    summary: "Refuse a pending device (admins only)",
    description: "Its socket is closed (4003) and refused from then on.",
    request: { params: Dongle },
    responses: {
      200: jsonContent(z.object({ dongle_id: z.string(), rejected: z.literal(true) }), "Rejected"),
      401: unauthorized,
      403: notAdmin,
      404: error("`pending_device_not_found`"),
    },
  });

  // comma's own paths for the same things, which comma's apps call (ATHENA_HOST/<dongle> and the API host).
  registry.registerPath(relayOperation("/{dongle_id}", ["comma-compatible"], "jsonrpc"));
  registry.registerPath({
    method: "get",
    path: "/v1/devices/{dongle_id}/athena_offline_queue",
    tags: ["comma-compatible"],
    security: userAuth,
    summary: "Calls waiting for the offline device, in comma's shape",
    request: { params: Dongle },
    responses: {
      200: jsonContent(z.array(QueuedCall), "Pending calls, oldest first"),
      401: unauthorized,
      403: error("`identity_mismatch`"),
      404: notVisible,
    },
  });
}

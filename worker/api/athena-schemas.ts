/**
 * Zod schemas of what the athena routes (worker/api/athena.ts) accept and return. They are documentation only:
 * the handlers are plain Hono routes (WebSockets, and a relay that passes the device's raw reply through), so
 * nothing validates against these at run time. The type checks at the bottom and test/openapi-athena.test.ts keep
 * them from drifting away from what the Durable Object really returns.
 */
import type { AthenaStatus as AthenaStatusType } from "../../durable-objects/contract";
import type { LogEntry as LogEntryType } from "../../durable-objects/device-logs";
import type { LiveEvent as LiveEventType } from "../../durable-objects/live";
import type { QueuedCallHistory, QueuedCallView } from "../../durable-objects/offline-queue";
import type { listPendingDevices } from "../services/devices/adoption";
import { z } from "../http/openapi";

const unixS = (what: string) =>
  z
    .number()
    .int()
    .openapi({ description: `${what} (unix seconds)` });
const unixMs = (what: string) =>
  z
    .number()
    .int()
    .openapi({ description: `${what} (unix milliseconds)` });

// Not a named component: zod-to-openapi would let the `.nullable()` copies below redefine it with null included.
export const RpcId = z.union([z.string(), z.number().int()]);

export const JsonRpcRequest = z
  .object({
    jsonrpc: z.literal("2.0").optional(),
    method: z.string().min(1).max(100).openapi({
      description: "A method of athenad's dispatcher; names starting `rpc.` are refused",
      example: "getVersion",
    }),
    params: z
      .union([z.record(z.string(), z.unknown()), z.array(z.unknown())])
      .nullable()
      .optional(),
    id: RpcId.nullable()
      .optional()
      .openapi({ description: "Returned unchanged on the reply (the device sees an id of ours)" }),
    expiry: z.number().int().optional().openapi({
      description: "Unix seconds: if the device is offline, queue the call until then (202) instead of answering 404",
    }),
    timeout: z
      .number()
      .positive()
      .optional()
      .openapi({ description: "Seconds to wait for the reply, clamped to 1–120 (default 30); `?timeout=` wins" }),
  })
  .openapi("JsonRpcRequest", {
    description: "Keys other than jsonrpc/method/params/id are stripped before the call is forwarded",
  });

export const JsonRpcError = z
  .object({
    code: z.number().int(),
    message: z.string(),
    data: z.unknown().optional(),
  })
  .passthrough()
  .openapi("JsonRpcError", { description: "The device's error, passed through" });

/** What the device answered, with the caller's id put back. Exactly one of result/error is present. */
export const JsonRpcResponse = z
  .object({
    jsonrpc: z.literal("2.0"),
    id: RpcId.nullable(),
    result: z.unknown().optional().openapi({ description: "The method's result (free-form, method-specific)" }),
    error: JsonRpcError.optional(),
  })
  .openapi("JsonRpcResponse", { description: "A JSON-RPC 2.0 response object, as the device sent it" });

export const OfflineQueued = z
  .object({
    result: z.literal("Device offline, message queued"),
  })
  .openapi("AthenaQueuedResult");

export const AthenaStatus = z
  .object({
    type: z.literal("status"),
    online: z.boolean().openapi({ description: "A registered device's socket is open" }),
    connected_at: unixMs("When the current socket connected").nullable(),
    last_frame_at: unixMs("Last frame received from the device").nullable(),
    socket_state: z.enum(["online", "adopting", "pending"]).nullable().openapi({
      description:
        "`adopting`/`pending`: an unknown dongle id being verified / waiting for an admin; null without a socket",
    }),
    viewers: z.number().int().openapi({ description: "Open live-view sockets" }),
    queued: z.number().int().openapi({ description: "Offline calls still to deliver" }),
  })
  .openapi("AthenaStatus");

/** comma's `athena_offline_queue` row. */
export const QueuedCall = z
  .object({
    jsonrpc: z.literal("2.0"),
    method: z.string(),
    params: z.unknown().openapi({ description: "As sent, or null" }),
    expiry: unixS("Dropped unanswered after this"),
    id: RpcId.nullable().openapi({ description: "The caller's id" }),
  })
  .openapi("AthenaQueuedCall");

export const QueuedCallStatus = QueuedCall.extend({
  status: z.enum(["queued", "sent", "answered"]),
  created_at: unixS("Queued at"),
  sent_at: unixS("Last delivered to the device").nullable(),
  replied_at: unixS("Answered at").nullable(),
  // A union, not .nullable(): a nullable $ref is rendered as allOf [ref, null-type], which no null would pass.
  reply: z
    .union([JsonRpcResponse, z.null()])
    .openapi({ description: "The device's reply with the caller's id (kept 7 days, at most 200)" }),
}).openapi("AthenaQueuedCallStatus");

export const LiveEvent = z
  .union([
    AthenaStatus.pick({ type: true, online: true, connected_at: true, last_frame_at: true }),
    z.object({
      type: z.literal("state"),
      service: z.enum(["deviceState", "peripheralState", "gpsLocationExternal"]),
      at: unixMs("Polled at"),
      data: z.unknown().optional().openapi({ description: "The service's latest message (getMessage result)" }),
      error: z
        .unknown()
        .optional()
        .openapi({ description: "`timeout`, `disconnected` or the device's JSON-RPC error" }),
    }),
  ])
  .openapi("AthenaLiveEvent", { description: "A text frame of the live-view socket (JSON)" });

export const DeviceLogEntry = z
  .object({
    id: z.number().int(),
    kind: z.enum(["swaglog", "stats"]),
    rpc_id: z
      .string()
      .openapi({ description: "The id of the device's forwardLogs/storeStats call (e.g. `swaglog.0000000042`)" }),
    size: z.number().int().openapi({ description: "Bytes" }),
    received_at: unixS("Received"),
  })
  .openapi("DeviceLogEntry");

export const PendingDevice = z
  .object({
    dongle_id: z.string(),
    state: z.enum(["pending", "rejected"]),
    public_key: z.string().openapi({ description: "PEM, as the device reported it (getPublicKey)" }),
    key_algorithm: z.enum(["RS256", "ES256"]),
    first_seen: unixS("First claim"),
    last_seen: unixS("Last connect").nullable(),
    decided_at: unixS("Rejected at").nullable(),
  })
  .openapi("PendingDevice");

// Compile-time guard: what the Durable Object and services return must be assignable to what we document.
type Documents<Real extends Documented, Documented> = Real;
export type Checked = [
  Documents<AthenaStatusType, z.infer<typeof AthenaStatus>>,
  Documents<QueuedCallView, z.infer<typeof QueuedCall>>,
  Documents<Omit<QueuedCallHistory, "reply">, Omit<z.infer<typeof QueuedCallStatus>, "reply">>,
  Documents<LogEntryType, z.infer<typeof DeviceLogEntry>>,
  Documents<LiveEventType["type"], z.infer<typeof LiveEvent>["type"]>,
  Documents<Awaited<ReturnType<typeof listPendingDevices>>[number], z.infer<typeof PendingDevice>>,
];

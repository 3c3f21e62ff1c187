/**
 * The contract between the Worker and the DeviceObject: the internal headers of the upgrade request (set only by
 * the Worker, after it authenticated the caller) and the shapes of the RPC calls the Worker makes.
 */
import type { RpcId } from "../worker/protocol/jsonrpc";
import type { StatusEvent } from "./live";
import type { DeviceSocketState } from "./sockets";

/** Internal headers on the Worker → DO upgrade request. */
export const CONNECT_HEADERS = {
  role: "X-Athena-Role",
  dongle: "X-Athena-Dongle",
  token: "X-Athena-Token",
  user: "X-Athena-User",
} as const;

/** device: registered; pending: adoption awaiting an admin; adopt: unknown dongle to verify; viewer: a browser. */
export type ConnectRole = "device" | "pending" | "adopt" | "viewer";

export interface RelayRequest {
  dongleId: string;
  method: string;
  params?: unknown;
  callerId: RpcId | null;
  expiry: number | null;
  timeoutMs: number;
}

export type RelayOutcome =
  | { kind: "reply"; body: string }
  | { kind: "queued" }
  | { kind: "offline" }
  | { kind: "timeout" }
  | { kind: "disconnected" }
  | { kind: "queue-full"; message: string };

export interface AthenaStatus extends StatusEvent {
  socket_state: DeviceSocketState | null;
  viewers: number;
  queued: number;
}

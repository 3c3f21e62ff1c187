/**
 * Who may open which athena websocket, decided in the Worker before a DeviceObject is touched (DO requests are
 * billed, and the object trusts the role it is handed).
 * - Devices send `Cookie: jwt=<token>` (athenad) or `Authorization: JWT <token>`. Tokens are verified with the
 *   leeway and reuse rules of every device request; the socket outlives the token's exp.
 * - Browsers cannot set headers on a WebSocket, so viewers may also pass their access token as `?token=` or as
 *   one entry of `Sec-WebSocket-Protocol` (which must then be echoed back, or the browser drops the socket).
 */
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import type { ConnectRole } from "../../durable-objects/contract";
import { users } from "../db/schema";
import type { AppEnv } from "./app-env";
import type { UserRow } from "../db/types";
import { authenticateDevice, tokenFromRequest } from "./auth";
import { ApiError, forbidden, unauthorized } from "../errors";
import { peekDeviceClaims } from "../protocol/device-jwt";
import { accountGone } from "../services/access";
import { unknownDeviceRole } from "../services/devices/adoption";
import { verifyAccessToken } from "../services/accounts/user-tokens";

export async function deviceSocketRole(
  c: Context<AppEnv>,
  dongleId: string,
): Promise<{ role: Exclude<ConnectRole, "viewer">; token: string }> {
  const token = tokenFromRequest(c.req.raw);
  if (!token) throw unauthorized("Device token required (Cookie: jwt=<token>)");
  const peek = peekDeviceClaims(token);
  if (!peek) throw unauthorized("Malformed token", "invalid_token");
  if (peek.alg === "HS256") throw forbidden("This endpoint is for devices", "device_required");
  if (peek.payload.identity !== dongleId)
    throw forbidden("Token identity does not match the dongle in the path", "identity_mismatch");
  try {
    const device = await authenticateDevice(c, token, dongleId);
    if (device.blocked) throw forbidden("This device was blocked by the server administrator", "device_blocked");
    return { role: "device", token };
  } catch (err) {
    if (!(err instanceof ApiError && err.code === "unknown_device")) throw err;
  }
  return { role: await unknownDeviceRole(c.var.db, dongleId, token), token };
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The viewer's token and the subprotocol to answer with (a browser that offered protocols requires one back). */
export function viewerCredentials(req: Request): { token: string | null; protocol: string | null } {
  const offered = (req.headers.get("Sec-WebSocket-Protocol") ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const fromProtocol = offered.find((p) => JWT_SHAPE.test(p)) ?? null;
  const protocol = offered.find((p) => p !== fromProtocol) ?? fromProtocol;
  const token = tokenFromRequest(req) ?? new URL(req.url).searchParams.get("token") ?? fromProtocol;
  return { token, protocol };
}

export async function userFromAccessToken(c: Context<AppEnv>, token: string | null): Promise<UserRow> {
  if (!token) throw unauthorized();
  // Same order as resolvePrincipal: only well-formed HS256 tokens reach the verifier.
  if (peekDeviceClaims(token)?.alg !== "HS256") throw unauthorized("Not a user access token", "invalid_token");
  const userId = await verifyAccessToken(c.env, token);
  const user = await c.var.db.query.users.findFirst({ where: eq(users.id, userId) });
  if (!user) throw accountGone();
  return user;
}

/**
 * Authentication for both surfaces. Tokens arrive as `Authorization: JWT <t>` (comma's apps and devices) or
 * `Bearer <t>`; websockets from devices send `Cookie: jwt=<t>`. A header's alg tells the kinds apart: HS256 is
 * ours (a user), RS256/ES256 is a device key. Signed-out comma apps send "JWT null": that is anonymous.
 * A token starting `ec_live_` is an API key (services/accounts/api-keys.ts), recognised before any JWT parsing: it acts as
 * its user on user endpoints (devices' endpoints refuse it as they refuse any user), and a read key may not use a
 * mutating method anywhere.
 */
import { eq, sql } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { type Db, prepared } from "../db/client";
import { devices, users } from "../db/schema";
import { DeviceJwtError, peekDeviceClaims, verifyDeviceJwt } from "../protocol/device-jwt";
import { accountGone } from "../services/access";
import type { DeviceRow, UserRow } from "../db/types";
import { forbidden, unauthorized } from "../errors";
import type { AppEnv } from "./app-env";
import { isApiKeyToken, resolveApiKey } from "../services/accounts/api-keys";
import { verifyAccessToken } from "../services/accounts/user-tokens";
import { touchDevice } from "../services/devices/devices";
import type { Caller, Principal, UserCaller } from "../services/principal";

export function tokenFromRequest(req: Request): string | null {
  const header = req.headers.get("Authorization");
  if (header) {
    const m = /^(?:JWT|Bearer)\s+(.+)$/i.exec(header.trim());
    const t = m?.[1]?.trim();
    if (t && t !== "null" && t !== "undefined") return t;
  }
  const cookie = req.headers.get("Cookie");
  const fromCookie = cookie && /(?:^|;\s*)jwt=([^;]+)/.exec(cookie)?.[1];
  return fromCookie && fromCookie !== "null" ? decodeURIComponent(fromCookie) : null;
}

const deviceAuthMessages: Record<string, string> = {
  expired: "Device token expired",
  not_yet_valid: "Device token not valid yet",
  bad_signature: "Device token signature does not match the registered key",
  wrong_algorithm: "Device token algorithm does not match the registered key",
  no_expiry: "Device token has no exp claim",
  lifetime_too_long: "Device token lifetime exceeds 24 hours",
  pair_token: "Pair tokens are accepted only by /v2/pilotpair/",
};

// The caller's row, read on every authenticated request: prepared once per isolate (db/client.ts `prepared`).
const userById = (db: Db) =>
  prepared(db, "user by id", () =>
    db
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder("userId")))
      .prepare(),
  );
const deviceById = (db: Db) =>
  prepared(db, "device by id", () =>
    db
      .select()
      .from(devices)
      .where(eq(devices.dongleId, sql.placeholder("dongleId")))
      .prepare(),
  );

export async function authenticateDevice(c: Context<AppEnv>, token: string, identity: string): Promise<DeviceRow> {
  const device = await deviceById(c.var.db).get({ dongleId: identity });
  if (!device) throw unauthorized("Unknown device", "unknown_device");
  try {
    await verifyDeviceJwt(token, device.publicKey);
  } catch (err) {
    const reason = err instanceof DeviceJwtError ? err.reason : "malformed";
    throw unauthorized(deviceAuthMessages[reason] ?? "Invalid device token", "invalid_device_token");
  }
  return device;
}

export async function resolvePrincipal(c: Context<AppEnv>): Promise<Principal | null> {
  const token = tokenFromRequest(c.req.raw);
  if (!token) return null;
  if (isApiKeyToken(token)) {
    const { user, key, touch } = await resolveApiKey(c.var.db, token);
    if (touch) c.executionCtx.waitUntil(touch());
    return { kind: "user", user, apiKey: key };
  }
  const peek = peekDeviceClaims(token);
  if (!peek) throw unauthorized("Malformed token", "invalid_token");
  if (peek.alg === "HS256") {
    const userId = await verifyAccessToken(c.env, token);
    const user = await userById(c.var.db).get({ userId });
    if (!user) throw accountGone();
    return { kind: "user", user };
  }
  const identity = peek.payload.identity;
  if (typeof identity !== "string") throw unauthorized("Device token has no identity", "invalid_device_token");
  const device = await authenticateDevice(c, token, identity);
  c.executionCtx.waitUntil(touchDevice(c.env, device, c.req.header("User-Agent")));
  return { kind: "device", device };
}

/**
 * Handlers that read the signed-in user's row in the same D1 statement as their own data (the route lists: one round
 * trip instead of two, which is a third of their cost on local D1). For them `identify` verifies the access token
 * but leaves the row to the handler, which gets the caller from `callerOf` and must pass it to a loader that
 * checks the row (services/drives/lists.ts listDeviceDrives / listMyDrives, services/access.ts loadUserWith).
 */
const identityBatchingHandlers = new WeakSet<object>();

export function batchesIdentity<H extends (...args: never[]) => unknown>(handler: H): H {
  identityBatchingHandlers.add(handler);
  return handler;
}

// A sub-app with its own onError is mounted with its handlers wrapped; Hono keeps the original under this key.
const COMPOSED_HANDLER = "__COMPOSED_HANDLER";

const batchesIdentityHere = (c: Context<AppEnv>) =>
  matchedRoutes(c).some(
    (r) =>
      identityBatchingHandlers.has(r.handler) ||
      identityBatchingHandlers.has((r.handler as { [COMPOSED_HANDLER]?: object })[COMPOSED_HANDLER] ?? {}),
  );

/** Methods a read-only API key may use (athena's JSON-RPC relay is a POST, so it needs a write key). */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The routes devices call (docs/device-protocol.md §3: upload_url, the prime/pairing poll, firehose stats,
 * navigation) list this marker before their handler: `router.get(path, acceptsDeviceTokens, handler)`. `identify`
 * refuses a device token on every other route: a device key authenticates the device's own traffic, not the API.
 */
export const acceptsDeviceTokens: MiddlewareHandler<AppEnv> = async (_c, next) => next();

const acceptsDeviceTokensHere = (c: Context<AppEnv>) =>
  matchedRoutes(c).some(
    (r) =>
      r.handler === acceptsDeviceTokens ||
      (r.handler as { [COMPOSED_HANDLER]?: object })[COMPOSED_HANDLER] === acceptsDeviceTokens,
  );

/** Resolves the caller once per request; anonymous callers get `principal = null`. */
export const identify: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = batchesIdentityHere(c) ? tokenFromRequest(c.req.raw) : null;
  if (token && peekDeviceClaims(token)?.alg === "HS256") {
    c.set("deferredUserId", await verifyAccessToken(c.env, token));
    c.set("principal", null);
  } else {
    const principal = await resolvePrincipal(c);
    c.set("principal", principal);
    if (principal?.kind === "user" && principal.apiKey?.scope === "read" && !SAFE_METHODS.has(c.req.method))
      throw forbidden("This API key is read-only", "api_key_read_only");
    if (principal?.kind === "device" && !acceptsDeviceTokensHere(c))
      throw forbidden("Device tokens are accepted only on the endpoints devices call", "device_token_not_allowed");
  }
  await next();
};

/** The caller for handlers marked with `batchesIdentity` (null = anonymous). */
export function callerOf(c: Context<AppEnv>): Caller | null {
  const userId = c.var.deferredUserId;
  return userId ? { kind: "user-id", userId } : c.var.principal;
}

/** requireUser for `batchesIdentity` handlers: 401 anonymous, 403 a device; the row may still be unloaded. */
export function requireUserCaller(c: Context<AppEnv>): UserCaller {
  const caller = callerOf(c);
  if (!caller) throw unauthorized();
  if (caller.kind === "device") throw forbidden("This endpoint is for user accounts", "user_required");
  return caller;
}

export function requireUser(c: Context<AppEnv>): UserRow {
  const p = c.var.principal;
  if (!p) throw unauthorized();
  if (p.kind !== "user") throw forbidden("This endpoint is for user accounts", "user_required");
  return p.user;
}

/**
 * requireUser for account management a key must not reach (its own API keys, the password): signed-in sessions
 * only, so a leaked key cannot mint more keys or lock its owner out. 403 `api_key_not_allowed`.
 */
export function requireSessionUser(c: Context<AppEnv>): UserRow {
  const user = requireUser(c);
  if (c.var.principal?.kind === "user" && c.var.principal.apiKey)
    throw forbidden("API keys cannot manage API keys or the password; sign in", "api_key_not_allowed");
  return user;
}

/** A device may act only on its own dongle id. */
export function requireDevice(c: Context<AppEnv>, dongleId: string): DeviceRow {
  const p = c.var.principal;
  if (!p) throw unauthorized();
  if (p.kind !== "device") throw forbidden("This endpoint is for devices", "device_required");
  if (p.device.dongleId !== dongleId)
    throw forbidden("Token identity does not match the dongle in the path", "identity_mismatch");
  return p.device;
}

/**
 * Who may see a route: users with access to its device (owner, shares, admin), users the drive itself is shared
 * with (view only, that drive only), anyone if it is public, and anyone holding its share signature (`exp`/`sig`
 * query, what video players and comma's apps send). Both API surfaces decide route access here and nowhere else.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { routes } from "../../db/schema";
import type { Principal } from "../principal";
import { ApiError, badRequest, forbidden, notFound, unauthorized } from "../../errors";
import { checkSignature, signPathHourly } from "../../protocol/signed-url";
import { DONGLE_ID_RE, LOG_ID_RE } from "../../protocol/upload-key";
import { type DeviceAccess, loadDeviceFor } from "../access";
import { isRouteSharedWith } from "./sharing";
import { type RouteRow, SHARE_TTL_S } from "./views";

/** "<dongle>|<log_id>" (also with "%7C" or "/" as the separator, as some clients send). */
export function parseRouteName(raw: string): { dongleId: string; logId: string; fullname: string } {
  const text = decodeURIComponent(raw);
  const m = /^([0-9a-f]{16})[|/](.+)$/.exec(text);
  if (!m || !DONGLE_ID_RE.test(m[1]) || !LOG_ID_RE.test(m[2]))
    throw badRequest("invalid_route_name", "Route names look like <dongle_id>|<log_id>");
  return { dongleId: m[1], logId: m[2], fullname: `${m[1]}|${m[2]}` };
}

export async function shareSignature(env: Env, fullname: string) {
  const { exp, sig } = await signPathHourly(env.URL_SIGNING_SECRET, "route", fullname, SHARE_TTL_S);
  return { exp: String(exp), sig };
}

export interface RouteContext {
  route: RouteRow;
  /** "shared_route": the drive alone is shared with the caller (read only). */
  access: DeviceAccess | "public" | "shared_link" | "shared_route";
}

export async function findRoute(db: Db, fullname: string): Promise<RouteRow> {
  const route = await db.query.routes.findFirst({ where: eq(routes.fullname, fullname) });
  if (!route || route.deletedAt) throw notFound("Route not found", "route_not_found");
  return route;
}

export async function loadRouteFor(
  env: Env,
  db: Db,
  principal: Principal | null,
  rawName: string,
  needed: DeviceAccess,
  link: { exp?: string; sig?: string } = {},
): Promise<RouteContext> {
  const { fullname, dongleId } = parseRouteName(rawName);
  if (needed === "read") {
    if (link.sig && (await checkSignature(env.URL_SIGNING_SECRET, "route", fullname, link.exp, link.sig)) === "ok") {
      return { route: await findRoute(db, fullname), access: "shared_link" };
    }
    const route = await db.query.routes.findFirst({ where: eq(routes.fullname, fullname) });
    if (route && !route.deletedAt && route.isPublic) return { route, access: "public" };
  }
  if (!principal) throw unauthorized();
  const access = await authorizeRoute(db, principal, fullname, dongleId, needed);
  return { route: await findRoute(db, fullname), access };
}

/**
 * The signed-in caller's access to a drive, without loading it: access to its device (see loadDeviceFor), or else
 * the drive alone shared with them, which is read only (403 for more). For callers that must act on deleted
 * drives too (deletion is idempotent); everyone else uses loadRouteFor.
 */
export async function authorizeRoute(
  db: Db,
  principal: Principal | null,
  fullname: string,
  dongleId: string,
  needed: DeviceAccess,
): Promise<DeviceAccess | "shared_route"> {
  try {
    return (await loadDeviceFor(db, principal, dongleId, needed)).access;
  } catch (err) {
    // Only "no access to the device" can be rescued by a share of the drive; too little device access or another
    // device's token keep their own answer.
    const noDevice = err instanceof ApiError && err.code === "device_not_found";
    if (!noDevice || principal?.kind !== "user" || !(await isRouteSharedWith(db, fullname, principal.user.id)))
      throw err;
    if (needed !== "read") throw forbidden("This drive is shared with you to view only", "insufficient_access");
    return "shared_route";
  }
}

/**
 * Driving directions through a configurable OSRM-compatible upstream (ROUTING_URL). Nothing production-grade
 * routes inside a Worker (docs/cloudflare.md (Maps)), so self-hosters point this at their own OSRM, or leave it
 * unset and the endpoint answers 501 `routing_disabled`.
 */
import { ApiError, badRequest } from "../../errors";
import { routingUrl } from "./config";

export type LngLat = [number, number];

const UPSTREAM_TIMEOUT_MS = 10_000;

/** "lng,lat" as OSRM writes coordinates. */
export function parseLngLat(value: string | undefined, name: string): LngLat {
  const parts = (value ?? "").split(",").map((s) => Number(s.trim()));
  const [lng, lat] = parts;
  if (
    parts.length !== 2 ||
    !Number.isFinite(lng) ||
    !Number.isFinite(lat) ||
    Math.abs(lng) > 180 ||
    Math.abs(lat) > 90
  ) {
    throw badRequest("invalid_coordinates", `${name} must be "lng,lat" in degrees`);
  }
  return [lng, lat];
}

export interface RouteAnswer {
  status: number;
  body: unknown;
}

/** Returns OSRM's JSON as is (including its own error codes such as NoRoute with their HTTP status). */
export async function fetchRoute(env: Env, from: LngLat, to: LngLat, profile = "driving"): Promise<RouteAnswer> {
  const base = routingUrl(env);
  if (!base) throw new ApiError(501, "routing_disabled", "Routing is not configured on this server (set ROUTING_URL)");
  if (!/^[a-z][a-z0-9_-]{0,31}$/.test(profile))
    throw badRequest("invalid_profile", "profile must be a simple name such as driving");
  const url = `${base}/route/v1/${profile}/${from.join(",")};${to.join(",")}?overview=full&geometries=geojson&steps=false&alternatives=false`;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { Accept: "application/json" },
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    });
  } catch (err) {
    throw new ApiError(502, "routing_upstream_error", `The routing server did not answer: ${(err as Error).message}`);
  }
  try {
    return { status: res.status, body: await res.json() };
  } catch {
    throw new ApiError(502, "routing_upstream_error", `The routing server answered ${res.status} without JSON`);
  }
}

/**
 * Which rate limit counts a request, and under which key (bindings in wrangler.jsonc `ratelimits`).
 *
 * - Every API call: API_LIMIT, keyed by the verified principal (`user:<id>`, `device:<dongle>`, …) or, when
 *   anonymous, by client IP. Keys come only from verified identities: a claimed one could drain someone else's budget.
 * - Signed media, map tiles/fonts/style for anonymous callers: CONTENT_LIMIT per IP (pages load many at once).
 * - A device's upload URLs, upload PUTs (after their signature is checked) and athena connects: DEVICE_LIMIT per
 *   dongle, apart from its other calls, so a device catching up on a week of drives is never held back.
 * - Sign-up, sign-in, pilotauth, pairing: an extra, tighter per-IP limit each (`sensitiveLimitFor`).
 * - The PWA's static assets are not counted.
 *
 * The client IP is CF-Connecting-IP, which Cloudflare's edge sets on every request from the Internet (clients cannot
 * remove or forge it). A request without it comes from inside (tests, another Worker, a service binding), not from a
 * stranger: it is not counted per IP, rather than sharing one bucket that any such caller could exhaust for all.
 */
import type { Caller } from "./principal";

export type LimitBinding =
  | "API_LIMIT"
  | "CONTENT_LIMIT"
  | "DEVICE_LIMIT"
  | "SIGNUP_LIMIT"
  | "LOGIN_LIMIT"
  | "PILOTAUTH_LIMIT"
  | "PAIRING_LIMIT";

export interface LimitCharge {
  binding: LimitBinding;
  key: string;
}

/** The period of every binding in wrangler.jsonc, sent as Retry-After (the longest a caller may have to wait). */
export const LIMIT_PERIOD_S = 60;

const SENSITIVE: { method: string; path: RegExp; binding: LimitBinding }[] = [
  { method: "POST", path: /^\/api\/v1\/auth\/register\/?$/, binding: "SIGNUP_LIMIT" },
  { method: "POST", path: /^\/api\/v1\/auth\/login\/?$/, binding: "LOGIN_LIMIT" },
  { method: "POST", path: /^\/login\/?$/, binding: "LOGIN_LIMIT" },
  { method: "POST", path: /^\/v2\/auth\/?$/, binding: "LOGIN_LIMIT" },
  { method: "POST", path: /^\/v2\/pilotauth\/?$/, binding: "PILOTAUTH_LIMIT" },
  { method: "POST", path: /^\/v2\/pilotpair\/?$/, binding: "PAIRING_LIMIT" },
  { method: "POST", path: /^\/api\/v1\/devices\/pair\/?$/, binding: "PAIRING_LIMIT" },
];

/** The extra per-IP limit of sign-up, sign-in, pilotauth and pairing; null for everything else or without an IP. */
export function sensitiveLimitFor(method: string, path: string, ip: string | null): LimitCharge | null {
  if (!ip) return null;
  const rule = SENSITIVE.find((r) => r.method === method && r.path.test(path));
  return rule ? { binding: rule.binding, key: `ip:${ip}` } : null;
}

// The API prefixes of app.ts, and comma's athena relay `POST /<dongle>`; everything else is the PWA's static assets.
const API_PATH = /^\/(?:(?:v1|v1\.1|v1\.4|v2|api|ws|upload|media|login)(?:\/|$)|[0-9a-f]{16}\/?$)/;
const CONTENT_PATH =
  /^\/(?:media\/v1\/|api\/v1\/maps\/(?:tiles|fonts|style)|v1\/route\/[^/]+\/(?:derived\/|qcamera\.m3u8))/;
const DEVICE_UPLOAD_URL = /^\/v1\.4\/([0-9a-f]{16})\/upload_url\/?$/;

/** The budget an identified (or anonymous) API call is counted in; null when nothing counts it. */
export function callerLimitFor(path: string, caller: Caller | null, ip: string | null): LimitCharge | null {
  if (!API_PATH.test(path)) return null;
  if (caller) {
    if (caller.kind === "device" && DEVICE_UPLOAD_URL.test(path)) return deviceCharge(caller.device.dongleId);
    return { binding: "API_LIMIT", key: principalKey(caller) };
  }
  return anonymousCharge(path, ip);
}

/** An anonymous call (or one whose credentials were refused): per IP. */
export function anonymousCharge(path: string, ip: string | null): LimitCharge | null {
  if (!ip) return null;
  return { binding: CONTENT_PATH.test(path) ? "CONTENT_LIMIT" : "API_LIMIT", key: `ip:${ip}` };
}

export const deviceCharge = (dongleId: string): LimitCharge => ({ binding: "DEVICE_LIMIT", key: `dongle:${dongleId}` });

function principalKey(caller: Caller): string {
  switch (caller.kind) {
    case "user": {
      // A call with one of the user's API keys (the keys-audit work sets `apiKey` on the principal) has its own budget.
      const apiKey = (caller as { apiKey?: { id: string } }).apiKey;
      return apiKey ? `api_key:${apiKey.id}` : `user:${caller.user.id}`;
    }
    case "user-id":
      return `user:${caller.userId}`;
    case "device":
      return `device:${caller.device.dongleId}`;
    default: {
      // A kind of principal added later: its own bucket per kind and id.
      const other = caller as { kind: string; id?: string };
      return `${other.kind}:${other.id ?? ""}`;
    }
  }
}

/** true when the call may go ahead. A missing binding or a failing limiter lets it through: limits are a brake. */
export async function withinLimit(env: Env, charge: LimitCharge): Promise<boolean> {
  const limiter = env[charge.binding] as RateLimit | undefined;
  if (!limiter) return true;
  try {
    return (await limiter.limit({ key: charge.key })).success;
  } catch (err) {
    console.warn("rate limiter unavailable", charge.binding, err instanceof Error ? err.message : err);
    return true;
  }
}

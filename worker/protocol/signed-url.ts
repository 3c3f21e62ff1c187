/**
 * Capability URLs: an HMAC of (purpose, path, expiry) in the query string authorises a request by itself.
 * Devices PUT uploads with no Authorization header, and video players and comma's apps GET media the same way.
 */
import { base64url, hmacSha256, hmacSha256Base64url, timingSafeEqual } from "../lib/encoding";
import { nowSeconds } from "../lib/time";

export type SignaturePurpose = "upload" | "media" | "route";

async function signature(secret: string, purpose: SignaturePurpose, path: string, exp: number): Promise<string> {
  return base64url(await hmacSha256(secret, `${purpose}\n${path}\n${exp}`));
}

export async function signPath(
  secret: string,
  purpose: SignaturePurpose,
  path: string,
  ttlSeconds: number,
): Promise<{ exp: number; sig: string }> {
  const exp = nowSeconds() + ttlSeconds;
  return { exp, sig: await signature(secret, purpose, path, exp) };
}

/**
 * Long-lived signatures that lists hand out for every item (route share links): the expiry is rounded up to the
 * hour, so one (path, hour) always gets the same signature and the isolate computes it once (hmacSha256Base64url
 * remembers it). The link lives between ttl and ttl + 1 h.
 */
export async function signPathHourly(
  secret: string,
  purpose: SignaturePurpose,
  path: string,
  ttlSeconds: number,
): Promise<{ exp: number; sig: string }> {
  const exp = Math.ceil((nowSeconds() + ttlSeconds) / 3600) * 3600;
  return { exp, sig: await hmacSha256Base64url(secret, `${purpose}\n${path}\n${exp}`) };
}

export type SignatureCheck = "ok" | "missing" | "invalid" | "expired";

export async function checkSignature(
  secret: string,
  purpose: SignaturePurpose,
  path: string,
  exp: string | undefined,
  sig: string | undefined,
): Promise<SignatureCheck> {
  if (!exp || !sig) return "missing";
  if (!/^[0-9]{1,12}$/.test(exp)) return "invalid";
  const expected = await signature(secret, purpose, path, Number(exp));
  if (!timingSafeEqual(expected, sig)) return "invalid";
  return Number(exp) < nowSeconds() ? "expired" : "ok";
}

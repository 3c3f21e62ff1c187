/** JWTs exactly as openpilot's common/api.py mints them with PyJWT (integer seconds, header {alg, typ}). */
import { SignJWT } from "jose";
import type { DeviceKeys } from "./keys";

const nowS = () => Math.floor(Date.now() / 1000);

async function sign(keys: DeviceKeys, payload: Record<string, unknown>): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: keys.algorithm, typ: "JWT" }).sign(keys.privateKey);
}

/** registration.py: {register: true, exp: now + 1 h} and nothing else. */
export function registerToken(keys: DeviceKeys, opts: { expiresIn?: number } = {}) {
  return sign(keys, { register: true, exp: nowS() + (opts.expiresIn ?? 3600) });
}

/** Api.get_token(): {identity, nbf, iat, exp} plus extras ({pair: true} for the QR). `skew` fakes a wrong clock. */
export function deviceToken(
  keys: DeviceKeys,
  dongleId: string,
  opts: { expiresIn?: number; skew?: number; extra?: Record<string, unknown> } = {},
) {
  const t = nowS() + (opts.skew ?? 0);
  return sign(keys, { identity: dongleId, nbf: t, iat: t, exp: t + (opts.expiresIn ?? 3600), ...(opts.extra ?? {}) });
}

export function pairToken(keys: DeviceKeys, dongleId: string, opts: { expiresIn?: number } = {}) {
  return deviceToken(keys, dongleId, { ...opts, extra: { pair: true } });
}

/**
 * Device JWTs as openpilot's common/api.py mints them (PyJWT, RS256 or ES256, integer seconds):
 * - register token: {register: true, exp}
 * - API / athena token: {identity, nbf, iat, exp}, reused until it expires, no jti
 * - pair token: the API token plus {pair: true}
 * Device clocks can be off at boot, so verification allows CLOCK_LEEWAY_S either way.
 *
 * Every device token must carry `exp`, and live at most MAX_DEVICE_TOKEN_LIFETIME_S (stock openpilot mints 1 h for
 * athenad, the uploader and the pair QR, 2 h for its UI). A pair token is a bearer credential shown on screen, so it
 * is accepted for pairing only: `purpose: "api"` (the default: HTTP device endpoints, the athena socket) refuses it.
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from "jose";
import { importDevicePublicKey } from "./device-keys";

export const CLOCK_LEEWAY_S = 300;
export const MAX_DEVICE_TOKEN_LIFETIME_S = 24 * 3600;

/** What the token is presented for: registration, pairing, or everything else a device does (API and athena). */
export type DeviceTokenPurpose = "api" | "pair" | "register";

export type DeviceJwtFailure =
  | "malformed"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "wrong_algorithm"
  | "bad_key"
  | "no_expiry"
  | "lifetime_too_long"
  | "pair_token";

export class DeviceJwtError extends Error {
  constructor(
    readonly reason: DeviceJwtFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Reads claims without verifying: only to find which device (and key) a token claims to be. */
export function peekDeviceClaims(token: string): { alg: string; payload: JWTPayload } | null {
  try {
    return { alg: decodeProtectedHeader(token).alg ?? "", payload: decodeJwt(token) };
  } catch {
    return null;
  }
}

export async function verifyDeviceJwt(
  token: string,
  publicKeyPem: string,
  opts: { purpose?: DeviceTokenPurpose } = {},
): Promise<JWTPayload> {
  let imported;
  try {
    imported = await importDevicePublicKey(publicKeyPem);
  } catch {
    throw new DeviceJwtError("bad_key", "the device public key cannot be used");
  }
  const peek = peekDeviceClaims(token);
  if (!peek) throw new DeviceJwtError("malformed", "token is not a JWT");
  if (peek.alg !== imported.algorithm) {
    throw new DeviceJwtError(
      "wrong_algorithm",
      `token is ${peek.alg || "unsigned"}, the device key needs ${imported.algorithm}`,
    );
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, imported.key, {
      algorithms: [imported.algorithm],
      clockTolerance: CLOCK_LEEWAY_S,
    }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw new DeviceJwtError("expired", "token has expired");
    if (err instanceof errors.JWTClaimValidationFailed && err.claim === "nbf") {
      throw new DeviceJwtError("not_yet_valid", "token is not valid yet (device clock ahead?)");
    }
    if (err instanceof errors.JWSSignatureVerificationFailed)
      throw new DeviceJwtError("bad_signature", "token signature does not match the device key");
    if (err instanceof errors.JWTClaimValidationFailed)
      throw new DeviceJwtError("malformed", `token claim ${err.claim} is invalid`);
    throw new DeviceJwtError("malformed", "token cannot be verified");
  }
  checkLifetime(payload);
  if ((opts.purpose ?? "api") === "api" && payload.pair === true)
    throw new DeviceJwtError("pair_token", "pair tokens are accepted only by /v2/pilotpair/");
  return payload;
}

/**
 * `exp` is required, and exp − iat (exp − now without iat) may not exceed the maximum lifetime (plus the clock
 * leeway). exp − now is bounded too, so a token cannot stretch its life by claiming an iat in the future.
 */
function checkLifetime(payload: JWTPayload, nowS = Math.floor(Date.now() / 1000)): void {
  if (typeof payload.exp !== "number") throw new DeviceJwtError("no_expiry", "token has no exp claim");
  const limit = MAX_DEVICE_TOKEN_LIFETIME_S + CLOCK_LEEWAY_S;
  if (typeof payload.iat === "number" && payload.iat > nowS + CLOCK_LEEWAY_S)
    throw new DeviceJwtError("not_yet_valid", "token is issued in the future (device clock ahead?)");
  const start = typeof payload.iat === "number" ? payload.iat : nowS;
  if (payload.exp - start > limit || payload.exp - nowS > limit)
    throw new DeviceJwtError("lifetime_too_long", `token lives longer than ${MAX_DEVICE_TOKEN_LIFETIME_S / 3600} h`);
}

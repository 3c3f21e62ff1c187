/**
 * Device JWTs as openpilot's common/api.py mints them (PyJWT, RS256 or ES256, integer seconds):
 * - register token: {register: true, exp}
 * - API / athena token: {identity, nbf, iat, exp}, reused until it expires, no jti
 * - pair token: the API token plus {pair: true}
 * Device clocks can be off at boot, so verification allows CLOCK_LEEWAY_S either way.
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from "jose";
import { importDevicePublicKey } from "./device-keys";

export const CLOCK_LEEWAY_S = 300;

export type DeviceJwtFailure =
  | "malformed"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "wrong_algorithm"
  | "bad_key";

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
  opts: { requireExp?: boolean } = {},
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
  try {
    const { payload } = await jwtVerify(token, imported.key, {
      algorithms: [imported.algorithm],
      clockTolerance: CLOCK_LEEWAY_S,
      requiredClaims: opts.requireExp ? ["exp"] : [],
    });
    return payload;
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
}

/**
 * User access tokens: HS256 JWTs signed with JWT_SECRET, shaped like comma's ({identity, iat, nbf, exp}),
 * so one verifier can tell users (server secret) from devices (device public key) by the header's alg.
 */
import { errors, jwtVerify, SignJWT } from "jose";
import { unauthorized } from "../../errors";
import { hmacKey } from "../../lib/encoding";

export const ACCESS_TOKEN_TTL_S = 3600;

function jwtSecret(env: Env): string {
  if (!env.JWT_SECRET) throw new Error("JWT_SECRET is not configured");
  return env.JWT_SECRET;
}

export async function signAccessToken(env: Env, userId: string, ttl = ACCESS_TOKEN_TTL_S): Promise<string> {
  return new SignJWT({ identity: userId, typ: "access" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setIssuedAt()
    .setNotBefore("0s")
    .setExpirationTime(`${ttl}s`)
    .sign(await hmacKey(jwtSecret(env)));
}

export async function verifyAccessToken(env: Env, token: string): Promise<string> {
  try {
    // A CryptoKey imported once per isolate: given raw bytes, jose would import them again on every call.
    const { payload } = await jwtVerify(token, await hmacKey(jwtSecret(env)), {
      algorithms: ["HS256"],
      clockTolerance: 30,
    });
    if (payload.typ !== "access" || typeof payload.identity !== "string")
      throw unauthorized("Not an access token", "invalid_token");
    return payload.identity;
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw unauthorized("Access token expired", "token_expired");
    if (err instanceof Error && "status" in err) throw err;
    throw unauthorized("Invalid access token", "invalid_token");
  }
}

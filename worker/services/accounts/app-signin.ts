/**
 * Sign-in for comma's own web apps without patching them (docs/connect-api.md §2): our login page redirects to
 * `<app>/auth/?code=<one-time code>&provider=password`, and the app posts the code to `POST /v2/auth/` for an
 * access token. Codes reuse the refresh-token table (hashed, single use, expiring in 2 minutes) in a family marked
 * "signin:", so they can never be used as refresh tokens and vice versa.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/client";
import { refreshTokens } from "../../db/schema";
import { unauthorized } from "../../errors";
import { randomHex, sha256Hex } from "../../lib/encoding";
import { nowSeconds } from "../../lib/time";
import { signAccessToken } from "./user-tokens";

export const SIGNIN_CODE_TTL_S = 120;
export const SIGNIN_FAMILY_PREFIX = "signin:";
/** comma's apps cannot refresh tokens, so the token they get lives as long as a refresh token would. */
export const APP_ACCESS_TOKEN_TTL_S = 30 * 24 * 3600;

export async function createSigninCode(db: Db, userId: string): Promise<string> {
  const code = randomHex(24);
  await db.insert(refreshTokens).values({
    id: randomHex(16),
    userId,
    familyId: SIGNIN_FAMILY_PREFIX + randomHex(8),
    tokenHash: await sha256Hex(code),
    expiresAt: nowSeconds() + SIGNIN_CODE_TTL_S,
  });
  return code;
}

export async function exchangeSigninCode(env: Env, db: Db, code: string): Promise<{ access_token: string }> {
  const row = code
    ? await db.query.refreshTokens.findFirst({ where: eq(refreshTokens.tokenHash, await sha256Hex(code)) })
    : undefined;
  if (!row || !row.familyId.startsWith(SIGNIN_FAMILY_PREFIX) || row.revokedAt || row.expiresAt < nowSeconds()) {
    throw unauthorized("The sign-in code is invalid or expired", "invalid_code");
  }
  const claimed = await db
    .update(refreshTokens)
    .set({ usedAt: nowSeconds() })
    .where(and(eq(refreshTokens.id, row.id), isNull(refreshTokens.usedAt)))
    .returning({ id: refreshTokens.id });
  if (!claimed.length) throw unauthorized("The sign-in code was already used", "invalid_code");
  return { access_token: await signAccessToken(env, row.userId, APP_ACCESS_TOKEN_TTL_S) };
}

/** Where a code may be sent: our own origin or one of ALLOWED_ORIGINS. Returns the app's /auth/ URL or null. */
export function appAuthUrl(env: Env, ownOrigin: string, requested: string | undefined): URL | null {
  if (!requested) return null;
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    return null;
  }
  if (url.origin !== ownOrigin && !allowedOrigins(env).includes(url.origin)) return null;
  return new URL("/auth/", url.origin);
}

/**
 * A browser's `Origin` on the code exchange: absent (not a browser), our own, or one of ALLOWED_ORIGINS. Codes only
 * ever go to those origins, and CORS alone would not stop another page from spending one (it only hides the answer).
 */
export function exchangeOriginAllowed(env: Env, ownOrigin: string, origin: string | undefined): boolean {
  return !origin || origin === ownOrigin || allowedOrigins(env).includes(origin);
}

export function allowedOrigins(env: Env): string[] {
  return (env.ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((o) => o.trim().replace(/\/+$/, ""))
    .filter(Boolean);
}

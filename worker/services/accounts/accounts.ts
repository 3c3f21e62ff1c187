/**
 * User accounts: registration, sign-in, refresh-token rotation with reuse detection, sign-out.
 * Refresh tokens are opaque random strings stored as SHA-256 hashes. Each refresh marks the presented token used
 * and issues a new one in the same family; presenting a used token again means it leaked, so the family dies.
 */
import { and, count, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/client";
import { refreshTokens, users } from "../../db/schema";
import type { UserRow } from "../../db/types";
import { ApiError, badRequest, forbidden, unauthorized } from "../../errors";
import { randomHex, sha256Hex } from "../../lib/encoding";
import { hashPassword, passwordProblem, verifyPassword } from "../../lib/passwords";
import { nowSeconds } from "../../lib/time";
import { type LoginAttempt, loginSucceeded, reserveLoginAttempt } from "./login-limit";
import { auditInsert, type AuditSource, recordAudit } from "../audit";
import { ACCESS_TOKEN_TTL_S, signAccessToken } from "./user-tokens";

export const REFRESH_TOKEN_TTL_S = 30 * 24 * 3600;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: "JWT";
}

export function publicUser(user: UserRow) {
  return { id: user.id, email: user.email, name: user.name, role: user.role, created_at: user.createdAt };
}

async function issueTokens(env: Env, db: Db, userId: string, familyId = randomHex(16)): Promise<TokenPair> {
  const refresh = `${randomHex(32)}`;
  await db.insert(refreshTokens).values({
    id: randomHex(16),
    userId,
    familyId,
    tokenHash: await sha256Hex(refresh),
    expiresAt: nowSeconds() + REFRESH_TOKEN_TTL_S,
  });
  return {
    access_token: await signAccessToken(env, userId),
    refresh_token: refresh,
    expires_in: ACCESS_TOKEN_TTL_S,
    token_type: "JWT",
  };
}

export async function registerUser(env: Env, db: Db, input: { email: string; password: string; name?: string | null }) {
  if (env.ENABLE_REGISTRATION === "false")
    throw forbidden("Registration is closed on this server", "registration_closed");
  const email = input.email.trim().toLowerCase();
  if (!EMAIL_RE.test(email) || email.length > 254)
    throw badRequest("invalid_email", "A valid email address is required");
  const problem = passwordProblem(input.password, email);
  if (problem) throw badRequest("weak_password", problem);
  const existing = await db.query.users.findFirst({ columns: { id: true }, where: eq(users.email, email) });
  if (existing) throw new ApiError(409, "email_taken", "An account with this email already exists");
  const [{ n }] = await db.select({ n: count() }).from(users);
  const id = randomHex(8);
  const passwordHash = await hashPassword(input.password);
  // The very first account administers the server. A unique index on email settles concurrent sign-ups.
  const inserted = await db
    .insert(users)
    .values({ id, email, name: input.name?.trim() || null, passwordHash, role: n === 0 ? "admin" : "user" })
    .onConflictDoNothing()
    .returning();
  if (!inserted.length) throw new ApiError(409, "email_taken", "An account with this email already exists");
  return { user: inserted[0], tokens: await issueTokens(env, db, id) };
}

export async function login(
  env: Env,
  db: Db,
  email: string,
  password: string,
  ip: string | null,
): Promise<{ user: UserRow; tokens: TokenPair }> {
  const normalised = email.trim().toLowerCase();
  const attempt = await reserveLoginAttempt(db, normalised, ip);
  const user = await db.query.users.findFirst({ where: eq(users.email, normalised) });
  if (!attempt.granted) {
    await recordAudit(db, loginAudit("login.rate_limited", user, ip, { limit: attempt.bucket }));
    throw tooManyAttempts(attempt);
  }
  // Hash even for unknown accounts so response time does not reveal which emails exist.
  const ok = user ? await verifyPassword(password, user.passwordHash) : (await hashPassword(password), false);
  if (!user || !ok) {
    await recordAudit(
      db,
      loginAudit("login.failure", user, ip, { reason: user ? "wrong_password" : "unknown_account" }),
    );
    throw unauthorized("Wrong email or password", "invalid_credentials");
  }
  await loginSucceeded(db, attempt, normalised, ip);
  await recordAudit(db, loginAudit("login.success", user, ip));
  return { user, tokens: await issueTokens(env, db, user.id) };
}

/** Sign-in events belong to the account they target (when it exists); never the email or the password. */
function loginAudit(
  action: "login.success" | "login.failure" | "login.rate_limited",
  user: UserRow | undefined,
  ip: string | null,
  detail?: Record<string, string>,
) {
  return {
    action,
    actor: action === "login.success" && user ? { kind: "user" as const, id: user.id } : { kind: "anonymous" as const },
    target: user ? { kind: "user", id: user.id } : null,
    userId: user?.id ?? null,
    ip,
    detail: detail ?? null,
  };
}

function tooManyAttempts(attempt: Extract<LoginAttempt, { granted: false }>) {
  return new ApiError(429, "too_many_attempts", "Too many failed sign-in attempts; try again later", {
    "Retry-After": String(attempt.retryAfter),
  });
}

export async function refresh(env: Env, db: Db, refreshToken: string): Promise<TokenPair> {
  if (!refreshToken) throw badRequest("missing_refresh_token", "refresh_token is required");
  const row = await db.query.refreshTokens.findFirst({
    where: eq(refreshTokens.tokenHash, await sha256Hex(refreshToken)),
  });
  if (!row || row.familyId.startsWith("signin:")) throw unauthorized("Unknown refresh token", "invalid_refresh_token");
  if (row.revokedAt) throw unauthorized("Refresh token was revoked", "invalid_refresh_token");
  if (row.usedAt) {
    await revokeFamily(db, row.familyId);
    throw unauthorized("Refresh token was already used; every session from it was signed out", "refresh_token_reused");
  }
  if (row.expiresAt < nowSeconds()) throw unauthorized("Refresh token expired", "refresh_token_expired");
  // Claim the token atomically so two concurrent refreshes cannot both succeed.
  const claimed = await db
    .update(refreshTokens)
    .set({ usedAt: nowSeconds() })
    .where(and(eq(refreshTokens.id, row.id), isNull(refreshTokens.usedAt)))
    .returning({ id: refreshTokens.id });
  if (!claimed.length) {
    await revokeFamily(db, row.familyId);
    throw unauthorized("Refresh token was already used; every session from it was signed out", "refresh_token_reused");
  }
  return issueTokens(env, db, row.userId, row.familyId);
}

async function revokeFamily(db: Db, familyId: string) {
  await db
    .update(refreshTokens)
    .set({ revokedAt: nowSeconds() })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

export async function logout(db: Db, refreshToken: string | undefined): Promise<void> {
  if (!refreshToken) return;
  const row = await db.query.refreshTokens.findFirst({
    where: eq(refreshTokens.tokenHash, await sha256Hex(refreshToken)),
  });
  if (row) await revokeFamily(db, row.familyId);
}

/**
 * Changing the password signs out every other session: all refresh tokens of the user die (sign-in codes too) and
 * the caller gets a fresh pair. A wrong current password counts as a failed sign-in, so the endpoint cannot be used
 * to guess the password faster than the sign-in form (a stolen access token would otherwise allow exactly that).
 * Access tokens already issued stay valid until they expire (1 h): they are stateless JWTs.
 */
export async function changePassword(
  env: Env,
  db: Db,
  user: UserRow,
  input: { current_password: string; new_password: string },
  ip: string | null,
  source: AuditSource,
): Promise<TokenPair> {
  const attempt = await reserveLoginAttempt(db, user.email, ip);
  if (!attempt.granted) {
    await recordAudit(
      db,
      loginAudit("login.rate_limited", user, ip, { limit: attempt.bucket, via: "password_change" }),
    );
    throw tooManyAttempts(attempt);
  }
  if (!(await verifyPassword(input.current_password, user.passwordHash))) {
    await recordAudit(db, loginAudit("login.failure", user, ip, { reason: "wrong_password", via: "password_change" }));
    // 403, not 401: our clients read 401 as "the access token is bad" and refresh and retry.
    throw forbidden("The current password is wrong", "invalid_credentials");
  }
  await loginSucceeded(db, attempt, user.email, ip);
  const problem = passwordProblem(input.new_password, user.email);
  if (problem) throw badRequest("weak_password", problem);
  const passwordHash = await hashPassword(input.new_password);
  await db.batch([
    db.update(users).set({ passwordHash }).where(eq(users.id, user.id)),
    db
      .update(refreshTokens)
      .set({ revokedAt: nowSeconds() })
      .where(and(eq(refreshTokens.userId, user.id), isNull(refreshTokens.revokedAt))),
    auditInsert(db, { ...source, action: "account.password_changed", target: { kind: "user", id: user.id } }),
  ]);
  return issueTokens(env, db, user.id);
}

export async function changeRole(db: Db, actor: UserRow, userId: string, role: UserRow["role"]) {
  if (actor.role !== "admin") throw forbidden("Only admins can change roles", "insufficient_role");
  const updated = await db.update(users).set({ role }).where(eq(users.id, userId)).returning();
  if (!updated.length) throw new ApiError(404, "user_not_found", "No such user");
  return updated[0];
}

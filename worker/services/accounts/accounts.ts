/**
 * User accounts: registration, sign-in, refresh-token rotation with reuse detection, sign-out.
 * Refresh tokens are opaque random strings stored as SHA-256 hashes. Each refresh marks the presented token used
 * and issues a new one in the same family; presenting a used token again means it leaked, so the family dies.
 */
import { and, count, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { auditEvents, invites, refreshTokens, users } from "../../db/schema";
import type { UserRow } from "../../db/types";
import { ApiError, badRequest, forbidden, unauthorized } from "../../errors";
import { randomHex, sha256Hex } from "../../lib/encoding";
import { hashPassword, passwordProblem, verifyPassword } from "../../lib/passwords";
import { nowSeconds } from "../../lib/time";
import { inviteRefusal, type InviteRow, inviteState, usableInvite } from "./invites";
import { type LoginAttempt, loginSucceeded, reserveLoginAttempt } from "./login-limit";
import { type AuditAction, auditInsert, type AuditSource, recordAudit } from "../audit";
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

export interface RegistrationInput {
  email: string;
  password: string;
  name?: string | null;
  /** An invite token (from `/signup?invite=…` or a `/claim/…` link): the way in when registration is closed. */
  invite?: string | null;
}

/**
 * Creates an account. Open registration (ENABLE_REGISTRATION "true", what `npm run dev` runs) lets anyone in, and
 * the very first account administers the server (the demo relies on it). A deployed server is closed: only an
 * invite gets in, with the invite's role, and its first administrator comes from a claim link (an admin invite
 * printed by `npm run setup` / `npm run admin -- claim-link`), so nobody can race the owner to the admin account.
 */
export async function registerUser(env: Env, db: Db, input: RegistrationInput, ip: string | null = null) {
  const inviteToken = input.invite?.trim() || null;
  if (env.ENABLE_REGISTRATION === "false" && !inviteToken)
    throw forbidden("Registration is closed on this server", "registration_closed");
  const email = input.email.trim().toLowerCase();
  if (!EMAIL_RE.test(email) || email.length > 254)
    throw badRequest("invalid_email", "A valid email address is required");
  const invite = inviteToken ? await usableInvite(db, inviteToken, email) : null;
  const problem = passwordProblem(input.password, email);
  if (problem) throw badRequest("weak_password", problem);
  const existing = await db.query.users.findFirst({ columns: { id: true }, where: eq(users.email, email) });
  if (existing) throw new ApiError(409, "email_taken", "An account with this email already exists");
  const id = randomHex(8);
  const passwordHash = await hashPassword(input.password);
  const name = input.name?.trim() || null;
  const user = invite
    ? await insertInvitedUser(db, invite, { id, email, name, passwordHash }, ip)
    : await insertOpenUser(db, { id, email, name, passwordHash }, ip);
  return { user, tokens: await issueTokens(env, db, id) };
}

type NewUser = { id: string; email: string; name: string | null; passwordHash: string };

const emailTaken = () => new ApiError(409, "email_taken", "An account with this email already exists");

async function insertOpenUser(db: Db, u: NewUser, ip: string | null): Promise<UserRow> {
  const [{ n }] = await db.select({ n: count() }).from(users);
  const role = n === 0 ? "admin" : "user";
  // A unique index on email settles concurrent sign-ups.
  const inserted = await db
    .insert(users)
    .values({ ...u, role })
    .onConflictDoNothing()
    .returning();
  if (!inserted.length) throw emailTaken();
  await recordAudit(db, {
    action: "account.created",
    actor: { kind: "user", id: u.id },
    target: { kind: "user", id: u.id },
    ip,
    detail: { role, via: "open_registration" },
  });
  return inserted[0];
}

/**
 * One D1 batch (a transaction): claim the invite with a conditional UPDATE that names the new account, then insert
 * the account and the audit events only if that claim is ours (INSERT … SELECT from the invite row the UPDATE
 * marked). A sign-up that lost the race changes nothing; one whose email got taken meanwhile fails the unique index
 * and rolls the claim back with it.
 */
async function insertInvitedUser(db: Db, invite: InviteRow, u: NewUser, ip: string | null): Promise<UserRow> {
  const now = nowSeconds();
  const claimedByUs = and(eq(invites.id, invite.id), eq(invites.usedBy, u.id));
  // Insert-select fields need names (drizzle matches them to the table's columns, in order).
  const value = <T>(v: T, name: string) => sql<T>`${v}`.as(name);
  const audit = (action: AuditAction, target: { kind: string; id: string }, detail: Record<string, unknown>) =>
    db.insert(auditEvents).select(
      db
        .select({
          id: sql<number>`NULL`.as("id"),
          at: sql<number>`unixepoch()`.as("at"),
          action: value(action, "action"),
          actorKind: value("user", "actorKind"),
          actorId: value(u.id, "actorId"),
          targetKind: value(target.kind, "targetKind"),
          targetId: value(target.id, "targetId"),
          userId: value(u.id, "userId"),
          ip: value(ip, "ip"),
          detail: value(JSON.stringify(detail), "detail"),
        })
        .from(invites)
        .where(claimedByUs),
    );
  try {
    await db.batch([
      db
        .update(invites)
        .set({ usedAt: now, usedBy: u.id })
        .where(
          and(eq(invites.id, invite.id), isNull(invites.usedAt), isNull(invites.revokedAt), gt(invites.expiresAt, now)),
        ),
      db.insert(users).select(
        db
          .select({
            id: value(u.id, "id"),
            email: value(u.email, "email"),
            name: value(u.name, "name"),
            passwordHash: value(u.passwordHash, "passwordHash"),
            role: invites.role,
            createdAt: sql<number>`unixepoch()`.as("created_at"),
          })
          .from(invites)
          .where(claimedByUs),
      ),
      audit("invite.used", { kind: "invite", id: invite.id }, { role: invite.role }),
      audit("account.created", { kind: "user", id: u.id }, { role: invite.role, via: "invite", invite: invite.id }),
    ]);
  } catch (err) {
    if (/UNIQUE constraint failed: users\.email/.test(errorText(err))) throw emailTaken();
    throw err;
  }
  const user = await db.query.users.findFirst({ where: eq(users.id, u.id) });
  if (user) return user;
  // Someone else's sign-up claimed (or an admin revoked) the invite between our check and our batch.
  const latest = await db.query.invites.findFirst({ where: eq(invites.id, invite.id) });
  const state = latest ? inviteState(latest) : "revoked";
  throw inviteRefusal(state === "pending" ? "used" : state);
}

function errorText(err: unknown): string {
  let text = "";
  for (let e: unknown = err; e instanceof Error; e = e.cause) text += ` ${e.message}`;
  return text;
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

export async function changeRole(
  db: Db,
  actor: UserRow,
  userId: string,
  role: UserRow["role"],
  ip: string | null = null,
) {
  if (actor.role !== "admin") throw forbidden("Only admins can change roles", "insufficient_role");
  const before = await db.query.users.findFirst({ columns: { role: true }, where: eq(users.id, userId) });
  if (!before) throw new ApiError(404, "user_not_found", "No such user");
  const [updated] = await db.batch([
    db.update(users).set({ role }).where(eq(users.id, userId)).returning(),
    auditInsert(db, {
      action: "account.role_changed",
      actor: { kind: "user", id: actor.id },
      target: { kind: "user", id: userId },
      userId,
      ip,
      detail: { from: before.role, to: role },
    }),
  ]);
  if (!updated.length) throw new ApiError(404, "user_not_found", "No such user");
  return updated[0];
}

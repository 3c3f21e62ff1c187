/**
 * Invitations: the way into a server whose registration is closed. An admin creates one (role, optional email,
 * expiry) and hands out the link; the token is shown once and only its SHA-256 is stored. An invite is single use:
 * the sign-up that uses it claims it with one conditional UPDATE in the same D1 batch as the account insert
 * (accounts.ts registerUser), so two sign-ups racing for one invite cannot both get an account.
 * `npm run setup` / `npm run admin -- claim-link` insert the same kind of row (role admin, created_by NULL) for the
 * server's first administrator (scripts/lib/admin-sql.ts).
 */
import { desc, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { invites } from "../../db/schema";
import type { UserRow } from "../../db/types";
import { ApiError, badRequest, forbidden } from "../../errors";
import { randomHex, sha256Hex } from "../../lib/encoding";
import { nowSeconds } from "../../lib/time";
import { auditInsert } from "../audit";

export const INVITE_DEFAULT_HOURS = 72;
export const INVITE_MAX_HOURS = 30 * 24;
/** Admin invites open the claim page, the others the sign-up page with the token filled in. */
export const invitePath = (role: InviteRow["role"], token: string) =>
  role === "admin" ? `/claim/${token}` : `/signup?invite=${token}`;

export type InviteRow = typeof invites.$inferSelect;
export type InviteState = "pending" | "used" | "revoked" | "expired";

export function inviteState(row: InviteRow, now = nowSeconds()): InviteState {
  if (row.usedAt !== null) return "used";
  if (row.revokedAt !== null) return "revoked";
  if (row.expiresAt <= now) return "expired";
  return "pending";
}

/** What the admin list shows: never the token (only its hash is stored anyway). */
export function publicInvite(row: InviteRow) {
  return {
    id: row.id,
    role: row.role,
    email: row.email,
    created_by: row.createdBy,
    created_at: row.createdAt,
    expires_at: row.expiresAt,
    used_at: row.usedAt,
    used_by: row.usedBy,
    revoked_at: row.revokedAt,
    state: inviteState(row),
  };
}

function requireAdmin(actor: UserRow) {
  if (actor.role !== "admin") throw forbidden("Only admins manage invites", "insufficient_role");
}

export async function createInvite(
  db: Db,
  actor: UserRow,
  input: { role?: InviteRow["role"]; email?: string | null; expires_in_hours?: number },
  ip: string | null,
) {
  requireAdmin(actor);
  const hours = input.expires_in_hours ?? INVITE_DEFAULT_HOURS;
  if (!(hours > 0 && hours <= INVITE_MAX_HOURS))
    throw badRequest("invalid_expiry", `expires_in_hours must be between 1 and ${INVITE_MAX_HOURS}`);
  const email = input.email?.trim().toLowerCase() || null;
  const token = randomHex(32);
  const now = nowSeconds();
  const row: InviteRow = {
    id: randomHex(8),
    tokenHash: await sha256Hex(token),
    role: input.role ?? "user",
    email,
    createdBy: actor.id,
    createdAt: now,
    expiresAt: now + Math.round(hours * 3600),
    usedAt: null,
    usedBy: null,
    revokedAt: null,
  };
  await db.batch([
    db.insert(invites).values(row),
    auditInsert(db, {
      action: "invite.created",
      actor: { kind: "user", id: actor.id },
      target: { kind: "invite", id: row.id },
      ip,
      detail: { role: row.role, email_bound: email !== null, expires_at: row.expiresAt },
    }),
  ]);
  return { invite: publicInvite(row), token, path: invitePath(row.role, token) };
}

export async function listInvites(db: Db, actor: UserRow) {
  requireAdmin(actor);
  const rows = await db.select().from(invites).orderBy(desc(invites.createdAt)).limit(500);
  return rows.map(publicInvite);
}

/** Revoking twice is fine; an invite that was already used cannot be revoked (the account exists). */
export async function revokeInvite(db: Db, actor: UserRow, id: string, ip: string | null) {
  requireAdmin(actor);
  const row = await db.query.invites.findFirst({ where: eq(invites.id, id) });
  if (!row) throw new ApiError(404, "invite_not_found", "No such invite");
  if (row.usedAt !== null) throw new ApiError(409, "invite_used", "This invite was already used");
  if (row.revokedAt !== null) return publicInvite(row);
  const revokedAt = nowSeconds();
  await db.batch([
    db.update(invites).set({ revokedAt }).where(eq(invites.id, id)),
    auditInsert(db, {
      action: "invite.revoked",
      actor: { kind: "user", id: actor.id },
      target: { kind: "invite", id },
      ip,
    }),
  ]);
  return publicInvite({ ...row, revokedAt });
}

const refusals: Record<Exclude<InviteState, "pending">, () => ApiError> = {
  used: () => new ApiError(410, "invite_used", "This invite was already used"),
  revoked: () => new ApiError(410, "invite_revoked", "This invite was revoked"),
  expired: () => new ApiError(410, "invite_expired", "This invite has expired"),
};

/**
 * The invite a token names, if it can still be used (by `email`, when given): otherwise the precise refusal.
 * This is the friendly check before the work; the conditional UPDATE in the sign-up batch is what makes use atomic.
 */
export async function usableInvite(db: Db, token: string, email?: string): Promise<InviteRow> {
  const row = /^[0-9a-f]{64}$/.test(token)
    ? await db.query.invites.findFirst({ where: eq(invites.tokenHash, await sha256Hex(token)) })
    : undefined;
  if (!row) throw new ApiError(404, "invite_invalid", "This invite link is not valid");
  const state = inviteState(row);
  if (state !== "pending") throw refusals[state]();
  if (email !== undefined && row.email !== null && row.email !== email)
    throw forbidden("This invite is for another email address", "invite_email_mismatch");
  return row;
}

/** What the sign-up and claim pages show before the form is sent (token holders only). */
export async function describeInvite(db: Db, token: string) {
  const row = await usableInvite(db, token);
  return { role: row.role, email: row.email, expires_at: row.expiresAt };
}

export const inviteRefusal = (state: Exclude<InviteState, "pending">) => refusals[state]();

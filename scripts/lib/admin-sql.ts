/**
 * SQL the command-line tools (`npm run setup`, `npm run admin`) run through `wrangler d1 execute` against the
 * local or remote database. The Worker never runs these; they mirror what its services write.
 * Values are inlined as SQL literals (wrangler's --command takes no parameters), so everything goes through `lit`.
 */
import { createHash, randomBytes } from "node:crypto";

export const CLAIM_LINK_TTL_S = 24 * 3600;

export function lit(value: string | number | null): string {
  if (value === null) return "NULL";
  if (typeof value === "number") return String(Math.trunc(value));
  return `'${value.replace(/'/g, "''")}'`;
}

export const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/** A one-time admin claim: the token goes into the printed link, only its hash into D1. */
export function newClaimInvite(nowS = Math.floor(Date.now() / 1000)) {
  const token = randomBytes(32).toString("hex");
  const id = randomBytes(8).toString("hex");
  const sql = `INSERT INTO invites (id, token_hash, role, created_by, created_at, expires_at) VALUES (${lit(id)}, ${lit(sha256Hex(token))}, 'admin', NULL, ${lit(nowS)}, ${lit(nowS + CLAIM_LINK_TTL_S)});`;
  return { id, token, sql, path: `/claim/${token}` };
}

export type Role = "admin" | "user" | "viewer";
export const ROLES: readonly Role[] = ["admin", "user", "viewer"];
export const INVITE_DEFAULT_HOURS = 72;
export const INVITE_MAX_HOURS = 30 * 24;

/** An audit event written by the command line: actor kind "system" (worker/services/audit.ts has the actions). */
export function systemAuditSql(
  action: string,
  target: { kind: string; id: string },
  detail: Record<string, unknown>,
  userId: string | null = null,
): string {
  return `INSERT INTO audit_events (action, actor_kind, actor_id, target_kind, target_id, user_id, ip, detail) VALUES (${lit(action)}, 'system', NULL, ${lit(target.kind)}, ${lit(target.id)}, ${lit(userId)}, NULL, ${lit(JSON.stringify(detail))});`;
}

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export const findUserSql = (email: string) => `SELECT id, role FROM users WHERE email = ${lit(normaliseEmail(email))};`;

/** Promotes one account and records it; the caller looked the account up first (findUserSql). */
export function makeAdminSql(user: { id: string; role: string }): string {
  return [
    `UPDATE users SET role = 'admin' WHERE id = ${lit(user.id)};`,
    systemAuditSql(
      "account.role_changed",
      { kind: "user", id: user.id },
      { from: user.role, to: "admin", via: "cli" },
      user.id,
    ),
  ].join("\n");
}

/** Any invite, as the Worker makes them (services/accounts/invites.ts): token shown once, its hash stored; audited. */
export function newInvite(
  opts: { role?: Role; email?: string | null; hours?: number } = {},
  nowS = Math.floor(Date.now() / 1000),
) {
  const role = opts.role ?? "user";
  const hours = opts.hours ?? INVITE_DEFAULT_HOURS;
  if (!(hours > 0 && hours <= INVITE_MAX_HOURS)) throw new Error(`--hours must be between 1 and ${INVITE_MAX_HOURS}`);
  const email = opts.email ? normaliseEmail(opts.email) : null;
  const token = randomBytes(32).toString("hex");
  const id = randomBytes(8).toString("hex");
  const expiresAt = nowS + Math.round(hours * 3600);
  const sql = [
    `INSERT INTO invites (id, token_hash, role, email, created_by, created_at, expires_at) VALUES (${lit(id)}, ${lit(sha256Hex(token))}, ${lit(role)}, ${lit(email)}, NULL, ${lit(nowS)}, ${lit(expiresAt)});`,
    systemAuditSql(
      "invite.created",
      { kind: "invite", id },
      { role, email_bound: email !== null, expires_at: expiresAt, via: "cli" },
    ),
  ].join("\n");
  const path = role === "admin" ? `/claim/${token}` : `/signup?invite=${token}`;
  return { id, token, sql, path };
}

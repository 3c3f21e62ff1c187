/**
 * The first administrator of a deployed server, whose registration is closed: either an account created directly
 * (email + password, hashed here exactly as the Worker hashes them) or a one-time claim link (24 h).
 * Both write an audit event; neither the email nor the password nor the token ever reaches the audit detail.
 */
import { randomBytes } from "node:crypto";
import { hashPassword, passwordProblem } from "../../worker/lib/passwords";
import { lit, newClaimInvite } from "../lib/admin-sql";

export const ADMIN_COUNT_SQL = "SELECT count(*) AS n FROM users WHERE role = 'admin'";
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function auditSql(action: string, target: { kind: string; id: string }, userId: string | null, nowS: number) {
  const detail = JSON.stringify({ via: "setup", role: "admin" });
  return `INSERT INTO audit_events (at, action, actor_kind, actor_id, target_kind, target_id, user_id, detail) VALUES (${lit(nowS)}, ${lit(action)}, 'system', NULL, ${lit(target.kind)}, ${lit(target.id)}, ${lit(userId)}, ${lit(detail)});`;
}

/** Problems with the typed email/password, in the Worker's own words; null when acceptable. */
export function adminInputProblem(email: string, password: string): string | null {
  const normalised = email.trim().toLowerCase();
  if (!EMAIL_RE.test(normalised) || normalised.length > 254) return "A valid email address is required";
  return passwordProblem(password, normalised);
}

export async function adminAccountSql(email: string, password: string, nowS = Math.floor(Date.now() / 1000)) {
  const id = randomBytes(8).toString("hex");
  const passwordHash = await hashPassword(password);
  const sql = [
    `INSERT INTO users (id, email, name, password_hash, role, created_at) VALUES (${lit(id)}, ${lit(email.trim().toLowerCase())}, NULL, ${lit(passwordHash)}, 'admin', ${lit(nowS)});`,
    auditSql("account.created", { kind: "user", id }, id, nowS),
  ].join("\n");
  return { id, sql };
}

/** A fresh claim link; earlier unused setup claim links stop working, so only the last printed one is live. */
export function claimLinkSql(nowS = Math.floor(Date.now() / 1000)) {
  const invite = newClaimInvite(nowS);
  const sql = [
    `UPDATE invites SET revoked_at = ${lit(nowS)} WHERE role = 'admin' AND created_by IS NULL AND used_at IS NULL AND revoked_at IS NULL;`,
    invite.sql,
    auditSql("invite.created", { kind: "invite", id: invite.id }, null, nowS),
  ].join(" ");
  return { ...invite, sql };
}

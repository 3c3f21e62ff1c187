/**
 * The audit log: an append-only record of security-relevant events (who did what to whom, from which IP, when).
 * Services call `recordAudit` (or put `auditInsert` into their own D1 batch, so the event and the change it records
 * commit together). Never put secrets, tokens, passwords or email addresses into `detail`.
 */
import type { Db } from "../db/client";
import { auditEvents } from "../db/schema";
import type { Principal } from "./principal";

/** Every action the log knows, one name per idea ("<thing>.<what happened>"). */
export type AuditAction =
  | "login.success"
  | "login.failure"
  | "login.rate_limited"
  | "account.created"
  | "account.password_changed"
  | "account.deleted"
  | "account.role_changed"
  | "account.disabled"
  | "account.enabled"
  | "account.password_reset"
  | "api_key.created"
  | "api_key.revoked"
  | "invite.created"
  | "invite.used"
  | "invite.revoked"
  | "device.registered"
  | "device.paired"
  | "device.unpaired"
  | "device.deleted"
  | "device.blocked"
  | "device.unblocked"
  | "device.key_change_requested"
  | "device.key_change_approved"
  | "device.key_change_rejected"
  | "device.adopted"
  | "device.adoption_rejected"
  | "share.granted"
  | "share.revoked"
  | "route.deleted"
  | "admin.action";

export type AuditActorKind = "user" | "api_key" | "device" | "system" | "anonymous";

export interface AuditEvent {
  action: AuditAction;
  actor: { kind: AuditActorKind; id?: string | null };
  target?: { kind: string; id: string } | null;
  /** The account whose own audit page shows this event; defaults to the actor when the actor is a user. */
  userId?: string | null;
  ip?: string | null;
  detail?: Record<string, unknown> | null;
}

function row(event: AuditEvent): typeof auditEvents.$inferInsert {
  return {
    action: event.action,
    actorKind: event.actor.kind,
    actorId: event.actor.id ?? null,
    targetKind: event.target?.kind ?? null,
    targetId: event.target?.id ?? null,
    userId: event.userId !== undefined ? event.userId : event.actor.kind === "user" ? (event.actor.id ?? null) : null,
    ip: event.ip ?? null,
    detail: event.detail ?? null,
  };
}

/** The insert as a batch item, for services that commit the event with the change it records. */
export function auditInsert(db: Db, event: AuditEvent) {
  return db.insert(auditEvents).values(row(event));
}

export async function recordAudit(db: Db, event: AuditEvent): Promise<void> {
  await auditInsert(db, event);
}

/**
 * Who is acting and from where, as services receive it from their router (`auditSource`): the actor, the caller's
 * IP and the account the caller signs in as (the default `userId` of the events it causes).
 */
export interface AuditSource {
  actor: AuditEvent["actor"];
  ip: string | null;
  userId: string | null;
}

/** The actor behind a principal: a user, one of a user's API keys (its id; `userId` is the key's owner), a device. */
export function auditSource(principal: Principal | null, req: Request): AuditSource {
  const ip = clientIp(req);
  if (!principal) return { actor: { kind: "anonymous" }, ip, userId: null };
  if (principal.kind === "device")
    return { actor: { kind: "device", id: principal.device.dongleId }, ip, userId: principal.device.ownerId };
  const actor = principal.apiKey
    ? { kind: "api_key" as const, id: principal.apiKey.id }
    : { kind: "user" as const, id: principal.user.id };
  return { actor, ip, userId: principal.user.id };
}

/** The client's address as Cloudflare saw it; null when the header is missing (never a shared placeholder). */
export function clientIp(req: Request): string | null {
  return req.headers.get("CF-Connecting-IP")?.trim() || null;
}

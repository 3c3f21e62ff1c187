/**
 * Reading the audit log (services/audit.ts writes it) and its retention. The log is append-only: nothing here or
 * anywhere else updates or deletes an event, except the cron's retention sweep of events older than
 * AUDIT_RETENTION_DAYS.
 */
import { and, desc, eq, inArray, lt, type SQL } from "drizzle-orm";
import { type Db, database } from "../db/client";
import { auditEvents } from "../db/schema";

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;
export const DEFAULT_RETENTION_DAYS = 365;
/** Rows deleted per statement and statements per cron run: bounds one run's work; a backlog drains over runs. */
export const PRUNE_BATCH = 1000;
export const PRUNE_BATCHES_PER_RUN = 10;

export interface AuditQuery {
  /** Only this account's events (audit_events_user_idx); undefined = everyone's (admins). */
  userId?: string;
  action?: string;
  /** Events with an id below this one (the previous page's next_cursor). */
  cursor?: number;
  limit?: number;
}

type Row = typeof auditEvents.$inferSelect;

function publicEvent(row: Row) {
  return {
    id: row.id,
    at: row.at,
    action: row.action,
    actor: { kind: row.actorKind, id: row.actorId },
    target: row.targetKind && row.targetId ? { kind: row.targetKind, id: row.targetId } : null,
    user_id: row.userId,
    ip: row.ip,
    detail: (row.detail ?? null) as Record<string, unknown> | null,
  };
}
export type PublicAuditEvent = ReturnType<typeof publicEvent>;

/** Newest first, one page; `next_cursor` is null on the last page. */
export async function listAuditEvents(
  db: Db,
  query: AuditQuery,
): Promise<{ events: PublicAuditEvent[]; next_cursor: number | null }> {
  const limit = Math.min(Math.max(query.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
  const where: SQL[] = [];
  if (query.userId !== undefined) where.push(eq(auditEvents.userId, query.userId));
  if (query.action) where.push(eq(auditEvents.action, query.action));
  if (query.cursor !== undefined) where.push(lt(auditEvents.id, query.cursor));
  const rows = await db
    .select()
    .from(auditEvents)
    .where(and(...where))
    .orderBy(desc(auditEvents.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    events: page.map(publicEvent),
    next_cursor: rows.length > limit ? page[page.length - 1].id : null,
  };
}

/** AUDIT_RETENTION_DAYS as a whole number of days ≥ 1; anything else keeps the default (a year). */
export function retentionDays(env: Pick<Env, "AUDIT_RETENTION_DAYS">): number {
  const days = Number(env.AUDIT_RETENTION_DAYS);
  return Number.isInteger(days) && days >= 1 ? days : DEFAULT_RETENTION_DAYS;
}

/**
 * Deletes events older than the retention, at most PRUNE_BATCH × PRUNE_BATCHES_PER_RUN per call, oldest first
 * (audit_events_at_idx). Returns how many went.
 */
export async function pruneAuditEvents(env: Env, now: number): Promise<number> {
  const cutoff = now - retentionDays(env) * 24 * 3600;
  const db = database(env);
  // A bounded batch of the oldest rows per statement (the at index): one run never holds D1 for long.
  const oldest = db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(lt(auditEvents.at, cutoff))
    .orderBy(auditEvents.at)
    .limit(PRUNE_BATCH);
  let removed = 0;
  for (let i = 0; i < PRUNE_BATCHES_PER_RUN; i++) {
    const { meta } = await db.delete(auditEvents).where(inArray(auditEvents.id, oldest));
    removed += meta.changes;
    if (meta.changes < PRUNE_BATCH) break;
  }
  return removed;
}

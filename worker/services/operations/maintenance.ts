import { lt } from "drizzle-orm";
import { database } from "../../db/client";
import { loginFailures, refreshTokens } from "../../db/schema";
import { nowSeconds } from "../../lib/time";
import { logError, logLine } from "../../observability/log";
import { pruneAuditEvents } from "../audit-log";
import { sweepImports } from "../imports/imports";

/** Cron: prune bookkeeping that only matters for a short while. One log line per run. */
export async function runScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const started = performance.now();
  // A controller built by hand (admin tools, tests) may lack the schedule: the log line says so instead of throwing.
  const when = new Date(controller.scheduledTime ?? Number.NaN);
  const fields = {
    cron: controller.cron ?? null,
    scheduled_time: Number.isNaN(when.getTime()) ? null : when.toISOString(),
  };
  try {
    const now = nowSeconds();
    const db = database(env);
    const [failures, tokens] = await db.batch([
      db.delete(loginFailures).where(lt(loginFailures.at, now - 24 * 3600)),
      db.delete(refreshTokens).where(lt(refreshTokens.expiresAt, now - 24 * 3600)),
    ]);
    await sweepImports(env, now);
    const auditPruned = await pruneAuditEvents(env, now);
    logLine("info", "cron", {
      ...fields,
      outcome: "done",
      duration_ms: Math.round(performance.now() - started),
      login_failures_pruned: failures.meta.changes,
      refresh_tokens_pruned: tokens.meta.changes,
      audit_events_pruned: auditPruned,
    });
  } catch (err) {
    logError("cron", err, { ...fields, outcome: "failed", duration_ms: Math.round(performance.now() - started) });
    throw err;
  }
}

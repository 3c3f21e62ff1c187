import { nowSeconds } from "../lib/time";
import { logError, logLine } from "../observability/log";
import { sweepImports } from "./imports";

/** Cron: prune bookkeeping that only matters for a short while. One log line per run. */
export async function runScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const started = performance.now();
  const fields = { cron: controller.cron, scheduled_time: new Date(controller.scheduledTime).toISOString() };
  try {
    const now = nowSeconds();
    const [failures, tokens] = await env.DB.batch([
      env.DB.prepare("DELETE FROM login_failures WHERE at < ?").bind(now - 24 * 3600),
      env.DB.prepare("DELETE FROM refresh_tokens WHERE expires_at < ?").bind(now - 24 * 3600),
    ]);
    await sweepImports(env, now);
    logLine("info", "cron", {
      ...fields,
      outcome: "done",
      duration_ms: Math.round(performance.now() - started),
      login_failures_pruned: failures.meta.changes,
      refresh_tokens_pruned: tokens.meta.changes,
    });
  } catch (err) {
    logError("cron", err, { ...fields, outcome: "failed", duration_ms: Math.round(performance.now() - started) });
    throw err;
  }
}

import { nowSeconds } from "../lib/time";
import { pruneAuditEvents } from "./audit-log";
import { sweepImports } from "./imports";

/** Cron: prune bookkeeping that only matters for a short while. */
export async function runScheduled(_controller: ScheduledController, env: Env): Promise<void> {
  const now = nowSeconds();
  await env.DB.batch([
    env.DB.prepare("DELETE FROM login_failures WHERE at < ?").bind(now - 24 * 3600),
    env.DB.prepare("DELETE FROM refresh_tokens WHERE expires_at < ?").bind(now - 24 * 3600),
  ]);
  await sweepImports(env, now);
  await pruneAuditEvents(env, now);
}

import { lt } from "drizzle-orm";
import { database } from "../db/client";
import { loginFailures, refreshTokens } from "../db/schema";
import { nowSeconds } from "../lib/time";
import { pruneAuditEvents } from "./audit-log";
import { sweepImports } from "./imports/imports";

/** Cron: prune bookkeeping that only matters for a short while. */
export async function runScheduled(_controller: ScheduledController, env: Env): Promise<void> {
  const now = nowSeconds();
  const db = database(env);
  await db.batch([
    db.delete(loginFailures).where(lt(loginFailures.at, now - 24 * 3600)),
    db.delete(refreshTokens).where(lt(refreshTokens.expiresAt, now - 24 * 3600)),
  ]);
  await sweepImports(env, now);
  await pruneAuditEvents(env, now);
}

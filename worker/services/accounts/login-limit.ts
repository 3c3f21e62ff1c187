/**
 * Sign-in rate limit: 5 failed attempts per 15 minutes, counted per account and per client IP, in D1
 * (one row per failure, pruned by the cron job). Over the limit the caller gets 429 with Retry-After.
 */
import { and, count, eq, gte, inArray, min } from "drizzle-orm";
import type { Db } from "../../db/client";
import { loginFailures } from "../../db/schema";
import { ApiError } from "../../errors";
import { nowSeconds } from "../../lib/time";

export const MAX_FAILURES = 5;
export const WINDOW_S = 15 * 60;

const subjects = (email: string, ip: string) => [`email:${email.toLowerCase()}`, `ip:${ip}`];

export async function assertLoginAllowed(db: Db, email: string, ip: string): Promise<void> {
  const since = nowSeconds() - WINDOW_S;
  const rows = await db
    .select({ subject: loginFailures.subject, n: count(), first: min(loginFailures.at) })
    .from(loginFailures)
    .where(and(inArray(loginFailures.subject, subjects(email, ip)), gte(loginFailures.at, since)))
    .groupBy(loginFailures.subject);
  const blocked = rows.filter((r) => r.n >= MAX_FAILURES);
  if (!blocked.length) return;
  // Failures age out one by one; the earliest one leaving the window frees the first slot.
  const retryAfter = Math.max(1, Math.max(...blocked.map((r) => (r.first ?? since) + WINDOW_S - nowSeconds())));
  throw new ApiError(429, "too_many_attempts", "Too many failed sign-in attempts; try again later", {
    "Retry-After": String(retryAfter),
  });
}

export async function recordLoginFailure(db: Db, email: string, ip: string): Promise<void> {
  const at = nowSeconds();
  await db.insert(loginFailures).values(subjects(email, ip).map((subject) => ({ subject, at })));
}

export async function clearAccountFailures(db: Db, email: string): Promise<void> {
  await db.delete(loginFailures).where(eq(loginFailures.subject, `email:${email.toLowerCase()}`));
}

/**
 * Sign-in guessing limits, in D1 (table login_failures, pruned by the cron job):
 * - per (account, client IP): 5 attempts per 15 minutes. A stranger guessing from their address is stopped there
 *   and never locks the owner, who signs in from another address.
 * - per account, across all addresses: 50 per 15 minutes, which slows guessing spread over many addresses. Addresses
 *   the account signed in from successfully in the last 90 days (audit log `login.success`) are not held back by it,
 *   so a distributed attack can keep the owner out only where they have never signed in before.
 *
 * The check and the recording are one INSERT … SELECT … WHERE <under both limits> RETURNING statement: D1 runs each
 * statement alone, so parallel guesses cannot all pass a check before any of them is counted (issue #13 finding 2).
 * An attempt is counted before the password is checked; a correct password takes its rows back out again and clears
 * the failures of its (account, address) pair. Unknown emails are counted the same way, so nothing tells them apart.
 *
 * The client address is CF-Connecting-IP, which Cloudflare's edge always sets on requests from the Internet. Without
 * it (in-process callers only: tests, other Workers) the attempt counts in the account's own "no address" pair
 * bucket, as strict as any address: it is per account, so nobody can use it to lock out anyone else.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { nowSeconds } from "../../lib/time";

export const MAX_PER_ACCOUNT_AND_IP = 5;
export const MAX_PER_ACCOUNT = 50;
export const WINDOW_S = 15 * 60;
/** How long a successful sign-in from an address exempts it from the per-account ceiling. */
export const KNOWN_ADDRESS_S = 90 * 24 * 3600;

const pairSubject = (email: string, ip: string | null) => `acct-ip:${email}|${ip ?? "none"}`;
const accountSubject = (email: string) => `acct:${email}`;

export type LoginAttempt =
  | { granted: true; ids: number[] }
  | { granted: false; retryAfter: number; bucket: "account_ip" | "account" };

/** Counts one attempt if the account and its (account, address) pair are both under their limits. */
export async function reserveLoginAttempt(db: Db, email: string, ip: string | null): Promise<LoginAttempt> {
  const now = nowSeconds();
  const since = now - WINDOW_S;
  const pair = pairSubject(email, ip);
  const account = accountSubject(email);
  const inserted = await db.all<{ id: number }>(sql`
    INSERT INTO login_failures (subject, at)
    SELECT s.subject, ${now} FROM (SELECT ${pair} AS subject UNION ALL SELECT ${account}) AS s
    WHERE (SELECT count(*) FROM login_failures WHERE subject = ${pair} AND at > ${since}) < ${MAX_PER_ACCOUNT_AND_IP}
      AND ((SELECT count(*) FROM login_failures WHERE subject = ${account} AND at > ${since}) < ${MAX_PER_ACCOUNT}
        OR EXISTS (SELECT 1 FROM audit_events a JOIN users u ON u.id = a.user_id
                   WHERE u.email = ${email} AND a.action = 'login.success' AND a.ip = ${ip}
                     AND a.at > ${now - KNOWN_ADDRESS_S}))
    RETURNING id`);
  if (inserted.length) return { granted: true, ids: inserted.map((r) => r.id) };
  return refusal(db, pair, account, now);
}

/** Which limit refused, and when its oldest counted attempt that matters leaves the window. */
async function refusal(db: Db, pair: string, account: string, now: number): Promise<LoginAttempt> {
  const since = now - WINDOW_S;
  const counts = await db.all<{ subject: string; n: number }>(sql`
    SELECT subject, count(*) AS n FROM login_failures
    WHERE subject IN (${pair}, ${account}) AND at > ${since} GROUP BY subject`);
  const n = (subject: string) => counts.find((r) => r.subject === subject)?.n ?? 0;
  const [subject, limit, bucket] =
    n(pair) >= MAX_PER_ACCOUNT_AND_IP
      ? ([pair, MAX_PER_ACCOUNT_AND_IP, "account_ip"] as const)
      : ([account, MAX_PER_ACCOUNT, "account"] as const);
  // A slot frees when the count drops under the limit: when the (n - limit + 1)-th oldest attempt ages out.
  const [freeing] = await db.all<{ at: number }>(sql`
    SELECT at FROM login_failures WHERE subject = ${subject} AND at > ${since}
    ORDER BY at LIMIT 1 OFFSET ${Math.max(0, n(subject) - limit)}`);
  return { granted: false, bucket, retryAfter: Math.max(1, (freeing?.at ?? now) + WINDOW_S - now) };
}

/** The password was right: the attempt does not count, and this address starts afresh for this account. */
export async function loginSucceeded(db: Db, attempt: { ids: number[] }, email: string, ip: string | null) {
  await db.run(sql`
    DELETE FROM login_failures
    WHERE id IN (${sql.join(
      attempt.ids.map((id) => sql`${id}`),
      sql`, `,
    )}) OR subject = ${pairSubject(email, ip)}`);
}

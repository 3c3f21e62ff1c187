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

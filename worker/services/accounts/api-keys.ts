/**
 * API keys for scripts and integrations. A key is `ec_live_` + 32 random bytes in base64url (43 characters), shown
 * once at creation; the server keeps only its SHA-256 hash (a key is high-entropy, so a fast hash is enough: there
 * is nothing to brute-force) and its first characters, so lists can tell keys apart. A key acts as its owner, with
 * a `read` or `write` scope: read keys may only use safe methods (enforced in http/auth.ts `identify`).
 */
import { and, count, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import { type Db, prepared } from "../../db/client";
import { apiKeys, users } from "../../db/schema";
import type { UserRow } from "../../db/types";
import { ApiError, notFound, unauthorized } from "../../errors";
import { base64url, sha256Hex } from "../../lib/encoding";
import { nowSeconds } from "../../lib/time";
import { type AuditSource, auditInsert } from "../audit";

export const API_KEY_PREFIX = "ec_live_";
/** Active (unrevoked) keys one account may hold; revoke one to make room. */
export const MAX_API_KEYS_PER_USER = 25;
/** `last_used_at` is written at most this often per key, so busy scripts do not turn every read into a write. */
export const LAST_USED_GRANULARITY_S = 5 * 60;
/** Characters of the key kept in clear (prefix included): enough to recognise it, far too few to guess the rest. */
const SHOWN_CHARS = API_KEY_PREFIX.length + 6;
const KEY_SHAPE = /^ec_live_[A-Za-z0-9_-]{43}$/;

export type ApiKeyScope = "read" | "write";

export const isApiKeyToken = (token: string) => token.startsWith(API_KEY_PREFIX);

function publicKey(row: typeof apiKeys.$inferSelect) {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    prefix: row.prefix,
    created_at: row.createdAt,
    last_used_at: row.lastUsedAt,
  };
}
export type PublicApiKey = ReturnType<typeof publicKey>;

export async function createApiKey(
  db: Db,
  user: UserRow,
  input: { name: string; scope: ApiKeyScope },
  source: AuditSource,
): Promise<PublicApiKey & { key: string }> {
  const name = input.name.trim();
  if (!name) throw new ApiError(400, "invalid_request", "name: must not be empty");
  const [{ n }] = await db
    .select({ n: count() })
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, user.id), isNull(apiKeys.revokedAt)));
  if (n >= MAX_API_KEYS_PER_USER)
    throw new ApiError(409, "api_key_limit", `An account may hold ${MAX_API_KEYS_PER_USER} API keys; revoke one first`);
  const key = API_KEY_PREFIX + base64url(crypto.getRandomValues(new Uint8Array(32)));
  const id = crypto.randomUUID();
  const [[row]] = await db.batch([
    db
      .insert(apiKeys)
      .values({
        id,
        userId: user.id,
        name,
        scope: input.scope,
        prefix: key.slice(0, SHOWN_CHARS),
        keyHash: await sha256Hex(key),
      })
      .returning(),
    auditInsert(db, {
      ...source,
      action: "api_key.created",
      target: { kind: "api_key", id },
      userId: user.id,
      detail: { name, scope: input.scope },
    }),
  ]);
  return { ...publicKey(row), key };
}

/** The account's active keys, newest first. Never the hash, never the key. */
export async function listApiKeys(db: Db, user: UserRow): Promise<PublicApiKey[]> {
  const rows = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, user.id), isNull(apiKeys.revokedAt)))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
  return rows.map(publicKey);
}

/** Revokes one of the caller's own active keys; anyone else's, unknown or already revoked → 404. */
export async function revokeApiKey(db: Db, user: UserRow, id: string, source: AuditSource): Promise<void> {
  const own = and(eq(apiKeys.id, id), eq(apiKeys.userId, user.id), isNull(apiKeys.revokedAt));
  const key = await db.query.apiKeys.findFirst({ columns: { name: true }, where: own });
  if (!key) throw notFound("No such API key", "api_key_not_found");
  await db.batch([
    db.update(apiKeys).set({ revokedAt: nowSeconds() }).where(own),
    auditInsert(db, {
      ...source,
      action: "api_key.revoked",
      target: { kind: "api_key", id },
      userId: user.id,
      detail: { name: key.name },
    }),
  ]);
}

// One indexed lookup per request (api_keys_hash_unique), joined with the owner's row: a key of an account that no
// longer exists finds nothing.
const keyByHash = (db: Db) =>
  prepared(db, "api key by hash", () =>
    db
      .select({
        id: apiKeys.id,
        scope: apiKeys.scope,
        lastUsedAt: apiKeys.lastUsedAt,
        revokedAt: apiKeys.revokedAt,
        user: users,
      })
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.userId))
      .where(eq(apiKeys.keyHash, sql.placeholder("hash")))
      .prepare(),
  );

/**
 * The user and key behind `Authorization: Bearer|JWT ec_live_…`; 401 `invalid_api_key` for a malformed, unknown
 * or revoked key or a key whose account is gone. `touch` (for waitUntil) records the use when the last record is
 * older than LAST_USED_GRANULARITY_S; null when it is recent enough.
 */
export async function resolveApiKey(
  db: Db,
  token: string,
): Promise<{ user: UserRow; key: { id: string; scope: ApiKeyScope }; touch: (() => Promise<unknown>) | null }> {
  if (!KEY_SHAPE.test(token)) throw unauthorized("Malformed API key", "invalid_api_key");
  const row = await keyByHash(db).get({ hash: await sha256Hex(token) });
  if (!row || row.revokedAt !== null) throw unauthorized("Unknown or revoked API key", "invalid_api_key");
  const now = nowSeconds();
  const stale = row.lastUsedAt === null || now - row.lastUsedAt >= LAST_USED_GRANULARITY_S;
  const touch = stale
    ? () =>
        db
          .update(apiKeys)
          .set({ lastUsedAt: now })
          .where(
            and(
              eq(apiKeys.id, row.id),
              or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - LAST_USED_GRANULARITY_S + 1)),
            ),
          )
    : null;
  return { user: row.user, key: { id: row.id, scope: row.scope }, touch };
}

/**
 * D1 schema (drizzle-orm). Migrations in /migrations are generated from this file by drizzle-kit
 * (`npm run db:generate`) and applied by wrangler. Review every generated migration: D1 ignores
 * `PRAGMA foreign_keys=OFF`, so a table rebuild can silently cascade-delete children (docs/cloudflare.md (D1 with drizzle)).
 * Prefer additive changes. Times are unix seconds unless the column name ends in `_ms`.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const now = sql`(unixepoch())`;

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(), // 16 lowercase hex, like comma's user ids
    email: text("email").notNull(),
    name: text("name"),
    passwordHash: text("password_hash").notNull(),
    role: text("role", { enum: ["admin", "user", "viewer"] })
      .notNull()
      .default("user"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("users_email_unique").on(t.email)],
);

/** Refresh tokens are stored hashed; every refresh rotates the token inside its family. */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    familyId: text("family_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    revokedAt: integer("revoked_at"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("refresh_tokens_hash_unique").on(t.tokenHash), index("refresh_tokens_family_idx").on(t.familyId)],
);

/** Sign-in attempts counted by the per-(account, IP) and per-account limits. Old rows are pruned by the cron job. */
export const loginFailures = sqliteTable(
  "login_failures",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    subject: text("subject").notNull(), // "acct-ip:<email>|<ip or none>" or "acct:<email>" (services/accounts/login-limit.ts)
    at: integer("at").notNull(),
  },
  (t) => [index("login_failures_subject_at_idx").on(t.subject, t.at)],
);

export const devices = sqliteTable(
  "devices",
  {
    dongleId: text("dongle_id").primaryKey(),
    serial: text("serial"),
    imei: text("imei"),
    imei2: text("imei2"),
    publicKey: text("public_key").notNull(),
    keyAlgorithm: text("key_algorithm", { enum: ["RS256", "ES256"] }).notNull(),
    ownerId: text("owner_id").references(() => users.id),
    isPaired: integer("is_paired", { mode: "boolean" }).notNull().default(false),
    everPaired: integer("ever_paired", { mode: "boolean" }).notNull().default(false),
    alias: text("alias"),
    deviceType: text("device_type"),
    openpilotVersion: text("openpilot_version"),
    lastSeen: integer("last_seen"),
    lastAthenaPing: integer("last_athena_ping"),
    /** An admin deliberately blocked this device: pilotauth answers 403, which the device treats as permanent. */
    blocked: integer("blocked", { mode: "boolean" }).notNull().default(false),
    /** Uploads answered with 412 so the device stops trying. */
    ignoreUploads: integer("ignore_uploads", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull().default(now),
    /** The athena websocket is open (set on connect, cleared on close or after missed keepalives). */
    athenaOnline: integer("athena_online", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    uniqueIndex("devices_public_key_unique").on(t.publicKey),
    index("devices_serial_idx").on(t.serial),
    index("devices_owner_idx").on(t.ownerId),
  ],
);

/** Devices shared with other users (the owner lives in devices.owner_id). */
export const deviceUsers = sqliteTable(
  "device_users",
  {
    dongleId: text("dongle_id")
      .notNull()
      .references(() => devices.dongleId),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    permission: text("permission", { enum: ["read", "write"] })
      .notNull()
      .default("read"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.dongleId, t.userId] }), index("device_users_user_idx").on(t.userId)],
);

/**
 * Single drives shared with a person, view only (device_users shares every drive of a device). Keyed by the
 * route's fullname with no foreign key to routes: routes are soft-deleted (findRoute hides a deleted one, so its
 * shares are simply never honoured) and a share must never block removing a route row.
 */
export const routeUsers = sqliteTable(
  "route_users",
  {
    fullname: text("fullname").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.fullname, t.userId] }), index("route_users_user_idx").on(t.userId)],
);

/** A drive: `<dongle>|<log_id>`. Field names follow comma's route object (docs/logs.md (Route metadata)). */
export const routes = sqliteTable(
  "routes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    dongleId: text("dongle_id")
      .notNull()
      .references(() => devices.dongleId),
    logId: text("log_id").notNull(),
    fullname: text("fullname").notNull(),
    createTime: integer("create_time").notNull().default(now),
    startTimeMs: integer("start_time_ms"),
    endTimeMs: integer("end_time_ms"),
    startLat: real("start_lat"),
    startLng: real("start_lng"),
    endLat: real("end_lat"),
    endLng: real("end_lng"),
    distanceMiles: real("distance_miles"),
    maxqlog: integer("maxqlog").notNull().default(-1),
    procqlog: integer("procqlog").notNull().default(-1),
    maxlog: integer("maxlog").notNull().default(-1),
    maxqcamera: integer("maxqcamera").notNull().default(-1),
    maxcamera: integer("maxcamera").notNull().default(-1),
    maxecamera: integer("maxecamera").notNull().default(-1),
    maxdcamera: integer("maxdcamera").notNull().default(-1),
    version: text("version"),
    gitBranch: text("git_branch"),
    gitCommit: text("git_commit"),
    gitCommitDate: text("git_commit_date"),
    gitDirty: integer("git_dirty", { mode: "boolean" }),
    gitRemote: text("git_remote"),
    platform: text("platform"),
    make: text("make"),
    vin: text("vin"),
    deviceType: text("device_type"),
    /**
     * The drive's engaged time and event counts by route-stats.ts's rules, stored by the route aggregation
     * (services/processing/drive-stats.ts) so device totals are one query. NULL = unknown: a route whose
     * segments were processed before these existed (re-processing fills them in).
     */
    engagedMs: integer("engaged_ms"),
    alertCount: integer("alert_count"),
    userFlagCount: integer("user_flag_count"),
    engagementCount: integer("engagement_count"),
    disengagementCount: integer("disengagement_count"),
    isPublic: integer("is_public", { mode: "boolean" }).notNull().default(false),
    isPreserved: integer("is_preserved", { mode: "boolean" }).notNull().default(false),
    /** Soft delete: a deleted route never reappears, even if the device uploads its files again. */
    deletedAt: integer("deleted_at"),
  },
  (t) => [
    uniqueIndex("routes_fullname_unique").on(t.fullname),
    index("routes_dongle_create_idx").on(t.dongleId, t.createTime),
    index("routes_dongle_start_idx").on(t.dongleId, t.startTimeMs),
  ],
);

export const segments = sqliteTable(
  "segments",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    dongleId: text("dongle_id")
      .notNull()
      .references(() => devices.dongleId),
    logId: text("log_id").notNull(),
    number: integer("number").notNull(),
    state: text("state", { enum: ["pending", "done", "failed"] })
      .notNull()
      .default("pending"),
    failReason: text("fail_reason"),
    startTimeMs: integer("start_time_ms"),
    endTimeMs: integer("end_time_ms"),
    hasQlog: integer("has_qlog", { mode: "boolean" }).notNull().default(false),
    hasRlog: integer("has_rlog", { mode: "boolean" }).notNull().default(false),
    hasQcamera: integer("has_qcamera", { mode: "boolean" }).notNull().default(false),
    hasFcamera: integer("has_fcamera", { mode: "boolean" }).notNull().default(false),
    hasEcamera: integer("has_ecamera", { mode: "boolean" }).notNull().default(false),
    hasDcamera: integer("has_dcamera", { mode: "boolean" }).notNull().default(false),
    qcameraDuration: real("qcamera_duration"),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("segments_route_number_unique").on(t.dongleId, t.logId, t.number)],
);

/** Every object a device (or a user import) put into R2. */
export const uploadedFiles = sqliteTable(
  "uploaded_files",
  {
    key: text("key").primaryKey(), // R2 key: <dongle>/<log_id>/<seg>/<file>, <dongle>/boot/<name>, <dongle>/crash/<name>
    dongleId: text("dongle_id")
      .notNull()
      .references(() => devices.dongleId),
    logId: text("log_id"),
    segment: integer("segment"),
    fileName: text("file_name").notNull(),
    kind: text("kind", {
      enum: ["qlog", "rlog", "qcamera", "fcamera", "ecamera", "dcamera", "boot", "crash"],
    }).notNull(),
    size: integer("size").notNull(),
    etag: text("etag"),
    uploadedAt: integer("uploaded_at").notNull().default(now),
    state: text("state", { enum: ["pending", "done", "failed"] })
      .notNull()
      .default("pending"),
    failReason: text("fail_reason"),
  },
  (t) => [index("uploaded_files_route_idx").on(t.dongleId, t.logId, t.segment)],
);

/**
 * Devices that connected to athena with a dongle id comma issued (so they never called pilotauth here). The
 * key came from the device's `getPublicKey` and signed its handshake JWT; an admin approves (the row becomes a
 * `devices` row) or rejects (the row stays, and the device's websocket is refused from then on).
 */
export const pendingDevices = sqliteTable(
  "pending_devices",
  {
    dongleId: text("dongle_id").primaryKey(),
    publicKey: text("public_key").notNull(),
    keyAlgorithm: text("key_algorithm", { enum: ["RS256", "ES256"] }).notNull(),
    state: text("state", { enum: ["pending", "rejected"] })
      .notNull()
      .default("pending"),
    firstSeen: integer("first_seen").notNull().default(now),
    lastSeen: integer("last_seen"),
    decidedBy: text("decided_by").references(() => users.id),
    decidedAt: integer("decided_at"),
  },
  (t) => [index("pending_devices_state_idx").on(t.state)],
);

/**
 * Place names for geocoding (maps). Filled from tiles/build/places.sql (Natural Earth populated places) or any
 * other loader that sets `source`. The FTS5 index `places_fts` (external content, kept in sync by triggers) is in
 * the hand-written migration 0003_maps_fts.sql: drizzle cannot express virtual tables, and the index can always be
 * rebuilt from this table with `INSERT INTO places_fts(places_fts) VALUES ('rebuild')`.
 */
export const places = sqliteTable(
  "places",
  {
    id: integer("id").primaryKey(),
    name: text("name").notNull(),
    asciiName: text("ascii_name").notNull(),
    province: text("province").notNull().default(""),
    country: text("country").notNull().default(""),
    iso2: text("iso2").notNull().default(""),
    lat: real("lat").notNull(),
    lng: real("lng").notNull(),
    population: integer("population").notNull().default(0),
    source: text("source").notNull().default("naturalearth"),
  },
  (t) => [index("places_lat_lng_idx").on(t.lat, t.lng), index("places_source_idx").on(t.source)],
);

/**
 * What processing a segment's qlog produced (worker/services/processing/qlog.ts): the per-segment metadata the
 * route aggregate is recomputed from, so segments arriving in any order give the same route fields. A derived
 * cache: rebuildable from R2 by re-processing, hence no foreign keys. `etag` is the qlog object it came from.
 */
export const segmentQlogs = sqliteTable(
  "segment_qlogs",
  {
    dongleId: text("dongle_id").notNull(),
    logId: text("log_id").notNull(),
    number: integer("number").notNull(),
    etag: text("etag").notNull(),
    /** worker/logs SegmentMeta as JSON (~2 KB: no personal initData params, a handful of clocks pairs). */
    meta: text("meta", { mode: "json" }).notNull(),
    processedAt: integer("processed_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.dongleId, t.logId, t.number] })],
);

/**
 * Per-file processing bookkeeping next to uploaded_files (which holds state/fail_reason): what the last
 * successful run found (rlog scan counts, qcamera duration, boot initData summary), how many attempts were made,
 * and the last unexpected error, which the dead-letter consumer turns into the final fail_reason.
 */
export const fileProcessing = sqliteTable("file_processing", {
  key: text("key").primaryKey(),
  info: text("info", { mode: "json" }),
  attempts: integer("attempts").notNull().default(0),
  lastError: text("last_error"),
  processedAt: integer("processed_at"),
});

/**
 * Resumable manual imports (worker/services/imports/imports.ts): one row per R2 multipart upload of a file a user copied
 * off a device. Parts land under a staging key and reach the file's real key only after the SHA-256 check.
 * No foreign keys to devices/users: rows are short-lived bookkeeping (the cron drops them after `expires_at`)
 * and must never block deleting a device or an account; access is re-checked on every request anyway.
 */
export const importUploads = sqliteTable(
  "import_uploads",
  {
    id: text("id").primaryKey(), // 32 random hex, the public upload_id
    dongleId: text("dongle_id").notNull(),
    userId: text("user_id").notNull(), // who started it (any writer of the device may resume it)
    path: text("path").notNull(), // device upload path as sent, e.g. "0000001a--c20ba54385--3/rlog.zst"
    objectKey: text("object_key").notNull(), // final R2 key (objectKey of the parsed path)
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(), // lowercase hex of the whole file, as the client declared it
    chunkSize: integer("chunk_size").notNull(),
    chunkCount: integer("chunk_count").notNull(),
    r2UploadId: text("r2_upload_id").notNull(),
    /** open → completing (a lease while one request assembles and verifies) → completed | failed. */
    state: text("state", { enum: ["open", "completing", "completed", "failed"] })
      .notNull()
      .default("open"),
    leaseUntil: integer("lease_until"),
    failReason: text("fail_reason"),
    createdAt: integer("created_at").notNull().default(now),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [
    // At most one live upload per file, so a repeated init (client restarted) resumes instead of starting over.
    uniqueIndex("import_uploads_live_file_unique")
      .on(t.dongleId, t.objectKey, t.size, t.sha256)
      .where(sql`state IN ('open', 'completing')`),
    index("import_uploads_expires_idx").on(t.expiresAt),
  ],
);

/** Parts R2 acknowledged, with the etag completing the multipart upload needs. Re-sending a part replaces its row. */
export const importUploadParts = sqliteTable(
  "import_upload_parts",
  {
    uploadId: text("upload_id")
      .notNull()
      .references(() => importUploads.id, { onDelete: "cascade" }),
    partNumber: integer("part_number").notNull(),
    etag: text("etag").notNull(),
    size: integer("size").notNull(),
    receivedAt: integer("received_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.uploadId, t.partNumber] })],
);

/**
 * Append-only log of security-relevant events (worker/services/audit.ts; docs/security.md). Rows are never
 * updated; the cron job drops those older than the retention. No foreign keys: an event outlives the account,
 * device or key it names (an account's deletion leaves a tombstone event without personal data).
 */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull().default(now),
    /** Dotted verb, e.g. "login.failure", "api_key.created", "device.key_change_requested" (AuditAction). */
    action: text("action").notNull(),
    actorKind: text("actor_kind", { enum: ["user", "api_key", "device", "system", "anonymous"] }).notNull(),
    actorId: text("actor_id"),
    targetKind: text("target_kind"),
    targetId: text("target_id"),
    /** The account whose own audit page lists the event (the actor, or the account the event is about). */
    userId: text("user_id"),
    ip: text("ip"),
    /** Small JSON object of facts (never secrets, tokens or passwords). */
    detail: text("detail", { mode: "json" }),
  },
  (t) => [index("audit_events_user_idx").on(t.userId, t.id), index("audit_events_at_idx").on(t.at)],
);

/** API keys for scripts and integrations: shown once, stored as SHA-256 hashes, `read` or `write` scope. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    name: text("name").notNull(),
    scope: text("scope", { enum: ["read", "write"] }).notNull(),
    /** The key's first characters (recognisable prefix included), shown in lists so people can tell keys apart. */
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash_unique").on(t.keyHash), index("api_keys_user_idx").on(t.userId)],
);

/**
 * Single-use, expiring invitations to create an account (registration is closed on deployed servers). The first
 * administrator's one-time claim link is an invite with role "admin" created by `npm run setup` (created_by NULL).
 */
export const invites = sqliteTable(
  "invites",
  {
    id: text("id").primaryKey(),
    tokenHash: text("token_hash").notNull(),
    role: text("role", { enum: ["admin", "user", "viewer"] })
      .notNull()
      .default("user"),
    /** When set, only this address may use the invite. */
    email: text("email"),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull().default(now),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    usedBy: text("used_by"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("invites_token_hash_unique").on(t.tokenHash)],
);

/**
 * A registration that presented a known serial with a key the device row does not have. It never replaces the key
 * by itself (that was a takeover): the owner (or an admin, for an unowned device) approves or rejects it; the old
 * key keeps working until then.
 */
export const deviceKeyRequests = sqliteTable(
  "device_key_requests",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    dongleId: text("dongle_id")
      .notNull()
      .references(() => devices.dongleId),
    publicKey: text("public_key").notNull(),
    keyAlgorithm: text("key_algorithm", { enum: ["RS256", "ES256"] }).notNull(),
    serial: text("serial"),
    state: text("state", { enum: ["pending", "approved", "rejected"] })
      .notNull()
      .default("pending"),
    firstSeen: integer("first_seen").notNull().default(now),
    lastSeen: integer("last_seen"),
    ip: text("ip"),
    decidedBy: text("decided_by"),
    decidedAt: integer("decided_at"),
  },
  (t) => [
    uniqueIndex("device_key_requests_key_unique").on(t.dongleId, t.publicKey),
    index("device_key_requests_state_idx").on(t.state),
  ],
);

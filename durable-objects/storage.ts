/**
 * The DeviceObject's own SQLite. Everything that must outlive an eviction lives here or in a socket attachment:
 * the DO is evicted between events whenever it is idle, and a deploy restarts it with every socket dropped.
 * `sql.exec` is synchronous, so each statement (and each run of statements without an await) is atomic.
 */
const SCHEMA = [
  // Small scalars: the dongle id this object serves, when presence was last written to D1.
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  // One alarm per DO: every timer is a row, and the alarm is armed for the earliest (see timers.ts).
  `CREATE TABLE IF NOT EXISTS timers (name TEXT PRIMARY KEY, due_ms INTEGER NOT NULL)`,
  // Calls made while the device was offline (with an expiry), and the device's replies once delivered.
  `CREATE TABLE IF NOT EXISTS queued_calls (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     caller_id TEXT NOT NULL,
     method TEXT NOT NULL,
     params TEXT,
     expiry INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     sent_at INTEGER,
     reply TEXT,
     replied_at INTEGER)`,
  `CREATE INDEX IF NOT EXISTS queued_calls_open_idx ON queued_calls (replied_at, expiry)`,
  // Index of forwarded logs and stats whose bodies are in R2 (device-logs.ts).
  `CREATE TABLE IF NOT EXISTS device_logs (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     kind TEXT NOT NULL,
     rpc_id TEXT NOT NULL,
     r2_key TEXT NOT NULL,
     size INTEGER NOT NULL,
     received_at INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS device_logs_kind_idx ON device_logs (kind, seq)`,
];

/** Bump when SCHEMA changes (statements must stay idempotent: they all run again once). */
const SCHEMA_VERSION = "1";

/**
 * Runs on every wake: a hibernating object is rebuilt for each keepalive, so the common case must cost one read,
 * not six DDL statements (those were the largest JS cost per keepalive in bench/athena-idle-sockets.ts).
 */
export function migrate(sql: SqlStorage): void {
  try {
    const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").toArray()[0];
    if (row?.value === SCHEMA_VERSION) return;
  } catch {
    /* first wake ever: no meta table yet */
  }
  for (const statement of SCHEMA) sql.exec(statement);
  sql.exec(
    "INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    SCHEMA_VERSION,
  );
}

export class Meta {
  constructor(private readonly sql: SqlStorage) {}

  get(key: string): string | null {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    return row ? row.value : null;
  }

  getNumber(key: string): number | null {
    const v = this.get(key);
    return v === null ? null : Number(v);
  }

  set(key: string, value: string | number): void {
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      String(value),
    );
  }
}

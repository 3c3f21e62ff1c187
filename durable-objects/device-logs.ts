/**
 * Logs and stats the device forwards over athena (forwardLogs: whole swaglog files of NDJSON records;
 * storeStats: InfluxDB line protocol). Bodies go to R2 under athena-logs/<dongle>/, which cannot collide with
 * drive data (<dongle>/<route>/…); the index lives in this object's SQLite, so storing a file costs no D1 write.
 * Retention is bounded per kind by count, age and bytes, enforced on every insert and every listing.
 */
export type LogKind = "swaglog" | "stats";

export const LOG_RETENTION = {
  swaglog: { maxFiles: 500, maxBytes: 64 * 1024 * 1024 },
  stats: { maxFiles: 200, maxBytes: 8 * 1024 * 1024 },
} as const;
export const LOG_MAX_AGE_S = 14 * 24 * 3600;

export interface LogEntry {
  id: number;
  kind: LogKind;
  rpc_id: string;
  size: number;
  received_at: number;
}

type Row = {
  seq: number;
  kind: LogKind;
  rpc_id: string;
  r2_key: string;
  size: number;
  received_at: number;
};

const utf8 = new TextEncoder();

export class DeviceLogs {
  constructor(
    private readonly sql: SqlStorage,
    private readonly bucket: R2Bucket,
  ) {}

  async store(dongleId: string, kind: LogKind, rpcId: string, text: string, nowS: number): Promise<void> {
    const body = utf8.encode(text);
    const suffix = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
    const key = `athena-logs/${dongleId}/${kind}/${Date.now()}-${suffix}`;
    await this.bucket.put(key, body, {
      httpMetadata: { contentType: kind === "swaglog" ? "application/x-ndjson" : "text/plain" },
      customMetadata: { rpcId: rpcId.slice(0, 200) },
    });
    this.sql.exec(
      "INSERT INTO device_logs (kind, rpc_id, r2_key, size, received_at) VALUES (?, ?, ?, ?, ?)",
      kind,
      rpcId.slice(0, 200),
      key,
      body.byteLength,
      nowS,
    );
    await this.prune(kind, nowS);
  }

  async list(kind: LogKind | null, limit: number, nowS: number): Promise<LogEntry[]> {
    for (const k of ["swaglog", "stats"] as const) if (!kind || kind === k) await this.prune(k, nowS);
    const rows = kind
      ? this.sql.exec<Row>("SELECT * FROM device_logs WHERE kind = ? ORDER BY seq DESC LIMIT ?", kind, limit).toArray()
      : this.sql.exec<Row>("SELECT * FROM device_logs ORDER BY seq DESC LIMIT ?", limit).toArray();
    return rows.map((r) => ({ id: r.seq, kind: r.kind, rpc_id: r.rpc_id, size: r.size, received_at: r.received_at }));
  }

  /** Where one entry's body is, for the Worker to stream straight from R2. */
  locate(id: number): (LogEntry & { r2Key: string }) | null {
    const r = this.sql.exec<Row>("SELECT * FROM device_logs WHERE seq = ?", id).toArray()[0];
    return r
      ? { id: r.seq, kind: r.kind, rpc_id: r.rpc_id, size: r.size, received_at: r.received_at, r2Key: r.r2_key }
      : null;
  }

  /** Drops entries beyond the newest maxFiles, older than LOG_MAX_AGE_S, or past maxBytes counted newest first. */
  private async prune(kind: LogKind, nowS: number): Promise<void> {
    const { maxFiles, maxBytes } = LOG_RETENTION[kind];
    const doomed = this.sql
      .exec<{ seq: number; r2_key: string }>(
        `SELECT seq, r2_key FROM (
         SELECT seq, r2_key, received_at,
                ROW_NUMBER() OVER (ORDER BY seq DESC) AS n,
                SUM(size) OVER (ORDER BY seq DESC) AS bytes
         FROM device_logs WHERE kind = ?)
       WHERE n > ? OR bytes > ? OR received_at < ?`,
        kind,
        maxFiles,
        maxBytes,
        nowS - LOG_MAX_AGE_S,
      )
      .toArray();
    if (!doomed.length) return;
    for (let i = 0; i < doomed.length; i += 1000)
      await this.bucket.delete(doomed.slice(i, i + 1000).map((d) => d.r2_key));
    for (const d of doomed) this.sql.exec("DELETE FROM device_logs WHERE seq = ?", d.seq);
  }
}

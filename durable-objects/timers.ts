/**
 * Named timers on top of the single DO alarm. Timers are rows in SQLite, so they survive eviction; the alarm is
 * always armed for the earliest row. No setTimeout is ever left pending: a pending timer keeps the object awake
 * (billed) and blocks hibernation and eviction (docs/cloudflare.md (Durable Objects)).
 *
 * The keepalive is not a row: its due time lives in the device socket's attachment (free to write), because it
 * re-arms every 20 s for every connected device and each SQLite row written is billed (docs/observability.md). A
 * "keepalive" row left by an older version is taken once and dropped.
 */
export type TimerName = "queue-expiry" | "live-poll";
export interface TakenTimer {
  name: TimerName;
  dueMs: number;
}

export class Timers {
  constructor(
    private readonly sql: SqlStorage,
    private readonly storage: DurableObjectStorage,
  ) {}

  set(name: TimerName, dueMs: number): void {
    this.sql.exec(
      "INSERT INTO timers (name, due_ms) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET due_ms = excluded.due_ms",
      name,
      Math.floor(dueMs),
    );
  }

  clear(name: TimerName): void {
    this.sql.exec("DELETE FROM timers WHERE name = ?", name);
  }

  dueAt(name: TimerName): number | null {
    const row = this.sql.exec<{ due_ms: number }>("SELECT due_ms FROM timers WHERE name = ?", name).toArray()[0];
    return row ? row.due_ms : null;
  }

  /**
   * The timers that are due, and the horizon they were judged by (`extraDueMs`, the keepalive's due time, is due when
   * it is at or before it). The alarm was armed for the earliest timer, so when it fires that one counts as due even
   * if the clock disagrees slightly (early delivery, or a test running the alarm at once). They stay in the
   * table while they run: a handler that re-arms its timer then updates its row in place, one SQLite row written,
   * instead of a delete and an insert (three rows with the primary-key index). `dropTaken` removes the ones nobody
   * re-armed.
   */
  takeDue(nowMs: number, extraDueMs: number | null = null): { taken: TakenTimer[]; horizon: number } {
    const rows = this.sql
      .exec<{ name: TimerName; due_ms: number }>("SELECT name, due_ms FROM timers ORDER BY due_ms")
      .toArray();
    const earliest = Math.min(rows[0]?.due_ms ?? Number.POSITIVE_INFINITY, extraDueMs ?? Number.POSITIVE_INFINITY);
    const horizon = Number.isFinite(earliest) ? Math.max(nowMs, earliest) : nowMs;
    const taken = rows.filter((r) => r.due_ms <= horizon).map((r) => ({ name: r.name, dueMs: r.due_ms }));
    return { taken, horizon };
  }

  /** Deletes the taken timers whose row still holds the due time they were taken with (not re-armed, not cleared). */
  dropTaken(taken: TakenTimer[]): void {
    for (const t of taken) this.sql.exec("DELETE FROM timers WHERE name = ? AND due_ms = ?", t.name, t.dueMs);
  }

  /**
   * Arms the alarm for the earliest timer (or `extraDueMs`, the keepalive's, if earlier), or removes it when nothing
   * is scheduled.
   */
  async rearm(extraDueMs: number | null = null): Promise<void> {
    const row = this.sql.exec<{ due: number | null }>("SELECT MIN(due_ms) AS due FROM timers").one();
    const due = row.due === null ? extraDueMs : extraDueMs === null ? row.due : Math.min(row.due, extraDueMs);
    if (due === null) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(due);
  }
}

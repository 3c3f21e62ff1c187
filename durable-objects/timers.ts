/**
 * Named timers on top of the single DO alarm. Timers are rows in SQLite, so they survive eviction; the alarm is
 * always armed for the earliest row. No setTimeout is ever left pending: a pending timer keeps the object awake
 * (billed) and blocks hibernation and eviction (docs/cloudflare.md (Durable Objects)).
 */
export type TimerName = "keepalive" | "queue-expiry" | "live-poll";

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
   * Removes and returns the timers that are due. The alarm was armed for the earliest timer, so when it fires that
   * one counts as due even if the clock disagrees slightly (early delivery, or a test running the alarm at once).
   */
  takeDue(nowMs: number): TimerName[] {
    const rows = this.sql
      .exec<{ name: TimerName; due_ms: number }>("SELECT name, due_ms FROM timers ORDER BY due_ms")
      .toArray();
    if (!rows.length) return [];
    const horizon = Math.max(nowMs, rows[0].due_ms);
    const due = rows.filter((r) => r.due_ms <= horizon).map((r) => r.name);
    for (const name of due) this.clear(name);
    return due;
  }

  /** Arms the alarm for the earliest timer, or removes it when nothing is scheduled. */
  async rearm(): Promise<void> {
    const row = this.sql.exec<{ due: number | null }>("SELECT MIN(due_ms) AS due FROM timers").one();
    if (row.due === null) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(row.due);
  }
}

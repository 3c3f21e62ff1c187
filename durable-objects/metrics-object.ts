/**
 * MetricsObject (binding METRICS_STORE, one instance named "global"): the admin summary's store. Isolates flush
 * their buffered counters and latency histograms here (worker/observability/buffer.ts) at most every 30 s each, as
 * per-minute rows that add up; rows older than a day (plus a margin) are pruned on the next flush. Reading the
 * last hour or day is one GROUP BY over at most 1 440 minutes × series.
 */
import { DurableObject } from "cloudflare:workers";
import type { MetricDelta } from "../worker/observability/buffer";

/** Kept a little longer than the longest window the summary reads. */
const KEEP_MINUTES = 24 * 60 + 60;

export interface SeriesTotal {
  name: string;
  labels: string;
  le: number;
  value: number;
}

export class MetricsObject extends DurableObject<Env> {
  private prunedAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS series (
         minute INTEGER NOT NULL, name TEXT NOT NULL, labels TEXT NOT NULL, le INTEGER NOT NULL, value REAL NOT NULL,
         PRIMARY KEY (minute, name, labels, le)
       ) WITHOUT ROWID`,
    );
  }

  /** Adds one flush (all rows in the same minute, the minute the isolate flushed in). */
  record(minute: number, rows: MetricDelta[]): void {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      for (const r of rows)
        sql.exec(
          `INSERT INTO series (minute, name, labels, le, value) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (minute, name, labels, le) DO UPDATE SET value = value + excluded.value`,
          minute,
          r.name,
          r.labels,
          r.le,
          r.value,
        );
      if (minute !== this.prunedAt) {
        sql.exec("DELETE FROM series WHERE minute < ?", minute - KEEP_MINUTES);
        this.prunedAt = minute;
      }
    });
  }

  /** Every series summed over the minutes since `sinceMinute` (inclusive). */
  totals(sinceMinute: number): SeriesTotal[] {
    return this.ctx.storage.sql
      .exec<{ name: string; labels: string; le: number; value: number }>(
        "SELECT name, labels, le, SUM(value) AS value FROM series WHERE minute >= ? GROUP BY name, labels, le",
        sinceMinute,
      )
      .toArray();
  }
}

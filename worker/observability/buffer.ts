/**
 * Per-isolate metric buffer. Analytics Engine keeps every data point but cannot be read from inside the Worker, so
 * the admin summary has its own, coarse source: counters and latency histograms summed in memory here, and sent to
 * the MetricsObject (one small Durable Object) at most every FLUSH_INTERVAL_MS, in the background (waitUntil).
 * An isolate evicted between two flushes loses at most that much of its counts: fine for an operator's summary.
 */
import { BUCKET_COUNT, bucketOf } from "./histogram";

export const FLUSH_INTERVAL_MS = 30_000;

/** One series of one metric: counters use `le = -1`; histograms one row per bucket index plus `le = -2` = sum. */
export interface MetricDelta {
  name: string;
  labels: string;
  le: number;
  value: number;
}

export const COUNTER = -1;
export const HISTOGRAM_SUM = -2;

const SEP = "\u0001";

export class MetricsBuffer {
  private counters = new Map<string, number>();
  private histograms = new Map<string, { buckets: number[]; sum: number }>();
  private lastFlush = Date.now();

  /** `labels` is a short, fixed-order string like `route=/v1/me,status=200`: built by the caller, never parsed. */
  count(name: string, labels: string, by = 1): void {
    const k = name + SEP + labels;
    this.counters.set(k, (this.counters.get(k) ?? 0) + by);
  }

  observe(name: string, labels: string, ms: number): void {
    const k = name + SEP + labels;
    let h = this.histograms.get(k);
    if (!h) {
      h = { buckets: new Array(BUCKET_COUNT).fill(0), sum: 0 };
      this.histograms.set(k, h);
    }
    h.buckets[bucketOf(ms)]++;
    h.sum += ms;
  }

  get empty(): boolean {
    return this.counters.size === 0 && this.histograms.size === 0;
  }

  due(now = Date.now()): boolean {
    return !this.empty && now - this.lastFlush >= FLUSH_INTERVAL_MS;
  }

  /** Everything buffered so far, as rows for MetricsObject.record; the buffer starts over. */
  drain(now = Date.now()): MetricDelta[] {
    const rows: MetricDelta[] = [];
    for (const [k, value] of this.counters) {
      const [name, labels] = k.split(SEP);
      rows.push({ name, labels, le: COUNTER, value });
    }
    for (const [k, h] of this.histograms) {
      const [name, labels] = k.split(SEP);
      h.buckets.forEach((value, le) => value && rows.push({ name, labels, le, value }));
      rows.push({ name, labels, le: HISTOGRAM_SUM, value: h.sum });
    }
    this.counters = new Map();
    this.histograms = new Map();
    this.lastFlush = now;
    return rows;
  }
}

/** The isolate's buffer (module state lives as long as the isolate). */
export const isolateMetrics = new MetricsBuffer();
